package org.javapxeboot.it;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.PrintWriter;
import java.io.RandomAccessFile;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardWatchEventKinds;
import java.nio.file.WatchService;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;

/**
 * The lines a server prints or a guest's console carries, each stamped with {@link System#nanoTime()}
 * when it arrived and copied to a log file ({@code SECONDS-SINCE-START line}). A test waits on a line
 * ({@link #first}: a future completed by the reader when the line comes, so the wait is on the event)
 * and reads the stage times from the stamps.
 */
final class StampedLines implements AutoCloseable {
    record Line(long nanos, String text) {}

    private record Waiter(Predicate<String> test, CompletableFuture<Line> done) {}

    private final long origin;
    private final PrintWriter log;
    private final List<Line> lines = new ArrayList<>();
    private final List<Waiter> waiters = new ArrayList<>();
    private final Thread reader;
    private volatile boolean closed;

    private StampedLines(long origin, Path logFile, ThrowingRunnable body, String name) throws IOException {
        this.origin = origin;
        this.log = new PrintWriter(Files.newBufferedWriter(logFile, StandardCharsets.UTF_8), true);
        this.reader = new Thread(() -> {
            try {
                body.run(this);
            } catch (IOException | InterruptedException e) {
                if (!closed) add("(reader stopped: " + e + ")");
            }
        }, name);
        reader.setDaemon(true);
    }

    @FunctionalInterface
    private interface ThrowingRunnable {
        void run(StampedLines s) throws IOException, InterruptedException;
    }

    /** What {@code p} prints (stdout and stderr merged by the caller's ProcessBuilder). */
    static StampedLines of(Process p, long origin, Path logFile) throws IOException {
        InputStream in = p.getInputStream();
        StampedLines s = new StampedLines(origin, logFile, self -> {
            try (BufferedReader r = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8))) {
                for (String l; (l = r.readLine()) != null; ) self.add(l);
            } catch (IOException e) {
                if (p.isAlive()) throw e; // else the process was stopped and its pipe closed under us: its end
            }
        }, "lines-" + logFile.getFileName());
        s.reader.start();
        return s;
    }

    /**
     * What is appended to {@code file} (which may not exist yet), read when the kernel says its folder
     * changed (inotify, through the WatchService). Carriage returns and terminal escapes are dropped.
     */
    static StampedLines tail(Path file, long origin, Path logFile) throws IOException {
        WatchService ws = FileSystems.getDefault().newWatchService();
        file.getParent().register(ws, StandardWatchEventKinds.ENTRY_CREATE, StandardWatchEventKinds.ENTRY_MODIFY);
        StampedLines s = new StampedLines(origin, logFile, self -> {
            long offset = 0;
            StringBuilder partial = new StringBuilder();
            try (ws) {
                while (!self.closed) {
                    var key = ws.poll(1, TimeUnit.SECONDS); // the bound only lets close() end the loop
                    if (key != null) {
                        key.pollEvents();
                        key.reset();
                    }
                    if (!Files.exists(file)) continue;
                    try (RandomAccessFile raf = new RandomAccessFile(file.toFile(), "r")) {
                        if (raf.length() <= offset) continue;
                        byte[] b = new byte[(int) Math.min(raf.length() - offset, 1 << 20)];
                        raf.seek(offset);
                        raf.readFully(b);
                        offset += b.length;
                        partial.append(new String(b, StandardCharsets.ISO_8859_1));
                    }
                    for (int nl; (nl = partial.indexOf("\n")) >= 0; ) {
                        self.add(clean(partial.substring(0, nl)));
                        partial.delete(0, nl + 1);
                    }
                }
            }
            if (partial.length() > 0) self.add(clean(partial.toString()));
        }, "tail-" + file.getFileName());
        s.reader.start();
        return s;
    }

    /** Without carriage returns and terminal escapes. */
    static String clean(String s) {
        return s.replace("\r", "").replaceAll("\u001b\\[[0-9;?]*[A-Za-z]", "");
    }

    private void add(String text) {
        Line line = new Line(System.nanoTime(), text);
        log.printf("%9.3f %s%n", (line.nanos - origin) / 1e9, text);
        synchronized (this) {
            lines.add(line);
            waiters.removeIf(w -> w.test.test(text) && w.done.complete(line));
        }
    }

    /** The first line (seen or to come) that {@code test} accepts. */
    CompletableFuture<Line> first(Predicate<String> test) {
        return find(null, test);
    }

    /** The first line (seen or to come) that arrived after {@code nanos} ({@link System#nanoTime()}) and that {@code test} accepts. */
    CompletableFuture<Line> firstAfter(long nanos, Predicate<String> test) {
        return find(nanos, test);
    }

    private synchronized CompletableFuture<Line> find(Long after, Predicate<String> test) {
        for (Line l : lines) {
            if ((after == null || l.nanos - after > 0) && test.test(l.text)) return CompletableFuture.completedFuture(l);
        }
        CompletableFuture<Line> f = new CompletableFuture<>();
        waiters.add(new Waiter(test, f)); // lines still to come all arrive after nanos
        return f;
    }

    synchronized List<String> texts() {
        return lines.stream().map(Line::text).toList();
    }

    synchronized long count(Predicate<String> test) {
        return lines.stream().filter(l -> test.test(l.text)).count();
    }

    /** Seconds from the origin to {@code l}. */
    double at(Line l) {
        return (l.nanos - origin) / 1e9;
    }

    String tail(int n) {
        List<String> t = texts().stream().filter(l -> !l.isBlank()).toList();
        return String.join("\n", t.subList(Math.max(0, t.size() - n), t.size()));
    }

    @Override
    public void close() throws InterruptedException {
        closed = true;
        reader.join(TimeUnit.SECONDS.toMillis(10));
        log.close();
    }
}
