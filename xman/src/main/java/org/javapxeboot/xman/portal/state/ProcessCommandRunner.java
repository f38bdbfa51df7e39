package org.javapxeboot.xman.portal.state;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.FutureTask;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * Runs a command as a child process: no shell, stdin closed, stdout read up to a bound, stderr
 * kept (its first 4 KiB) for the error message, the whole run under a deadline after which the
 * process is killed. A hung {@code pbsnodes} (a batch server that does not answer) costs one
 * deadline, not a stuck poller.
 */
public final class ProcessCommandRunner implements CommandRunner {
    private static final int STDERR_KEPT = 4096;

    @Override
    public String run(List<String> argv, Duration deadline, int maxBytes) throws JobSourceException {
        String what = String.join(" ", argv);
        Process p;
        try {
            p = new ProcessBuilder(argv).start();
        } catch (IOException e) {
            throw new JobSourceException(what + ": cannot run: " + Text.shown(e.getMessage()));
        }
        try {
            p.getOutputStream().close();
            FutureTask<byte[]> out = reader(p.getInputStream(), maxBytes + 1L, false, what + " stdout");
            FutureTask<byte[]> err = reader(p.getErrorStream(), STDERR_KEPT, true, what + " stderr");
            long end = System.nanoTime() + deadline.toNanos();
            byte[] o = out.get(Math.max(0, end - System.nanoTime()), TimeUnit.NANOSECONDS);
            if (o.length > maxBytes) {
                throw new JobSourceException(what + ": output is over " + maxBytes + " bytes; refused");
            }
            if (!p.waitFor(Math.max(0, end - System.nanoTime()), TimeUnit.NANOSECONDS)) {
                throw timeout(what, deadline);
            }
            if (p.exitValue() != 0) {
                String e = new String(err.get(Math.max(0, end - System.nanoTime()), TimeUnit.NANOSECONDS),
                        StandardCharsets.UTF_8).strip();
                throw new JobSourceException(what + ": exited with status " + p.exitValue()
                        + (e.isEmpty() ? "" : ": " + Text.shown(e.lines().findFirst().orElse(""))));
            }
            return new String(o, StandardCharsets.UTF_8);
        } catch (TimeoutException e) {
            throw timeout(what, deadline);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new JobSourceException(what + ": interrupted");
        } catch (ExecutionException | IOException e) {
            throw new JobSourceException(what + ": cannot read its output: " + Text.shown(String.valueOf(e.getMessage())));
        } finally {
            p.destroyForcibly();
        }
    }

    private static JobSourceException timeout(String what, Duration deadline) {
        return new JobSourceException(what + ": did not finish within " + deadline.toMillis() + " ms; killed");
    }

    /** Reads up to {@code limit} bytes on a daemon thread; with {@code drain}, discards the rest so the child never blocks on a full pipe. */
    private static FutureTask<byte[]> reader(InputStream in, long limit, boolean drain, String name) {
        FutureTask<byte[]> t = new FutureTask<>(() -> {
            ByteArrayOutputStream b = new ByteArrayOutputStream();
            byte[] buf = new byte[8192];
            int n;
            while ((n = in.read(buf)) >= 0) {
                int keep = (int) Math.min(n, limit - b.size());
                b.write(buf, 0, keep);
                if (b.size() >= limit && !drain) {
                    break;
                }
            }
            return b.toByteArray();
        });
        Thread th = new Thread(t, name);
        th.setDaemon(true);
        th.start();
        return t;
    }
}
