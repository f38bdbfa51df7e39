package org.javapxeboot.provisioner.host;

import java.io.ByteArrayOutputStream;
import java.io.FileInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Reads a guest's serial console from the host side of the pty libvirt made for
 * {@code <console type='pty'>}, as {@code virsh console} would show it, without virsh.
 *
 * <p>qemu drops what the guest writes while nobody holds the pty open, so this is opened right
 * after the start (the kernel prints its first line seconds later under TCG). The line discipline is
 * set raw and without echo first: an echoing pty would send every console line back to the guest
 * as typed input.
 */
final class PtyConsole implements AutoCloseable {
    private static final Pattern PTY = Pattern.compile("<console type='pty'[^>]*>\\s*<source path='(/dev/pts/\\d+)'/>");

    private final ByteArrayOutputStream seen = new ByteArrayOutputStream();
    private final Thread reader;
    private volatile InputStream in;
    private volatile boolean ended;

    private PtyConsole(Path pty) {
        reader = new Thread(() -> {
            byte[] buf = new byte[4096];
            try (InputStream s = new FileInputStream(pty.toFile())) {
                in = s;
                int n;
                while ((n = s.read(buf)) > 0) {
                    synchronized (seen) {
                        seen.write(buf, 0, n);
                        seen.notifyAll();
                    }
                }
            } catch (IOException e) {
                // EIO once qemu closes its side (the domain was destroyed): the console ended
            } finally {
                synchronized (seen) {
                    ended = true;
                    seen.notifyAll();
                }
            }
        }, "console-" + pty.getFileName());
        reader.setDaemon(true);
    }

    /** The pty of a running domain's console, from its live XML ({@code virDomainGetXMLDesc}). */
    static Path ptyOf(String liveXml) {
        Matcher m = PTY.matcher(liveXml);
        if (!m.find()) {
            throw new IllegalStateException("no console pty in the live domain XML:\n" + liveXml);
        }
        return Path.of(m.group(1));
    }

    static PtyConsole open(Path pty) throws IOException, InterruptedException {
        Process stty = new ProcessBuilder("stty", "-F", pty.toString(), "raw", "-echo")
                .redirectErrorStream(true).start();
        if (!stty.waitFor(10, TimeUnit.SECONDS)) {
            stty.destroyForcibly();
            throw new IOException("stty -F " + pty + " did not finish");
        }
        if (stty.exitValue() != 0) {
            throw new IOException("stty -F " + pty + ": " + new String(stty.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim());
        }
        PtyConsole c = new PtyConsole(pty);
        c.reader.start();
        return c;
    }

    /** Everything read so far (the console's bytes as ISO-8859-1, so no byte is lost or merged). */
    String text() {
        synchronized (seen) {
            return seen.toString(StandardCharsets.ISO_8859_1);
        }
    }

    int size() {
        synchronized (seen) {
            return seen.size();
        }
    }

    /** Waits until {@code marker} was read; false when the timeout passes or the console ends first. */
    boolean await(String marker, Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        synchronized (seen) {
            while (!seen.toString(StandardCharsets.ISO_8859_1).contains(marker)) {
                long left = deadline - System.nanoTime();
                if (ended || left <= 0) {
                    return false;
                }
                TimeUnit.NANOSECONDS.timedWait(seen, Math.min(left, TimeUnit.MILLISECONDS.toNanos(200)));
            }
            return true;
        }
    }

    /** Returns at once; the reader thread (a daemon) ends when qemu closes the pty. */
    @Override
    public void close() {
        InputStream s = in;
        if (s != null) {
            try {
                s.close();
            } catch (IOException e) {
                // closing a tty we only read from
            }
        }
    }
}
