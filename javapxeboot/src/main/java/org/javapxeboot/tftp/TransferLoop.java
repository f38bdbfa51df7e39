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
import java.time.Duration;
import org.javapxeboot.net.UdpOffload;

/**
 * One attempt of {@link TftpClient}: one socket, one RRQ, one server TID, around a {@link ReadSession}.
 * Its work is the socket's: sizing the receive buffer, UDP_GRO, waiting (spin, then select) until a
 * packet or the session's timer, refusing strangers (RFC 1350 section 4), cutting coalesced receives
 * into packets, and the total deadline. Not thread-safe; lives for one call.
 */
final class TransferLoop implements ReadSession.Actions {
    private final TftpClient.Settings settings;
    private final TftpClient.Clock clock;
    private final InetSocketAddress server;
    private final InetAddress serverAddr;
    private final String path, url;
    private final OutputStream rawOut;
    private final long maxBytes, start, deadline;
    private final TftpClient.Progress progress;
    private final ReadSession.Rung rung;

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
    private int askedBlksize, askedWindow;
    private long coalesced;
    private ReadSession session;

    TransferLoop(TftpClient.Settings settings, TftpClient.Clock clock, InetSocketAddress server, String path, String url,
                 OutputStream out, long maxBytes, TftpClient.Progress progress, ReadSession.Rung rung, long start, long deadline) {
        this.settings = settings;
        this.clock = clock;
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

    TransferResult run() throws TftpException, ReadSession.Fallback {
        askedBlksize = rung == ReadSession.Rung.PLAIN ? TftpOptions.DEFAULT_BLKSIZE
            : settings.blksize() == 0 ? PathMtu.autoBlksize(server, settings.localAddress()) : settings.blksize();
        // Old and new blocks are told apart by a 16-bit difference below or above 32768, so a window
        // must stay under half the block-number space.
        askedWindow = rung == ReadSession.Rung.ALL ? Math.min(settings.windowsize(), 0x7FFF) : 1;
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
            rbuf = new byte[groFd >= 0 ? TftpClient.GRO_BUFFER : Math.max(askedBlksize, TftpOptions.DEFAULT_BLKSIZE) + 4 + 1];
            rbb = ByteBuffer.allocateDirect(rbuf.length);
            out = rawOut instanceof BufferedOutputStream ? rawOut : new BufferedOutputStream(rawOut, 1 << 18);
            session = new ReadSession(new ReadSession.Params(url, path, rung, askedBlksize, askedWindow, settings.requestTsize(),
                settings.timeoutSeconds(), settings.maxRetries(), maxBytes), this);
            session.start(clock.nanoTime());
            // The loop only calls step(): a short run never reaches the on-stack-replacement threshold
            // (60000 back-edges at C1), so a loop body inlined here would stay interpreted for the whole file.
            while (!step()) {
                // step() did the work
            }
            try {
                out.flush();
            } catch (IOException e) {
                throw new TftpException(url + ": writing the output failed: " + e.getMessage(), e);
            }
            return new TransferResult(session.bytes(), session.blksize(), session.windowsize(), session.optionsAccepted(),
                session.retransmissions(), session.duplicates(), Duration.ofNanos(clock.nanoTime() - start), coalesced);
        } finally {
            close();
        }
    }

    /** Waits for and handles one packet (or one timer); true when the file is complete. */
    private boolean step() throws TftpException, ReadSession.Fallback {
        long now = clock.nanoTime();
        checkDeadline(now);
        long wake = session.wakeAt();
        if (now >= wake) {
            session.onTick(now);
            return false;
        }
        if (!receive(Math.min(wake, deadline) - now)) return false;
        now = clock.nanoTime();
        if (tidAddr == null) {
            if (!serverAddr.equals(from.getAddress())) {
                strangerError();
                return false;
            }
            // Before the OACK is acknowledged the server has one packet in flight; should it have sent more
            // (a window without an OACK), the first stands for all and the others come again.
            int len = rseg > 0 ? Math.min(rseg, rlen) : rlen;
            if (ReadSession.isAnswer(rbuf, 0, len)) tidAddr = from;
            return session.onPacket(rbuf, 0, len, now);
        }
        if (from != tidAddr && !tidAddr.equals(from)) {
            strangerError();
            return false;
        }
        if (rseg == 0 || rlen <= rseg) return session.onPacket(rbuf, 0, rlen, now);
        // Several datagrams coalesced by UDP_GRO: each is a packet of its own, in arrival order.
        coalesced++;
        for (int off = 0; off < rlen; off += rseg) {
            if (session.onPacket(rbuf, off, Math.min(rseg, rlen - off), now)) return true;
        }
        return false;
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
        long perBlock = askedBlksize + 4 + TftpClient.SKB_OVERHEAD;
        long want = settings.receiveBufferBytes() > 0 ? settings.receiveBufferBytes()
            : Math.min(64L << 20, Math.max(256 << 10, 2 * perBlock * askedWindow));
        try {
            ch.setOption(StandardSocketOptions.SO_RCVBUF, (int) want);
            // The JDK reports what was granted (Linux's doubled figure, halved back); the kernel keeps the
            // other half for its bookkeeping, so the granted bytes are all ours for payload plus overhead.
            long got = ch.getOption(StandardSocketOptions.SO_RCVBUF);
            int fits = TftpClient.windowThatFits(got, askedBlksize);
            if (askedWindow > fits && settings.receiveBufferBytes() == 0) {
                // Worth a word only when it costs much (the summary shows the window in use anyway):
                // loopback's 64 KiB blocks lose one block of 64 to a 4 MiB rmem_max, every time.
                if (fits < askedWindow / 2 && settings.windowsize() != TftpClient.DEFAULT_WINDOWSIZE) {
                    log(url + ": receive buffer of " + got + " bytes holds " + fits + " blocks of " + askedBlksize
                        + "; asking for windowsize " + fits + " instead of " + askedWindow + " (raise net.core.rmem_max)");
                }
                askedWindow = fits;
            }
        } catch (IOException e) {
            throw new TftpException(url + ": cannot size the socket receive buffer: " + e.getMessage(), e);
        }
    }

    private void checkDeadline(long now) throws TftpException {
        if (now - deadline >= 0) {
            if (tidAddr != null) error(TftpError.NOT_DEFINED.code(), "client gave up: total timeout");
            throw new TftpException(url + ": transfer did not finish within " + settings.totalTimeout().toSeconds()
                + " s (total timeout; " + session.bytes() + " bytes received)");
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
                long until = clock.nanoTime() + Math.min(nanos, settings.spinMicros() * 1000L);
                do {
                    Thread.onSpinWait();
                    got = poll();
                } while (!got && clock.nanoTime() - until < 0);
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

    // ReadSession.Actions: what the state machine asks of the socket.

    @Override public void sendRequest(byte[] rrq) throws TftpException {
        send(ByteBuffer.wrap(rrq), server);
    }

    @Override public void ack(long block) throws TftpException {
        TftpCodec.encodeAck(abuf, (int) (block & 0xFFFF));
        abb.clear();
        abb.put(0, abuf, 0, 4);
        send(abb, tidAddr);
        awaitingReply = true;
    }

    @Override public void error(int code, String msg) {
        if (tidAddr == null) return;
        try {
            byte[] e = TftpCodec.encode(new TftpPacket.Error(code, msg));
            ch.send(ByteBuffer.wrap(e), tidAddr);
        } catch (IOException ignored) {
            // The transfer is failing already; the server times out on its own.
        }
    }

    @Override public void deliver(byte[] b, int off, int n) throws TftpException {
        try {
            out.write(b, off, n);
        } catch (IOException e) {
            error(TftpError.DISK_FULL.code(), "client cannot write the file");
            throw new TftpException(url + ": writing the output failed at byte " + session.bytes() + ": " + e.getMessage(), e);
        }
    }

    @Override public void progress(long bytes, long expectedBytes) {
        if (progress != null) progress.update(bytes, expectedBytes);
    }

    @Override public void log(String msg) {
        java.util.function.Consumer<String> l = settings.log();
        if (l != null) l.accept(msg);
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
