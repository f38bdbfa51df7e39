package org.javapxeboot.it;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** Runs a program to completion with a deadline and keeps what it printed. */
public record Proc(int exit, String stdout, String stderr, Duration elapsed) {

    public static Path projectRoot() {
        String root = System.getProperty("project.root");
        return (root != null ? Path.of(root) : Path.of("..")).toAbsolutePath().normalize();
    }

    public static Path launcher(String name) {
        return projectRoot().resolve("bin").resolve(name);
    }

    /**
     * Why the packaged launchers cannot run, or null. Under `mvn verify` failsafe runs these tests after the
     * tests module is packaged, so both jars exist; only a run from an IDE on a clean tree can miss them.
     */
    public static String launchersMissing() {
        for (String jar : List.of("javapxeboot/target/javapxeboot.jar", "tests/target/pxe-mock.jar")) {
            Path p = projectRoot().resolve(jar);
            if (!Files.isRegularFile(p)) return p + " is missing: run the tests with `mvn verify` so the jars are packaged first";
        }
        return null;
    }

    /** The first non-null reason, prefixed with "skipped: ", or null when every check passed. */
    public static String firstReason(String... reasons) {
        for (String r : reasons) if (r != null) return "skipped: " + r;
        return null;
    }

    /** Runs {@code cmd} (30 s at most) and fails with its stderr unless it exits 0. */
    public static void check(String... cmd) throws IOException, InterruptedException {
        Proc p = run(List.of(cmd), Duration.ofSeconds(30));
        if (p.exit() != 0) throw new IOException(String.join(" ", cmd) + " failed: " + p.stderr());
    }

    /** Whether {@code tool} is an executable on PATH (or in /usr/sbin, /sbin). */
    public static boolean onPath(String tool) {
        for (String d : (System.getenv().getOrDefault("PATH", "/usr/bin:/bin") + ":/usr/sbin:/sbin").split(":")) {
            if (Files.isExecutable(Path.of(d.isEmpty() ? "." : d, tool))) return true;
        }
        return false;
    }

    /** Deletes a folder and everything in it (links are removed, never followed); nothing if it is absent. */
    public static void deleteTree(Path p) throws IOException {
        if (!Files.exists(p, java.nio.file.LinkOption.NOFOLLOW_LINKS)) return;
        List<Path> all;
        try (java.util.stream.Stream<Path> s = Files.walk(p)) {
            all = s.toList();
        }
        for (int i = all.size() - 1; i >= 0; i--) Files.deleteIfExists(all.get(i));
    }

    /** The last {@code lines} lines of {@code s}. */
    public static String tail(String s, int lines) {
        String[] l = s.split("\n");
        return String.join("\n", List.of(l).subList(Math.max(0, l.length - lines), l.length));
    }

    public static Proc run(List<String> cmd, Duration timeout) throws IOException, InterruptedException {
        long t0 = System.nanoTime();
        Process p = new ProcessBuilder(cmd).start();
        p.getOutputStream().close();
        StreamGrabber out = new StreamGrabber(p.getInputStream());
        StreamGrabber err = new StreamGrabber(p.getErrorStream());
        if (!p.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
            p.descendants().forEach(ProcessHandle::destroyForcibly);
            p.destroyForcibly();
            p.waitFor(10, TimeUnit.SECONDS);
            throw new IOException(String.join(" ", cmd) + ": still running after " + timeout + "; stderr: " + err.text());
        }
        out.join();
        err.join();
        return new Proc(p.exitValue(), out.text(), err.text(), Duration.ofNanos(System.nanoTime() - t0));
    }

    /** Drains a stream on a thread so a chatty child never blocks on a full pipe. */
    static final class StreamGrabber extends Thread {
        private final InputStream in;
        private final java.io.ByteArrayOutputStream buf = new java.io.ByteArrayOutputStream();

        StreamGrabber(InputStream in) {
            this.in = in;
            setDaemon(true);
            start();
        }

        @Override public void run() {
            try {
                in.transferTo(buf);
            } catch (IOException ignored) {
                // the process went away
            }
        }

        synchronized String text() {
            return buf.toString(StandardCharsets.UTF_8);
        }

        @Override public String toString() { return text(); }
    }
}
