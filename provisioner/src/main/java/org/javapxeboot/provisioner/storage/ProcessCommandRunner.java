package org.javapxeboot.provisioner.storage;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
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
 */
public final class ProcessCommandRunner implements CommandRunner {
    /** How long the LVM scripts may take by default ({@code --lvm-timeout}). */
    public static final Duration DEFAULT_TIMEOUT = Duration.ofMinutes(10);
    /** After a kill, how long to wait for the processes to be gone and the pipes to close. */
    private static final long REAP_SECONDS = 10;

    private final Duration timeout;

    public ProcessCommandRunner(Duration timeout) {
        if (timeout == null || timeout.isNegative() || timeout.isZero()) {
            throw new IllegalArgumentException("timeout must be positive, got " + timeout);
        }
        this.timeout = timeout;
    }

    public ProcessCommandRunner() {
        this(DEFAULT_TIMEOUT);
    }

    public Duration timeout() {
        return timeout;
    }

    @Override
    public Result run(List<String> argv, Map<String, String> env) throws StorageException {
        ProcessBuilder pb = new ProcessBuilder(argv);
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
            if (!p.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                boolean gone = kill(p);
                throw new StorageException(argv.get(0) + " did not finish within " + describe(timeout) + "; killed"
                        + (gone ? "" : " (some of its processes did not exit)") + lastLine(err));
            }
            // the script is done; its pipes close once every process holding them is gone
            outDrain.join(TimeUnit.SECONDS.toMillis(REAP_SECONDS));
            errDrain.join(TimeUnit.SECONDS.toMillis(REAP_SECONDS));
            return new Result(p.exitValue(), text(out), text(err));
        } catch (IOException e) {
            kill(p);
            throw new StorageException("cannot talk to " + argv.get(0) + ": " + e.getMessage(), e);
        } catch (InterruptedException e) {
            kill(p);
            Thread.currentThread().interrupt();
            throw new StorageException(argv.get(0) + " interrupted; killed", e);
        }
    }

    /** SIGKILLs the descendants (collected while they are still ours), then the process; waits for them. */
    private static boolean kill(Process p) {
        List<ProcessHandle> all = p.descendants().toList();
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
