package org.javapxeboot.tftp;

import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedByInterruptException;
import java.nio.channels.DatagramChannel;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.function.Consumer;
import org.javapxeboot.net.UdpOffload;

/**
 * TFTP read transfers (client side): RFC 1350, with RFC 2347 option negotiation of {@code blksize}
 * (RFC 2348), {@code tsize} and {@code timeout} (RFC 2349) and {@code windowsize} (RFC 7440).
 *
 * <p>One instance may run transfers from several threads; each call uses its own socket. See
 * docs/tftpclient.md for the behaviour under loss and the measurements behind the defaults.
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

    /** Our quickest retransmission timer: below it a loaded server or scheduler looks like loss. */
    static final long MIN_RTO_NANOS = 10_000_000L;
    /** First wait for an answer to the request: RFC 6298's spirit (no RTT known yet), shortened for LANs. */
    static final long INITIAL_RTO_NANOS = 500_000_000L;
    /** Shortest wait after a gap for a reordered block to arrive before we re-ACK (socket timeouts are in ms). */
    static final long MIN_GAP_NANOS = 1_000_000L;
    /** The most bytes kept from beyond a gap (at most one window of blocks, and at most this). */
    static final long MAX_HELD_BYTES = 16L << 20;
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

    private final Settings settings;

    public TftpClient(Settings s) {
        this.settings = Objects.requireNonNull(s, "settings");
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
        long start = System.nanoTime();
        long deadline = start + Math.min(settings.totalTimeout().toNanos(), Long.MAX_VALUE / 4);
        // Fallback ladder: all options; then without windowsize (old servers that know RFC 2347/2348/2349
        // but refuse 7440); then none at all (RFC 1350). Each rung starts from a fresh socket (new TID).
        Rung rung = !settings.negotiate() ? Rung.PLAIN : settings.windowsize() > 1 ? Rung.ALL : Rung.NO_WINDOW;
        while (true) {
            Transfer t = new Transfer(server, path, url, out, maxBytes, progress, rung, start, deadline);
            try {
                return t.run();
            } catch (Fallback f) {
                log(url + ": " + f.getMessage() + "; retrying " + (f.next == Rung.PLAIN ? "without options (RFC 1350)" : "without windowsize"));
                rung = f.next;
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

    private void log(String msg) {
        Consumer<String> l = settings.log();
        if (l != null) l.accept(msg);
    }

    private enum Rung { ALL, NO_WINDOW, PLAIN }

    /** Thrown inside a transfer when the server refused our options: try the next rung of the ladder. */
    private static final class Fallback extends Exception {
        private static final long serialVersionUID = 1L;
        final transient Rung next;

        Fallback(String why, Rung next) {
            super(why, null, false, false);
            this.next = next;
        }
    }

    /** One attempt: one socket, one RRQ, one server TID. Not thread-safe; lives for one call. */
    private final class Transfer {
        private final InetSocketAddress server;
        private final String path, url;
        private final OutputStream rawOut;
        private final long maxBytes, start, deadline;
        private final Progress progress;
        private final Rung rung;

        // A non-blocking channel and a selector: DatagramSocket's timed receive toggles the descriptor's
        // blocking mode around every call (four fcntl per packet in JDK 17), which halves lock-step speed.
        private DatagramChannel ch;
        private Selector sel;
        private byte[] rbuf;
        private ByteBuffer rbb;
        private InetSocketAddress from;
        private int rlen;
        /** With UDP_GRO: the size of each datagram coalesced in rbuf (the last may be shorter), else 0. */
        private int rseg;
        /** Where the datagram being handled starts in rbuf (not 0 inside a coalesced buffer). */
        private int roff;
        /** The socket's descriptor when UDP_GRO is on and receives go through {@link UdpOffload#receive}, else -1. */
        private int groFd = -1;
        private final int[] meta = new int[8];
        private final UdpOffload.Sources sources = new UdpOffload.Sources();
        private final byte[] abuf = new byte[4];
        // Direct buffers: a heap buffer makes the JDK borrow a temporary direct one on every send and receive.
        private final ByteBuffer abb = ByteBuffer.allocateDirect(4);
        private InetSocketAddress tidAddr;
        private boolean awaitingReply = true;
        private OutputStream out;

        private final InetAddress serverAddr;
        private int tid = -1;
        private int askedBlksize, askedWindow;
        private int blksize = TftpOptions.DEFAULT_BLKSIZE, window = 1;
        private boolean optionsAccepted;
        private long tsize = -1;

        /** The next block we need, as a counter that does not roll over (the wire number is its low 16 bits). */
        private long expected = 1;
        private long bytes;
        /** The block our latest ACK named, and how many in-order blocks arrived since: the server's window is lastAck+1..lastAck+window. */
        private long lastAck = 0;
        private long lastAckNanos;
        private int inWindow;
        private long retransmissions, duplicates, coalesced;

        // RTT estimate (RFC 6298 style) from window-end ACK to the next in-order DATA; Karn: never from a retransmission.
        private long srtt = -1, rttvar;
        private long rto = INITIAL_RTO_NANOS;
        private long backoffRto = INITIAL_RTO_NANOS;
        private long probeBlock = -1, probeSent;
        private long idleDeadline;
        private long gapDeadline = -1;
        private long nakFor = -1, nakNanos;
        /**
         * Blocks that arrived beyond a gap, kept until the gap fills (a ring indexed by block % window, so
         * at most one window; allocated on the first gap). tag[i] is the block a slot holds, or -1.
         */
        private byte[][] held;
        private int[] heldLen;
        private long[] heldTag;
        private long heldBytes;
        /** The block the server restarts its window from after our last recovery ACK, or -1. */
        private long restartAt = -1;
        private int retriesAtCap, consecutive;
        private long nextProgress;

        Transfer(InetSocketAddress server, String path, String url, OutputStream out, long maxBytes,
                 Progress progress, Rung rung, long start, long deadline) {
            this.server = server;
            this.serverAddr = server.getAddress();
            this.path = path;
            this.url = url;
            this.rawOut = out;
            this.maxBytes = maxBytes;
            this.progress = progress;
            this.rung = rung;
            this.start = start;
            this.deadline = deadline;
        }

        TransferResult run() throws TftpException, Fallback {
            askedBlksize = rung == Rung.PLAIN ? TftpOptions.DEFAULT_BLKSIZE
                : settings.blksize() == 0 ? PathMtu.autoBlksize(server, settings.localAddress()) : settings.blksize();
            // Old and new blocks are told apart by a 16-bit difference below or above 32768, so a window
            // must stay under half the block-number space.
            askedWindow = rung == Rung.ALL ? Math.min(settings.windowsize(), 0x7FFF) : 1;
            try {
                ch = DatagramChannel.open();
                ch.bind(new InetSocketAddress(settings.localAddress(), 0));
                ch.configureBlocking(false);
                sel = Selector.open();
                ch.register(sel, SelectionKey.OP_READ);
            } catch (IOException e) {
                close();
                throw new TftpException(url + ": cannot open a UDP socket: " + e.getMessage(), e);
            }
            try {
                sizeReceiveBuffer();
                enableGro();
                rbuf = new byte[groFd >= 0 ? GRO_BUFFER : Math.max(askedBlksize, TftpOptions.DEFAULT_BLKSIZE) + 4 + 1];
                rbb = ByteBuffer.allocateDirect(rbuf.length);
                out = rawOut instanceof BufferedOutputStream ? rawOut : new BufferedOutputStream(rawOut, 1 << 18);
                if (!negotiate()) receiveData();
                try {
                    out.flush();
                } catch (IOException e) {
                    throw new TftpException(url + ": writing the output failed: " + e.getMessage(), e);
                }
                return new TransferResult(bytes, blksize, window, optionsAccepted, retransmissions, duplicates,
                    Duration.ofNanos(System.nanoTime() - start), coalesced);
            } finally {
                close();
            }
        }

        /**
         * UDP_GRO (see {@link UdpOffload}): a window's blocks may then arrive several per receive. Only for
         * windowed transfers (lock-step has one block in flight), and only when the receive can also read
         * the segment size, without which the block boundaries would be a guess.
         */
        private void enableGro() {
            if (!settings.offload() || askedWindow < 2) return;
            if (!UdpOffload.available()) {
                log(url + ": no UDP offload (" + UdpOffload.unavailableReason() + "): one datagram per receive");
                return;
            }
            int fd = UdpOffload.fd(ch);
            if (fd >= 0 && UdpOffload.enableGro(ch)) groFd = fd;
            else log(url + ": the kernel refused UDP_GRO: one datagram per receive");
        }

        private void close() {
            try {
                if (sel != null) sel.close();
                if (ch != null) ch.close();
            } catch (IOException ignored) {
                // Closing a UDP socket loses nothing.
            }
        }

        /**
         * Big blocks with large windows overflow the default receive buffer (208 KiB here): a window
         * arrives as a burst and whatever does not fit is dropped, which looks like loss. Ask for room for
         * two windows (at least 256 KiB); if the kernel grants less (net.core.rmem_max caps it: 4 MiB here,
         * 208 KiB on a stock kernel), shrink the window we ask for so that one window still fits.
         */
        private void sizeReceiveBuffer() throws TftpException {
            long perBlock = askedBlksize + 4 + SKB_OVERHEAD;
            long want = settings.receiveBufferBytes() > 0 ? settings.receiveBufferBytes()
                : Math.min(64L << 20, Math.max(256 << 10, 2 * perBlock * askedWindow));
            try {
                ch.setOption(StandardSocketOptions.SO_RCVBUF, (int) want);
                // The JDK reports what was granted (Linux's doubled figure, halved back); the kernel keeps the
                // other half for its bookkeeping, so the granted bytes are all ours for payload plus overhead.
                long got = ch.getOption(StandardSocketOptions.SO_RCVBUF);
                int fits = windowThatFits(got, askedBlksize);
                if (askedWindow > fits && settings.receiveBufferBytes() == 0) {
                    // Worth a word only when it costs much (the summary shows the window in use anyway):
                    // loopback's 64 KiB blocks lose one block of 64 to a 4 MiB rmem_max, every time.
                    if (fits < askedWindow / 2 && settings.windowsize() != DEFAULT_WINDOWSIZE) {
                        log(url + ": receive buffer of " + got + " bytes holds " + fits + " blocks of " + askedBlksize
                            + "; asking for windowsize " + fits + " instead of " + askedWindow + " (raise net.core.rmem_max)");
                    }
                    askedWindow = fits;
                }
            } catch (IOException e) {
                throw new TftpException(url + ": cannot size the socket receive buffer: " + e.getMessage(), e);
            }
        }

        private byte[] request() {
            Map<String, String> opts = new LinkedHashMap<>();
            if (rung != Rung.PLAIN) {
                opts.put(TftpOptions.BLKSIZE, Integer.toString(askedBlksize));
                if (settings.requestTsize()) opts.put(TftpOptions.TSIZE, "0");
                opts.put(TftpOptions.TIMEOUT, Integer.toString(settings.timeoutSeconds()));
                if (askedWindow > 1) opts.put(TftpOptions.WINDOWSIZE, Integer.toString(askedWindow));
            }
            return TftpCodec.encode(TftpPacket.Request.read(path, opts));
        }

        /** Sends the request and handles the first answer; true when that answer was the whole (one-block) file. */
        private boolean negotiate() throws TftpException, Fallback {
            byte[] rrq = request();
            ByteBuffer req = ByteBuffer.wrap(rrq);
            send(req, server);
            long sent = System.nanoTime();
            boolean resent = false;
            long wait = INITIAL_RTO_NANOS;
            long resendAt = sent + wait;
            while (true) {
                long now = System.nanoTime();
                checkDeadline(now);
                if (now >= resendAt) {
                    if (wait >= cap()) {
                        if (++retriesAtCap > settings.maxRetries()) {
                            throw new TftpException(url + ": no answer after " + consecutive + " retransmissions of the request");
                        }
                    }
                    consecutive++;
                    retransmissions++;
                    resent = true;
                    send(req.clear(), server);
                    wait = Math.min(wait * 2, cap());
                    resendAt = now + wait;
                    continue;
                }
                if (!receive(Math.min(resendAt, deadline) - now)) continue;
                now = System.nanoTime();
                int port = from.getPort();
                if (!serverAddr.equals(from.getAddress())) {
                    // RFC 1350 section 4: a packet from a stranger gets ERROR 5 and the transfer goes on.
                    strangerError();
                    continue;
                }
                // Before the OACK is acknowledged the server has one packet in flight; should it have sent more
                // (a window without an OACK), the first stands for all and the others come again.
                int len = rseg > 0 ? Math.min(rseg, rlen) : rlen;
                int op = TftpCodec.peekOpcode(rbuf, 0, len);
                if (op == TftpPacket.OACK || op == TftpPacket.DATA || op == TftpPacket.ERROR) {
                    tid = port;
                    tidAddr = from;
                } else {
                    continue; // an ACK or a request from the server's address: not an answer to our RRQ
                }
                if (!resent) sampleRtt(now - sent);
                if (op == TftpPacket.ERROR) {
                    TftpPacket.Error e = decodeError(len);
                    if (rung != Rung.PLAIN && (e.code() == TftpError.OPTION_REFUSED.code()
                            || e.code() == TftpError.NOT_DEFINED.code() || e.code() == TftpError.ILLEGAL_OPERATION.code())) {
                        // RFC 2347: ERROR 8 refuses the options. Some old servers answer an unknown option with
                        // ERROR 0 or 4 instead; a retry with fewer options costs one round trip.
                        throw new Fallback("server error " + e.code() + " (" + e.message() + ") to our options", nextRung());
                    }
                    throw TftpException.fromServer(url, e.code(), e.message());
                }
                if (op == TftpPacket.DATA) {
                    if (rung != Rung.PLAIN) log(url + ": server ignored the options; RFC 1350 lock-step with 512-byte blocks");
                    blksize = TftpOptions.DEFAULT_BLKSIZE;
                    window = 1;
                    resetIdle(now);
                    return onData(len, now); // the first packet of the data phase
                }
                acceptOack(len);
                lastAckNanos = now;
                sendAck(0);
                resetIdle(now);
                return false;
            }
        }

        private Rung nextRung() {
            return rung == Rung.ALL ? Rung.NO_WINDOW : Rung.PLAIN;
        }

        /**
         * RFC 2347: the server may accept fewer options or lower the values; anything else (an option we
         * did not ask for, blksize or windowsize above what we asked, garbage) is refused with ERROR 8.
         */
        private void acceptOack(int len) throws TftpException, Fallback {
            TftpPacket.OptionAck oack;
            try {
                oack = (TftpPacket.OptionAck) TftpCodec.decode(rbuf, 0, len);
            } catch (TftpProtocolException e) {
                refuse("malformed OACK: " + e.getMessage());
                return;
            }
            int b = TftpOptions.DEFAULT_BLKSIZE, w = 1;
            for (Map.Entry<String, String> o : oack.options().entrySet()) {
                String name = o.getKey(), value = o.getValue().trim();
                long v;
                try {
                    v = Long.parseLong(value);
                } catch (NumberFormatException e) {
                    refuse("OACK option " + name + "=" + value + " is not a number");
                    return;
                }
                switch (name) {
                    case TftpOptions.BLKSIZE:
                        if (v < TftpOptions.MIN_BLKSIZE || v > askedBlksize) { refuse("OACK blksize " + v + " is outside 8.." + askedBlksize); return; }
                        b = (int) v;
                        break;
                    case TftpOptions.WINDOWSIZE:
                        if (askedWindow <= 1) { refuse("OACK answers windowsize, which we did not ask for"); return; }
                        if (v < 1 || v > askedWindow) { refuse("OACK windowsize " + v + " is outside 1.." + askedWindow); return; }
                        w = (int) v;
                        break;
                    case TftpOptions.TSIZE:
                        if (!settings.requestTsize()) { refuse("OACK answers tsize, which we did not ask for"); return; }
                        if (v < 0) { refuse("OACK tsize " + v + " is negative"); return; }
                        tsize = v;
                        break;
                    case TftpOptions.TIMEOUT:
                        // RFC 2349: the server echoes our value; we run our own timers anyway.
                        if (v < TftpOptions.MIN_TIMEOUT || v > TftpOptions.MAX_TIMEOUT) { refuse("OACK timeout " + v + " is outside 1..255"); return; }
                        break;
                    default:
                        refuse("OACK answers option " + name + ", which we did not ask for");
                        return;
                }
            }
            if (tsize > maxBytes) {
                sendError(TftpError.DISK_FULL.code(), "file of " + tsize + " bytes exceeds the cap of " + maxBytes);
                throw new TftpException(url + ": file of " + tsize + " bytes (tsize) exceeds the cap of " + maxBytes + " bytes");
            }
            blksize = b;
            window = w;
            // atftpd 0.8 with every option switched off answers an empty OACK instead of DATA 1 (RFC 2347
            // says DATA); it still wants ACK 0, but nothing was negotiated.
            optionsAccepted = !oack.options().isEmpty();
            if (b != askedBlksize) log(url + ": server lowered blksize " + askedBlksize + " -> " + b);
            if (w != askedWindow) log(url + ": server " + (w == 1 ? "does not do windowsize; lock-step" : "lowered windowsize " + askedWindow + " -> " + w));
        }

        private void refuse(String why) throws TftpException, Fallback {
            sendError(TftpError.OPTION_REFUSED.code(), why);
            throw new Fallback("refused the server's " + why, Rung.PLAIN);
        }

        private void receiveData() throws TftpException {
            // The loop only calls step(): a short run never reaches the on-stack-replacement threshold
            // (60000 back-edges at C1), so a loop body inlined here would stay interpreted for the whole file.
            while (!step()) {
                // step() did the work
            }
        }

        /** Waits for and handles one packet (or one timer); true when the file is complete. */
        private boolean step() throws TftpException {
            long now = System.nanoTime();
            checkDeadline(now);
            if (gapDeadline >= 0 && now >= gapDeadline) {
                nak(now);
                return false;
            }
            if (now >= idleDeadline) {
                onIdle(now);
                return false;
            }
            long wake = Math.min(idleDeadline, deadline);
            if (gapDeadline >= 0) wake = Math.min(wake, gapDeadline);
            if (!receive(wake - now)) return false;
            now = System.nanoTime();
            if (from != tidAddr && !tidAddr.equals(from)) {
                strangerError();
                return false;
            }
            if (rseg == 0 || rlen <= rseg) return handle(rlen, now);
            // Several datagrams coalesced by UDP_GRO: each is a packet of its own, in arrival order.
            coalesced++;
            try {
                for (int off = 0; off < rlen; off += rseg) {
                    roff = off;
                    if (handle(Math.min(rseg, rlen - off), now)) return true;
                }
                return false;
            } finally {
                roff = 0;
            }
        }

        /** Handles one packet from the server's TID at rbuf[roff, roff + len); true when the file is complete. */
        private boolean handle(int len, long now) throws TftpException {
            int op = TftpCodec.peekOpcode(rbuf, roff, len);
            if (op == TftpPacket.DATA) {
                return onData(len, now);
            } else if (op == TftpPacket.ERROR) {
                TftpPacket.Error e = decodeError(len);
                throw TftpException.fromServer(url, e.code(), e.message());
            } else if (op == TftpPacket.OACK && expected == 1) {
                // Our ACK 0 was lost and the server repeats its OACK; answer once per timer, not per copy.
                duplicates++;
                if (now - lastAckNanos >= rto) {
                    retransmissions++;
                    sendAck(0);
                }
            }
            // Anything else from the server (ACK, request) is meaningless to a reader: ignore it.
            return false;
        }

        /** Handles a DATA packet in rbuf; returns true when it completed the file. */
        private boolean onData(int len, long now) throws TftpException {
            if (len < 4) return false;
            int wire = TftpCodec.peekBlock(rbuf, roff);
            int d = (wire - (int) (expected & 0xFFFF)) & 0xFFFF;
            if (d == 0) {
                int n = len - 4;
                if (n > blksize) {
                    sendError(TftpError.ILLEGAL_OPERATION.code(), "block of " + n + " bytes exceeds blksize " + blksize);
                    throw new TftpException(url + ": server sent block " + expected + " of " + n + " bytes, more than blksize " + blksize);
                }
                if (n > maxBytes - bytes) {
                    sendError(TftpError.DISK_FULL.code(), "file exceeds the cap of " + maxBytes + " bytes");
                    throw new TftpException(url + ": file exceeds the cap of " + maxBytes + " bytes (block " + expected + ")");
                }
                write(rbuf, roff + 4, n);
                bytes += n;
                if (probeBlock == expected) {
                    sampleRtt(now - probeSent);
                    probeBlock = -1;
                }
                expected++;
                inWindow++;
                gapDeadline = -1;
                resetIdle(now);
                if (n < blksize) return finish(now);
                // The block that filled a gap: the ones kept from beyond it follow at once.
                boolean restarted = restartAt == expected - 1;
                restartAt = -1;
                int drained = 0;
                for (int slot; held != null && heldTag[slot = (int) (expected % window)] == expected; ) {
                    int m = heldLen[slot];
                    heldTag[slot] = -1;
                    heldBytes -= m;
                    if (m > maxBytes - bytes) {
                        sendError(TftpError.DISK_FULL.code(), "file exceeds the cap of " + maxBytes + " bytes");
                        throw new TftpException(url + ": file exceeds the cap of " + maxBytes + " bytes (block " + expected + ")");
                    }
                    write(held[slot], 0, m);
                    bytes += m;
                    expected++;
                    inWindow++;
                    drained++;
                    if (m < blksize) return finish(now);
                }
                if (drained > 0 && restarted) {
                    // The server restarted its window at the gap and is sending again what we kept: a
                    // cumulative ACK of the last block we have moves it past them (RFC 7440 section 4).
                    sendAck(expected - 1);
                    probeBlock = -1;
                    restartAt = expected;
                    reportProgress(now, false);
                } else if (inWindow >= window) {
                    // RFC 7440: ACK the last block of each window; its answer times the round trip.
                    sendAck(expected - 1);
                    probeBlock = expected;
                    probeSent = now;
                    reportProgress(now, false);
                }
                return false;
            }
            if (d < 0x8000) {
                // A block from beyond a gap: one before it was lost (or is late). If it ends the server's
                // window the server now waits for our ACK, so re-ACK the last in-order block at once and it
                // restarts the window there (RFC 7440 section 4); otherwise give a reordered block a moment.
                long block = expected + d;
                if (d < window) hold(block, len - 4);
                if (block >= lastAck + window) nak(now);
                else if (gapDeadline < 0) gapDeadline = now + gapDelay();
                return false;
            }
            // An old block: the server resent a window (our ACK was lost, or it timed out). Re-ACK once per
            // timer at most; answering every copy is the sorcerer's apprentice (RFC 1350 errata, RFC 1123 4.2.3.1).
            duplicates++;
            if (now - lastAckNanos >= rto) {
                retransmissions++;
                sendAck(expected - 1);
                probeBlock = -1;
            }
            return false;
        }

        private void write(byte[] b, int off, int n) throws TftpException {
            try {
                out.write(b, off, n);
            } catch (IOException e) {
                sendError(TftpError.DISK_FULL.code(), "client cannot write the file");
                throw new TftpException(url + ": writing the output failed at byte " + bytes + ": " + e.getMessage(), e);
            }
        }

        /** The short block ended the file (RFC 1350): its ACK is the last packet we send. */
        private boolean finish(long now) throws TftpException {
            sendAck(expected - 1);
            reportProgress(now, true);
            return true;
        }

        /**
         * Keeps {@code block} (in rbuf after its header, {@code n} bytes) until the gap before it fills, so that
         * the server's restart from the gap need not bring it again. Bounded by one window and {@link #MAX_HELD_BYTES};
         * an oversized block is not kept (it is refused when it comes in order).
         */
        private void hold(long block, int n) {
            if (n > blksize || n < 0) return;
            if (held == null) {
                if (window < 2) return;
                held = new byte[window][];
                heldLen = new int[window];
                heldTag = new long[window];
                java.util.Arrays.fill(heldTag, -1);
            }
            int slot = (int) (block % window);
            if (heldTag[slot] == block) {
                duplicates++;
                return;
            }
            if (heldTag[slot] >= 0) {
                heldBytes -= heldLen[slot]; // a block from an older window the server will send again
            }
            if (heldBytes + n > MAX_HELD_BYTES) {
                heldTag[slot] = -1;
                return;
            }
            if (held[slot] == null) held[slot] = new byte[blksize];
            System.arraycopy(rbuf, roff + 4, held[slot], 0, n);
            heldLen[slot] = n;
            heldTag[slot] = block;
            heldBytes += n;
        }

        /** Re-ACKs the last in-order block after a gap, at most once per retransmission timer for the same block. */
        private void nak(long now) throws TftpException {
            gapDeadline = -1;
            if (nakFor == expected && now - nakNanos < rto) return;
            nakFor = expected;
            nakNanos = now;
            retransmissions++;
            sendAck(expected - 1);
            probeBlock = -1;
            restartAt = expected;
            idleDeadline = now + backoffRto;
        }

        /** Nothing useful arrived for a whole timer: the window's tail or our ACK was lost. Re-ACK, back off. */
        private void onIdle(long now) throws TftpException {
            if (backoffRto >= cap() && ++retriesAtCap > settings.maxRetries()) {
                sendError(TftpError.NOT_DEFINED.code(), "client gave up: no data");
                String of = tsize > 0 ? " of ~" + ((tsize + blksize) / blksize) : "";
                throw new TftpException(url + ": no answer after " + consecutive + " retransmissions (block " + expected + of + ")");
            }
            consecutive++;
            retransmissions++;
            sendAck(expected - 1);
            probeBlock = -1;
            restartAt = expected;
            backoffRto = Math.min(backoffRto * 2, cap());
            idleDeadline = now + backoffRto;
        }

        private void resetIdle(long now) {
            backoffRto = rto;
            retriesAtCap = 0;
            consecutive = 0;
            idleDeadline = now + rto;
        }

        private long gapDelay() {
            long g = srtt < 0 ? MIN_GAP_NANOS : srtt;
            return Math.max(MIN_GAP_NANOS, Math.min(g, rto));
        }

        private long cap() {
            return settings.timeoutSeconds() * 1_000_000_000L;
        }

        private void sampleRtt(long sample) {
            if (srtt < 0) {
                srtt = sample;
                rttvar = sample / 2;
            } else {
                long err = sample - srtt;
                srtt += err / 8;
                rttvar += (Math.abs(err) - rttvar) / 4;
            }
            rto = Math.max(MIN_RTO_NANOS, Math.min(cap(), srtt + 4 * rttvar));
        }

        private void reportProgress(long now, boolean last) {
            if (progress == null || (!last && now < nextProgress)) return;
            nextProgress = now + 100_000_000L;
            progress.update(bytes, tsize);
        }

        private void checkDeadline(long now) throws TftpException {
            if (now - deadline >= 0) {
                if (tid >= 0) sendError(TftpError.NOT_DEFINED.code(), "client gave up: total timeout");
                throw new TftpException(url + ": transfer did not finish within " + settings.totalTimeout().toSeconds()
                    + " s (total timeout; " + bytes + " bytes received)");
            }
        }

        /**
         * Waits up to {@code nanos} for a datagram into rbuf (length in rlen, sender in from); false on
         * timeout. Tries the socket first: inside a window the next block is usually queued already.
         */
        private boolean receive(long nanos) throws TftpException {
            try {
                // Right after we sent an ACK the server has nothing in flight (lock-step, or a window's end):
                // go straight to the wait and save a receive that would fail, one syscall per round trip.
                boolean got = !awaitingReply && poll();
                if (!got && settings.spinMicros() > 0) {
                    long until = System.nanoTime() + Math.min(nanos, settings.spinMicros() * 1000L);
                    do {
                        Thread.onSpinWait();
                        got = poll();
                    } while (!got && System.nanoTime() - until < 0);
                }
                if (!got) {
                    // An interrupted thread's select() returns at once, forever: stop instead of spinning.
                    if (Thread.currentThread().isInterrupted()) throw new TftpException(url + ": interrupted");
                    long ms = Math.max(1, Math.min(Integer.MAX_VALUE, (nanos + 999_999) / 1_000_000));
                    if (sel.select(ms) == 0) return false;
                    sel.selectedKeys().clear();
                    if (!poll()) return false;
                }
                awaitingReply = false;
                return true;
            } catch (ClosedByInterruptException e) {
                throw new TftpException(url + ": interrupted", e);
            } catch (IOException e) {
                throw new TftpException(url + ": receive failed: " + e.getMessage(), e);
            }
        }

        /** One non-blocking receive into rbuf (rlen, rseg, from); false when nothing is queued. */
        private boolean poll() throws IOException {
            rbb.clear();
            if (groFd >= 0) {
                int n = UdpOffload.receive(groFd, rbb, meta);
                if (n == UdpOffload.EAGAIN) return false;
                if (n < 0) throw new IOException("recvmsg failed with errno " + -n);
                rseg = meta[0];
                // A coalesced buffer cut short (it cannot be, at 64 KiB) loses its partial last datagram,
                // which must not pass for a short, final block: keep whole datagrams; the gap is re-ACKed.
                if (meta[1] != 0 && rseg > 0) n -= n % rseg;
                from = sources.of(meta);
                rlen = n;
            } else {
                SocketAddress a = ch.receive(rbb);
                if (a == null) return false;
                from = (InetSocketAddress) a;
                rlen = rbb.position();
                rseg = 0;
            }
            rbb.get(0, rbuf, 0, rlen);
            return true;
        }

        private TftpPacket.Error decodeError(int len) {
            try {
                return (TftpPacket.Error) TftpCodec.decode(rbuf, roff, len);
            } catch (TftpProtocolException e) {
                return new TftpPacket.Error(0, "malformed error packet");
            }
        }

        private void sendAck(long block) throws TftpException {
            TftpCodec.encodeAck(abuf, (int) (block & 0xFFFF));
            abb.clear();
            abb.put(0, abuf, 0, 4);
            send(abb, tidAddr);
            awaitingReply = true;
            lastAck = block;
            lastAckNanos = System.nanoTime();
            inWindow = 0;
        }

        private void sendError(int code, String msg) {
            if (tid < 0) return;
            try {
                byte[] e = TftpCodec.encode(new TftpPacket.Error(code, msg));
                ch.send(ByteBuffer.wrap(e), tidAddr);
            } catch (IOException ignored) {
                // The transfer is failing already; the server times out on its own.
            }
        }

        private void strangerError() {
            // Never answer an ERROR with an ERROR: two confused peers would ping-pong forever.
            if (TftpCodec.peekOpcode(rbuf, 0, rlen) == TftpPacket.ERROR) return;
            try {
                byte[] e = TftpCodec.encode(new TftpPacket.Error(TftpError.UNKNOWN_TID.code(), "Unknown transfer ID"));
                ch.send(ByteBuffer.wrap(e), from);
            } catch (IOException ignored) {
                // A stranger we cannot reach is no concern of this transfer.
            }
        }

        private void send(ByteBuffer p, InetSocketAddress to) throws TftpException {
            try {
                ch.send(p, to);
            } catch (ClosedByInterruptException e) {
                throw new TftpException(url + ": interrupted", e);
            } catch (IOException e) {
                throw new TftpException(url + ": send failed: " + e.getMessage(), e);
            }
        }
    }
}
