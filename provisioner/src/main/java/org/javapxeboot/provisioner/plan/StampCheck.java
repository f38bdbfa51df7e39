package org.javapxeboot.provisioner.plan;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicBoolean;
import org.javapxeboot.provisioner.plan.ApplyStamp.Entry;
import org.javapxeboot.provisioner.plan.ApplyStamp.Kind;

/**
 * {@link ApplyStamp#check}: the stamp's lines compared with the files as they are now. The files
 * are looked at by a few threads at once (one {@code lstat} each, ~5-8 us of a no-op re-apply's
 * time per file, 7 000 files for 1 000 guests); the first difference stops them all. A file the stamp
 * says is absent (an ack's marker, 1 000 of them) is looked up in its folder's listing, read once per
 * thread: a failed {@code lstat} costs the JDK an exception with its stack trace.
 */
final class StampCheck {
    /** At most this many threads, and at least this many files each. */
    static final int MAX_THREADS = 4;
    static final int MIN_FILES_PER_THREAD = 512;

    private StampCheck() {
    }

    /** {@link ApplyStamp#check}, with the stamp's lines from {@code read} if they are still current (null: read here). */
    static Optional<List<String>> check(Path stamp, String key, StampRead read) {
        try {
            if (!ApplyStamp.ours(stamp) || !ApplyStamp.ours(stamp.toAbsolutePath().normalize().getParent())) {
                return Optional.empty(); // someone else could have written it: plan in full
            }
            String[] lines = read != null ? read.lines() : StampRead.lines(stamp);
            if (lines.length < 5 || !lines[0].equals(ApplyStamp.MAGIC) || !lines[1].equals(StampLine.encode(key))) {
                return Optional.empty();
            }
            String[] clock = lines[2].split(" ");
            if (clock.length != 2) {
                return Optional.empty();
            }
            int n = Integer.parseInt(lines[3]);
            if (n < 0 || n > lines.length - 4) {
                return Optional.empty();
            }
            List<String> printed = new ArrayList<>(n);
            for (int i = 0; i < n; i++) {
                String line = StampLine.decode(lines[4 + i]);
                if (line == null) {
                    return Optional.empty();
                }
                printed.add(line);
            }
            int from = 4 + n;
            int to = lines.length > from && lines[lines.length - 1].isEmpty() ? lines.length - 1 : lines.length;
            FileLines files = new FileLines(lines, clock[0], Long.parseLong(clock[1]));
            int result = files.compare(from, to);
            if (result == ApplyStamp.DIFFERENT) {
                return Optional.empty();
            }
            if (result == ApplyStamp.SAME_BY_CONTENT) {
                ApplyStamp.refresh(stamp, lines);
            }
            return Optional.of(printed);
        } catch (IOException | RuntimeException e) {
            return Optional.empty(); // unreadable or not ours: plan in full
        }
    }

    /** Waits for {@code th} to end; an interrupt meanwhile is kept for the caller. */
    static void join(Thread th) {
        boolean interrupted = false;
        while (true) {
            try {
                th.join();
                break;
            } catch (InterruptedException e) {
                interrupted = true;
            }
        }
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
    }

    /** The file lines of one stamp, compared by up to {@link #MAX_THREADS} threads. */
    private static final class FileLines {
        private static final String ABSENT = "absent";
        private final String[] lines;
        private final String dev;
        private final long begun;
        private final AtomicBoolean differs = new AtomicBoolean();
        private final AtomicBoolean byContent = new AtomicBoolean();

        FileLines(String[] lines, String dev, long begun) {
            this.lines = lines;
            this.dev = dev;
            this.begun = begun;
        }

        /** DIFFERENT, SAME_BY_CONTENT (an output compared by content: the stamp's clock is renewed) or SAME. */
        int compare(int from, int to) {
            int threads = Math.max(1, Math.min(Math.min(MAX_THREADS, Runtime.getRuntime().availableProcessors()),
                    (to - from) / MIN_FILES_PER_THREAD));
            List<Thread> started = new ArrayList<>(threads - 1);
            int chunk = (to - from + threads - 1) / threads;
            try {
                for (int t = 1; t < threads; t++) {
                    int a = from + t * chunk;
                    int b = Math.min(to, a + chunk);
                    Thread th = new Thread(new Share(this, a, b), "stamp-check-" + t);
                    th.setDaemon(true);
                    th.start();
                    started.add(th);
                }
                range(from, Math.min(to, from + chunk));
            } finally {
                for (Thread th : started) {
                    join(th);
                }
            }
            if (differs.get()) {
                return ApplyStamp.DIFFERENT;
            }
            return byContent.get() ? ApplyStamp.SAME_BY_CONTENT : ApplyStamp.SAME;
        }

        /** One thread's share (a class, not a lambda: no method handle is spun for it at run time). */
        private record Share(FileLines files, int from, int to) implements Runnable {
            @Override
            public void run() {
                files.range(from, to);
            }
        }

        private void range(int from, int to) {
            java.util.Map<Path, java.util.Set<String>> listings = new java.util.HashMap<>();
            StringBuilder scratch = new StringBuilder(128);
            try {
                for (int i = from; i < to && !differs.get(); i++) {
                    // KIND \t PATH \t STATUS \t DIGEST, found without splitting the line
                    String line = lines[i];
                    int t1 = line.indexOf('\t');
                    int t2 = t1 < 0 ? -1 : line.indexOf('\t', t1 + 1);
                    int t3 = t2 < 0 ? -1 : line.indexOf('\t', t2 + 1);
                    Kind kind = t3 < 0 || line.indexOf('\t', t3 + 1) >= 0 ? null : kind(line, t1);
                    if (kind == null) {
                        differs.set(true);
                        return;
                    }
                    Path path = Path.of(line.substring(t1 + 1, t2));
                    int same;
                    if (!path.isAbsolute()) {
                        same = ApplyStamp.DIFFERENT;
                    } else if (kind == Kind.PRESENCE && t3 - t2 - 1 == ABSENT.length() && line.startsWith(ABSENT, t2 + 1)
                            && absent(path, listings)) {
                        same = ApplyStamp.SAME;
                    } else {
                        String digest = line.length() == t3 + 2 && line.charAt(t3 + 1) == '-' ? null : line.substring(t3 + 1);
                        same = ApplyStamp.same(new Entry(kind, path, digest), line, t2 + 1, t3, dev, begun, scratch);
                    }
                    if (same == ApplyStamp.DIFFERENT) {
                        differs.set(true);
                        return;
                    }
                    if (same == ApplyStamp.SAME_BY_CONTENT && kind != Kind.CONTENT) {
                        byContent.set(true);
                    }
                }
            } catch (IOException | RuntimeException e) {
                differs.set(true); // unreadable: plan in full
            }
        }

        private static final Kind[] KINDS = Kind.values();

        /** The kind named by {@code line}'s first {@code end} characters, or null. */
        private static Kind kind(String line, int end) {
            for (Kind k : KINDS) {
                if (k.name().length() == end && line.startsWith(k.name())) {
                    return k;
                }
            }
            return null;
        }

        /**
         * True if {@code p}'s name is not in its folder's listing (or the folder does not exist);
         * false when it is listed or the folder cannot be listed (then it is looked at itself).
         */
        private static boolean absent(Path p, java.util.Map<Path, java.util.Set<String>> listings) {
            Path dir = p.getParent();
            Path name = p.getFileName();
            if (dir == null || name == null) {
                return false;
            }
            java.util.Set<String> names = listings.get(dir);
            if (names == null && !listings.containsKey(dir)) {
                names = list(dir);
                listings.put(dir, names); // null too: a folder that cannot be listed is not tried again
            }
            return names != null && !names.contains(name.toString());
        }

        /** The names in {@code dir} (empty if it does not exist), or null when it cannot be listed. */
        private static java.util.Set<String> list(Path dir) {
            java.util.Set<String> names = new java.util.HashSet<>();
            try (java.nio.file.DirectoryStream<Path> s = java.nio.file.Files.newDirectoryStream(dir)) {
                for (Path q : s) {
                    names.add(q.getFileName().toString());
                }
                return names;
            } catch (java.nio.file.NoSuchFileException e) {
                return names;
            } catch (IOException | RuntimeException e) {
                return null;
            }
        }
    }
}
