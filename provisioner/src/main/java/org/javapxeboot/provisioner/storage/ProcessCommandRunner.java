package org.javapxeboot.provisioner.storage;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * {@link CommandRunner} over {@link ProcessBuilder}, with a timeout after which the command and
 * every process it started are killed.
 *
 * <p>Both output streams are read on their own threads while this one waits for the exit with the
 * deadline: reading stdout to its end first (as this class once did) waits for as long as anything
 * holds the pipe open, so a script stuck in {@code lvcreate} (or a {@code sleep}) was never timed
 * out. The descendants are killed too, and first: a child of the script keeps the pipes open after
 * the script itself is gone.
 *
 * <p>The script runs in a session and process group of its own ({@code setsid} from util-linux),
 * and at the deadline the whole group is killed: a child that double-forked (and so is no longer
 * a descendant) is still in the group. Only a process that starts a session of its own escapes.
 * The error names the script's last line of stderr, read to its end after the kill.
 */
public final class ProcessCommandRunner implements CommandRunner {
    /** How long the LVM scripts may take by default ({@code --lvm-timeout}). */
    public static final Duration DEFAULT_TIMEOUT = Duration.ofMinutes(10);
    /** After a kill, how long to wait for the processes to be gone and the pipes to close. */
    private static final long REAP_SECONDS = 10;

    /** Where setsid and kill are taken from: root-owned system folders, never PATH. */
    private static final List<Path> SETSID = List.of(Path.of("/usr/bin/setsid"), Path.of("/bin/setsid"));
    private static final List<Path> KILL = List.of(Path.of("/usr/bin/kill"), Path.of("/bin/kill"));

    /** Waits for the process to exit within the timeout; false at the deadline. Tests decide it themselves. */
    @FunctionalInterface
    public interface Deadline {
        boolean waitFor(Process p, Duration timeout) throws InterruptedException;

        /** Process.waitFor. A class, not a lambda: a no-op re-apply makes a runner and links no lambda. */
        Deadline REAL = new Deadline() {
            @Override
            public boolean waitFor(Process p, Duration t) throws InterruptedException {
                return p.waitFor(t.toMillis(), TimeUnit.MILLISECONDS);
            }
        };
    }

    private final Duration timeout;
    private final Deadline deadline;

    public ProcessCommandRunner(Duration timeout) {
        this(timeout, Deadline.REAL);
    }

    public ProcessCommandRunner(Duration timeout, Deadline deadline) {
        if (timeout == null || timeout.isNegative() || timeout.isZero()) {
            throw new IllegalArgumentException("timeout must be positive, got " + timeout);
        }
        this.timeout = timeout;
        this.deadline = deadline;
    }

    public ProcessCommandRunner() {
        this(DEFAULT_TIMEOUT);
    }

    public Duration timeout() {
        return timeout;
    }

    @Override
    public Result run(List<String> argv, Map<String, String> env) throws StorageException {
        Path setsid = first(SETSID);
        List<String> command = new java.util.ArrayList<>();
        if (setsid != null) {
            // not a group leader when started from here: setsid execs the script in place (same pid),
            // which becomes the leader of its own session and process group
            command.add(setsid.toString());
        }
        command.addAll(argv);
        ProcessBuilder pb = new ProcessBuilder(command);
        pb.environment().putAll(env);
        Process p;
        try {
            p = pb.start();
        } catch (IOException e) {
            throw new StorageException("cannot run " + argv.get(0) + ": " + e.getMessage(), e);
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        Thread outDrain = drain(p.getInputStream(), out, "stdout-" + argv.get(0));
        Thread errDrain = drain(p.getErrorStream(), err, "stderr-" + argv.get(0));
        try {
            p.getOutputStream().close();
            if (!deadline.waitFor(p, timeout)) {
                boolean gone = kill(p, setsid != null);
                // every process of the group is gone: the pipes are closed, stderr is read to its end
                outDrain.join(TimeUnit.SECONDS.toMillis(REAP_SECONDS));
                errDrain.join(TimeUnit.SECONDS.toMillis(REAP_SECONDS));
                throw new StorageException(argv.get(0) + " did not finish within " + describe(timeout) + "; killed"
                        + (gone ? "" : " (some of its processes did not exit)") + lastLine(err));
            }
            // the script is done; its pipes close once every process holding them is gone
            outDrain.join(TimeUnit.SECONDS.toMillis(REAP_SECONDS));
            errDrain.join(TimeUnit.SECONDS.toMillis(REAP_SECONDS));
            return new Result(p.exitValue(), text(out), text(err));
        } catch (IOException e) {
            kill(p, setsid != null);
            throw new StorageException("cannot talk to " + argv.get(0) + ": " + e.getMessage(), e);
        } catch (InterruptedException e) {
            kill(p, setsid != null);
            Thread.currentThread().interrupt();
            throw new StorageException(argv.get(0) + " interrupted; killed", e);
        }
    }

    private static Path first(List<Path> candidates) {
        for (Path c : candidates) {
            if (Files.isExecutable(c)) {
                return c;
            }
        }
        return null;
    }

    /**
     * SIGKILLs the script's process group (when it has one of its own), the descendants
     * (collected while they are still ours), then the process; waits for them.
     */
    private static boolean kill(Process p, boolean ownGroup) {
        List<ProcessHandle> all = p.descendants().toList();
        Path kill = first(KILL);
        if (ownGroup && kill != null) {
            try {
                Process k = new ProcessBuilder(kill.toString(), "-KILL", "--", "-" + p.pid())
                        .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
                k.waitFor(REAP_SECONDS, TimeUnit.SECONDS);
            } catch (IOException e) {
                // the descendants and the process are killed below all the same
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        all.forEach(ProcessHandle::destroyForcibly);
        p.destroyForcibly();
        boolean gone = true;
        try {
            gone = p.waitFor(REAP_SECONDS, TimeUnit.SECONDS);
            for (ProcessHandle h : all) {
                try {
                    h.onExit().get(REAP_SECONDS, TimeUnit.SECONDS);
                } catch (java.util.concurrent.ExecutionException | java.util.concurrent.TimeoutException e) {
                    gone = false;
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
        return gone;
    }

    private static Thread drain(InputStream in, ByteArrayOutputStream to, String name) {
        Thread t = new Thread(() -> {
            byte[] buf = new byte[8192];
            try (in) {
                int n;
                while ((n = in.read(buf)) > 0) {
                    synchronized (to) {
                        to.write(buf, 0, n);
                    }
                }
            } catch (IOException ignored) {
                // the process died; its exit status tells the rest
            }
        }, name);
        t.setDaemon(true);
        t.start();
        return t;
    }

    private static String text(ByteArrayOutputStream b) {
        synchronized (b) {
            return b.toString(StandardCharsets.UTF_8);
        }
    }

    private static String lastLine(ByteArrayOutputStream err) {
        String s = text(err).strip();
        if (s.isEmpty()) {
            return "";
        }
        return " [" + s.substring(s.lastIndexOf('\n') + 1).strip() + "]";
    }

    private static String describe(Duration d) {
        return d.toMillis() % 1000 == 0 ? d.toSeconds() + " s" : d.toMillis() + " ms";
    }
}
