package org.javapxeboot.tftp;

import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.Objects;
import java.util.function.Consumer;
import org.javapxeboot.net.UdpOffload;

/**
 * TFTP read transfers (client side): RFC 1350, with RFC 2347 option negotiation of {@code blksize}
 * (RFC 2348), {@code tsize} and {@code timeout} (RFC 2349) and {@code windowsize} (RFC 7440).
 *
 * <p>One instance may run transfers from several threads; each call uses its own socket. The protocol
 * is in {@link ReadSession} (request, OACK, fallback) and {@link Receiver} (the data phase), pure state
 * machines; {@link TransferLoop} is the socket around them. See docs/tftpclient.md for the behaviour under loss and the measurements behind the defaults.
 */
public final class TftpClient {
    public static final int DEFAULT_PORT = 69;
    /**
     * Blocks per window when none is configured. Measured (BENCHMARKS.md, 1468-byte blocks, median of 9):
     * over a veth pair against atftpd 64 -> 267 ms and 256 -> 244 ms for the 40 MB initrd; through an
     * emulated 1 ms RTT a window is RTT-bound, 64 -> 838 ms, 128 -> 490 ms, 256 -> 396 ms; under 1 % loss
     * (blocks beyond a gap kept) 64 -> 4.61 s, 256 -> 3.53 s (atftpd), 0.50 s -> 0.67 s (pxe-mock). 256 blocks are 375 KB in flight;
     * the receive buffer is sized for them, and the window shrunk to what the buffer holds when
     * net.core.rmem_max is lower (Debian's default 208 KiB holds about 85).
     */
    public static final int DEFAULT_WINDOWSIZE = 256;
    /**
     * Microseconds to keep polling an empty socket before sleeping in select(), on machines with more
     * than one CPU (0 on one). A LAN answers within tens of microseconds, and waking a sleeping thread
     * costs about as much again, on the sender's side too: polling made lock-step dnsmasq 2.3x faster
     * (1711 -> 736 ms for 40 MB) and windowed atftpd 8 % faster, for one busy core during a transfer.
     */
    public static final int DEFAULT_SPIN_MICROS = Runtime.getRuntime().availableProcessors() > 1 ? 100 : 0;
    public static final int MAX_SPIN_MICROS = 10_000;
    /** Seconds asked of the server for its retransmission timer, and our longest wait between retransmissions. */
    public static final int DEFAULT_TIMEOUT_SECONDS = 1;
    public static final int DEFAULT_MAX_RETRIES = 5;
    /** A receive buffer for UDP_GRO: the largest coalesced datagram is one IP packet, 64 KiB. */
    static final int GRO_BUFFER = 65536;
    public static final Duration DEFAULT_TOTAL_TIMEOUT = Duration.ofMinutes(10);

    /** Kernel accounting per datagram beyond its payload (sk_buff, shared info, allocation rounding). */
    static final int SKB_OVERHEAD = 1024;

    /** Progress of a running transfer; called from the transferring thread, about every window. */
    @FunctionalInterface
    public interface Progress {
        /** @param expectedBytes the server's {@code tsize}, or -1 when unknown */
        void update(long bytes, long expectedBytes);
    }

    /**
     * How transfers are negotiated and timed. Use {@link #defaults()} and the withers.
     *
     * @param blksize            block size to ask for, 8..65464; 0 = fit to the MTU of the interface that routes to the server
     * @param windowsize         blocks per window to ask for (RFC 7440), 1..65535; 1 = lock-step, option not sent
     * @param timeoutSeconds     the {@code timeout} option asked of the server (1..255), and our longest wait between retransmissions
     * @param maxRetries         retransmissions at the full timeout without any progress before giving up
     * @param totalTimeout       hard bound on one transfer, negotiation included
     * @param requestTsize       ask for {@code tsize} (the file size: progress, and the size cap before any data)
     * @param receiveBufferBytes socket receive buffer; 0 = enough for one window (blksize * windowsize) with kernel overhead
     * @param localAddress       address to send from, or null for the kernel's choice
     * @param log                negotiation events (fallbacks, refused options), or null
     * @param negotiate          send RFC 2347 options at all; false = plain RFC 1350 (512-byte lock-step)
     * @param offload            receive windows through UDP_GRO when {@link UdpOffload} is available (several blocks per system call)
     * @param spinMicros         how long to poll the socket before sleeping when it is empty, 0..10000 µs; 0 = always sleep
     */
    public record Settings(int blksize, int windowsize, int timeoutSeconds, int maxRetries, Duration totalTimeout,
                           boolean requestTsize, int receiveBufferBytes, InetAddress localAddress,
                           Consumer<String> log, boolean negotiate, boolean offload, int spinMicros) {
        public Settings {
            if (blksize != 0 && (blksize < TftpOptions.MIN_BLKSIZE || blksize > TftpOptions.MAX_BLKSIZE)) {
                throw new IllegalArgumentException("blksize " + blksize + " is outside " + TftpOptions.MIN_BLKSIZE
                    + ".." + TftpOptions.MAX_BLKSIZE + " (RFC 2348), or 0 for automatic");
            }
            if (windowsize < TftpOptions.MIN_WINDOWSIZE || windowsize > TftpOptions.MAX_WINDOWSIZE) {
                throw new IllegalArgumentException("windowsize " + windowsize + " is outside 1..65535 (RFC 7440)");
            }
            if (timeoutSeconds < TftpOptions.MIN_TIMEOUT || timeoutSeconds > TftpOptions.MAX_TIMEOUT) {
                throw new IllegalArgumentException("timeout " + timeoutSeconds + " s is outside 1..255 (RFC 2349)");
            }
            if (maxRetries < 0) throw new IllegalArgumentException("maxRetries " + maxRetries + " is negative");
            Objects.requireNonNull(totalTimeout, "totalTimeout");
            if (totalTimeout.isNegative() || totalTimeout.isZero()) {
                throw new IllegalArgumentException("totalTimeout " + totalTimeout + " is not positive");
            }
            if (receiveBufferBytes < 0) throw new IllegalArgumentException("receiveBufferBytes " + receiveBufferBytes + " is negative");
            if (spinMicros < 0 || spinMicros > MAX_SPIN_MICROS) {
                throw new IllegalArgumentException("spin " + spinMicros + " microseconds is outside 0.." + MAX_SPIN_MICROS);
            }
        }

        /** The settings the orchestrator's contract names, with option negotiation on. */
        public Settings(int blksize, int windowsize, int timeoutSeconds, int maxRetries, Duration totalTimeout,
                        boolean requestTsize, int receiveBufferBytes, InetAddress localAddress, Consumer<String> log) {
            this(blksize, windowsize, timeoutSeconds, maxRetries, totalTimeout, requestTsize, receiveBufferBytes,
                localAddress, log, true, true, DEFAULT_SPIN_MICROS);
        }

        public static Settings defaults() {
            return new Settings(0, DEFAULT_WINDOWSIZE, DEFAULT_TIMEOUT_SECONDS, DEFAULT_MAX_RETRIES,
                DEFAULT_TOTAL_TIMEOUT, true, 0, null, null, true, true, DEFAULT_SPIN_MICROS);
        }

        public Settings withBlksize(int v) { return new Settings(v, windowsize, timeoutSeconds, maxRetries, totalTimeout, requestTsize, receiveBufferBytes, localAddress, log, negotiate, offload, spinMicros); }
        public Settings withWindowsize(int v) { return new Settings(blksize, v, timeoutSeconds, maxRetries, totalTimeout, requestTsize, receiveBufferBytes, localAddress, log, negotiate, offload, spinMicros); }
        public Settings withTimeoutSeconds(int v) { return new Settings(blksize, windowsize, v, maxRetries, totalTimeout, requestTsize, receiveBufferBytes, localAddress, log, negotiate, offload, spinMicros); }
        public Settings withMaxRetries(int v) { return new Settings(blksize, windowsize, timeoutSeconds, v, totalTimeout, requestTsize, receiveBufferBytes, localAddress, log, negotiate, offload, spinMicros); }
        public Settings withTotalTimeout(Duration v) { return new Settings(blksize, windowsize, timeoutSeconds, maxRetries, v, requestTsize, receiveBufferBytes, localAddress, log, negotiate, offload, spinMicros); }
        public Settings withRequestTsize(boolean v) { return new Settings(blksize, windowsize, timeoutSeconds, maxRetries, totalTimeout, v, receiveBufferBytes, localAddress, log, negotiate, offload, spinMicros); }
        public Settings withReceiveBufferBytes(int v) { return new Settings(blksize, windowsize, timeoutSeconds, maxRetries, totalTimeout, requestTsize, v, localAddress, log, negotiate, offload, spinMicros); }
        public Settings withLocalAddress(InetAddress v) { return new Settings(blksize, windowsize, timeoutSeconds, maxRetries, totalTimeout, requestTsize, receiveBufferBytes, v, log, negotiate, offload, spinMicros); }
        public Settings withLog(Consumer<String> v) { return new Settings(blksize, windowsize, timeoutSeconds, maxRetries, totalTimeout, requestTsize, receiveBufferBytes, localAddress, v, negotiate, offload, spinMicros); }
        public Settings withOffload(boolean v) { return new Settings(blksize, windowsize, timeoutSeconds, maxRetries, totalTimeout, requestTsize, receiveBufferBytes, localAddress, log, negotiate, v, spinMicros); }
        public Settings withSpinMicros(int v) { return new Settings(blksize, windowsize, timeoutSeconds, maxRetries, totalTimeout, requestTsize, receiveBufferBytes, localAddress, log, negotiate, offload, v); }
        public Settings withNegotiate(boolean v) { return new Settings(blksize, windowsize, timeoutSeconds, maxRetries, totalTimeout, requestTsize, receiveBufferBytes, localAddress, log, v, offload, spinMicros); }
    }

    /** Where a transfer reads the time: the socket loop's only clock (the state machines are handed the time). */
    @FunctionalInterface
    public interface Clock {
        long nanoTime();

        Clock SYSTEM = System::nanoTime;
    }

    private final Settings settings;
    private final Clock clock;

    public TftpClient(Settings s) {
        this(s, Clock.SYSTEM);
    }

    public TftpClient(Settings s, Clock clock) {
        this.settings = Objects.requireNonNull(s, "settings");
        this.clock = Objects.requireNonNull(clock, "clock");
    }

    public Settings settings() { return settings; }

    /** Fetches {@code path} into {@code out} (not closed; flushed). {@code maxBytes} caps the file size. */
    public TransferResult fetch(InetSocketAddress server, String path, OutputStream out, long maxBytes) throws TftpException {
        return fetch(server, path, out, maxBytes, null);
    }

    public TransferResult fetch(InetSocketAddress server, String path, OutputStream out, long maxBytes, Progress progress)
            throws TftpException {
        Objects.requireNonNull(server, "server");
        Objects.requireNonNull(path, "path");
        Objects.requireNonNull(out, "out");
        String url = url(server, path);
        if (path.indexOf('\0') >= 0) throw new TftpException(url + ": the path contains a NUL byte");
        if (server.isUnresolved()) throw new TftpException(url + ": cannot resolve host " + server.getHostString());
        if (maxBytes < 0) maxBytes = Long.MAX_VALUE;
        long start = clock.nanoTime();
        long deadline = start + Math.min(settings.totalTimeout().toNanos(), Long.MAX_VALUE / 4);
        // Fallback ladder: all options; then without windowsize (old servers that know RFC 2347/2348/2349
        // but refuse 7440); then none at all (RFC 1350). Each rung starts from a fresh socket (new TID).
        ReadSession.Rung rung = !settings.negotiate() ? ReadSession.Rung.PLAIN
            : settings.windowsize() > 1 ? ReadSession.Rung.ALL : ReadSession.Rung.NO_WINDOW;
        while (true) {
            TransferLoop t = new TransferLoop(settings, clock, server, path, url, out, maxBytes, progress, rung, start, deadline);
            try {
                return t.run();
            } catch (ReadSession.Fallback f) {
                log(url + ": " + f.getMessage() + "; retrying " + (f.next() == ReadSession.Rung.PLAIN ? "without options (RFC 1350)" : "without windowsize"));
                rung = f.next();
            }
        }
    }

    /**
     * Fetches into {@code target} through a temporary file in the same directory that is renamed into
     * place only on success, so a failed fetch leaves nothing behind.
     */
    public TransferResult fetch(InetSocketAddress server, String path, Path target, long maxBytes) throws TftpException {
        return fetch(server, path, target, maxBytes, null);
    }

    public TransferResult fetch(InetSocketAddress server, String path, Path target, long maxBytes, Progress progress)
            throws TftpException {
        Path dir = target.toAbsolutePath().getParent();
        Path tmp = null;
        try {
            tmp = createPartFile(dir, target.getFileName().toString());
            TransferResult r;
            try (OutputStream os = Files.newOutputStream(tmp)) {
                r = fetch(server, path, os, maxBytes, progress);
            }
            Files.move(tmp, target, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
            tmp = null;
            return r;
        } catch (TftpException e) {
            throw e;
        } catch (IOException e) {
            throw new TftpException(url(server, path) + ": cannot write " + target + ": " + e.getMessage(), e);
        } finally {
            if (tmp != null) {
                try { Files.deleteIfExists(tmp); } catch (IOException ignored) { /* best effort: already failing */ }
            }
        }
    }

    /**
     * {@code .NAME.XXXXXXXX.part} beside the target, created with O_EXCL (CREATE_NEW) and mode 0600, so
     * that a planted file or symlink is never written through. Not Files.createTempFile: its
     * SecureRandom costs tens of milliseconds at start-up, and O_EXCL is what makes the name safe.
     */
    static Path createPartFile(Path dir, String name) throws IOException {
        for (int i = 0; ; i++) {
            String rnd = Long.toHexString(java.util.concurrent.ThreadLocalRandom.current().nextLong() >>> 32 | 1L << 32).substring(1);
            Path p = dir.resolve("." + name + "." + rnd + ".part");
            try {
                return Files.createFile(p, java.nio.file.attribute.PosixFilePermissions.asFileAttribute(
                    java.nio.file.attribute.PosixFilePermissions.fromString("rw-------")));
            } catch (java.nio.file.FileAlreadyExistsException e) {
                if (i >= 100) throw e;
            } catch (UnsupportedOperationException e) {
                return Files.createFile(p); // not a POSIX file system
            }
        }
    }

    /** How many blocks of {@code blksize} a receive buffer of {@code bufferBytes} holds, with kernel overhead. */
    static int windowThatFits(long bufferBytes, int blksize) {
        return (int) Math.max(1, Math.min(TftpOptions.MAX_WINDOWSIZE, bufferBytes / (blksize + 4 + SKB_OVERHEAD)));
    }

    /** {@code tftp://host[:port]/path} as people write it (port only when not 69). */
    public static String url(InetSocketAddress server, String path) {
        // The address, not a name: "localhost" or a reverse-resolved name would hide which server answered.
        String host = server.getAddress() != null ? server.getAddress().getHostAddress() : server.getHostString();
        if (host.indexOf(':') >= 0) host = "[" + host + "]";
        String port = server.getPort() == DEFAULT_PORT ? "" : ":" + server.getPort();
        return "tftp://" + host + port + (path.startsWith("/") ? "" : "/") + path;
    }

    void log(String msg) {
        Consumer<String> l = settings.log();
        if (l != null) l.accept(msg);
    }

}
