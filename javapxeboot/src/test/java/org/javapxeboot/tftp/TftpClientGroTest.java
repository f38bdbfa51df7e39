package org.javapxeboot.tftp;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.DatagramChannel;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.javapxeboot.net.UdpOffload;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The client's UDP GRO path: a server that sends each window as UDP GSO batches (as pxe-mock does), so
 * the client receives many blocks per system call and must find each block, a gap, a duplicate and the
 * short final block inside coalesced buffers. Compared by SHA-256 with the file.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class TftpClientGroTest {
    static final int BLKSIZE = 1468;

    @BeforeEach void needsTheLibrary() {
        Assumptions.assumeTrue(UdpOffload.available(), "UDP offload library not built: " + UdpOffload.unavailableReason());
    }

    /**
     * RFC 7440 on one transfer socket: the window from {@code base} goes out in GSO batches of up to 40
     * blocks; an ACK of n starts the next window at n + 1; silence for 1 s resends the window.
     */
    static final class GsoServer implements AutoCloseable {
        final DatagramChannel listen;
        final byte[] file;
        final Thread thread;
        /** Blocks left out of their first batch (a gap inside a coalesced buffer). */
        final Set<Long> dropOnce = ConcurrentHashMap.newKeySet();
        /** Blocks sent twice in their first batch, back to back (a duplicate inside a coalesced buffer). */
        final Set<Long> duplicateOnce = ConcurrentHashMap.newKeySet();
        final AtomicInteger batches = new AtomicInteger(), windowsResent = new AtomicInteger();
        /** Blocks sent again (after a gap ACK or a timeout) and ACKs that named a block before the window's end. */
        final AtomicInteger blocksResent = new AtomicInteger(), acksBehind = new AtomicInteger();
        private long highestSent;
        volatile Throwable failure;

        GsoServer(byte[] file) throws IOException {
            this.file = file;
            listen = DatagramChannel.open();
            listen.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
            thread = new Thread(this::serve, "gso-tftp");
            thread.setDaemon(true);
            thread.start();
        }

        InetSocketAddress address() throws IOException {
            return (InetSocketAddress) listen.getLocalAddress();
        }

        private void serve() {
            try (DatagramChannel ch = DatagramChannel.open()) {
                ByteBuffer in = ByteBuffer.allocate(2048);
                InetSocketAddress client = (InetSocketAddress) listen.receive(in);
                TftpPacket.Request rrq = (TftpPacket.Request) TftpCodec.decode(java.util.Arrays.copyOf(in.array(), in.position()));
                int window = Integer.parseInt(rrq.options().get(TftpOptions.WINDOWSIZE));
                ch.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
                ch.connect(client);
                ch.socket().setSoTimeout(1000);
                ch.write(ByteBuffer.wrap(TftpCodec.encode(new TftpPacket.OptionAck(
                    Map.of(TftpOptions.BLKSIZE, Integer.toString(BLKSIZE), TftpOptions.WINDOWSIZE, Integer.toString(window))))));
                if (awaitAck(ch, in) != 0) throw new IllegalStateException("expected ACK 0");
                if (!UdpOffload.setSegmentSize(ch, BLKSIZE + 4)) throw new IllegalStateException("UDP_SEGMENT refused");
                long last = file.length / BLKSIZE + 1;
                long base = 1;
                ByteBuffer out = ByteBuffer.allocateDirect(65000);
                while (base <= last) {
                    long end = Math.min(last, base + window - 1);
                    for (long from = base; from <= end; from += 40) {
                        out.clear();
                        for (long b = from; b <= Math.min(end, from + 39); b++) {
                            if (dropOnce.remove(b)) continue;
                            put(out, b);
                            if (duplicateOnce.remove(b)) put(out, b);
                        }
                        out.flip();
                        if (out.hasRemaining()) {
                            ch.write(out);
                            batches.incrementAndGet();
                        }
                    }
                    long acked = awaitAck(ch, in);
                    if (acked < 0) {
                        windowsResent.incrementAndGet();
                        continue;
                    }
                    // Block numbers on the wire are 16 bits; this file stays below 65536 blocks.
                    if (acked < end) acksBehind.incrementAndGet();
                    base = acked + 1;
                }
            } catch (Throwable t) {
                failure = t;
            }
        }

        private void put(ByteBuffer out, long block) {
            int off = (int) ((block - 1) * BLKSIZE);
            int len = Math.min(BLKSIZE, file.length - off);
            out.put((byte) 0).put((byte) TftpPacket.DATA).put((byte) (block >> 8)).put((byte) block);
            out.put(file, off, len);
            if (block <= highestSent) blocksResent.incrementAndGet();
            highestSent = Math.max(highestSent, block);
        }

        /** The block number of the next ACK, or -1 after 1 s of silence. */
        private static long awaitAck(DatagramChannel ch, ByteBuffer in) throws IOException {
            ch.configureBlocking(true);
            in.clear();
            try {
                ch.socket().receive(new java.net.DatagramPacket(in.array(), in.capacity()));
            } catch (java.net.SocketTimeoutException e) {
                return -1;
            }
            return TftpCodec.peekBlock(in.array(), 0);
        }

        @Override public void close() throws IOException {
            listen.close();
        }
    }

    static TransferResult fetch(GsoServer s, TftpClient.Settings settings, byte[] expect) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        TransferResult r = new TftpClient(settings).fetch(s.address(), "f", out, -1);
        assertEquals(Files2.sha256(expect), Files2.sha256(out.toByteArray()), "bytes differ: " + r);
        assertEquals(null, s.failure, "server failed");
        return r;
    }

    static final TftpClient.Settings LAN = TftpClient.Settings.defaults().withBlksize(BLKSIZE).withWindowsize(100)
        .withTotalTimeout(java.time.Duration.ofSeconds(30));

    @Test void coalescedWindowsArriveWhole() throws Exception {
        byte[] file = Files2.random(BLKSIZE * 1000 + 321, 1);
        try (GsoServer s = new GsoServer(file)) {
            TransferResult r = fetch(s, LAN, file);
            assertTrue(r.coalescedReceives() > 0, "no receive returned several blocks: " + r);
            assertTrue(s.batches.get() > 0);
            // A busy loopback may drop datagrams (legal UDP): then the client re-ACKs and the server resends.
            // What must hold is the accounting: no resend without a gap ACK or a timeout, no duplicate unexplained.
            assertTrue(s.blocksResent.get() == 0 || s.acksBehind.get() + s.windowsResent.get() > 0, "resent with no cause: " + r);
            assertTrue(r.duplicatesIgnored() <= s.blocksResent.get(), "duplicates the server never sent: " + r);
            assertTrue(s.acksBehind.get() == 0 || r.retransmissions() > 0, "an ACK behind the window that the client did not count: " + r);
        }
    }

    @Test void aFileOfWholeBlocksEndsWithTheEmptyBlockInsideABatch() throws Exception {
        byte[] file = Files2.random(BLKSIZE * 130, 2); // block 131 is the 4-byte empty DATA, in the middle of a window
        try (GsoServer s = new GsoServer(file)) {
            TransferResult r = fetch(s, LAN, file);
            assertEquals(file.length, r.bytes());
            assertTrue(r.coalescedReceives() > 0, r.toString());
        }
    }

    @Test void aGapInsideACoalescedBufferIsReAckedAndRefilled() throws Exception {
        byte[] file = Files2.random(BLKSIZE * 600 + 5, 3);
        try (GsoServer s = new GsoServer(file)) {
            s.dropOnce.addAll(Set.of(17L, 250L, 251L, 599L));
            TransferResult r = fetch(s, LAN, file);
            assertTrue(r.retransmissions() >= 1, "the client must have re-ACKed the gaps: " + r);
            assertTrue(s.dropOnce.isEmpty(), "every drop happened");
        }
    }

    @Test void aDuplicateInsideACoalescedBufferIsIgnored() throws Exception {
        byte[] file = Files2.random(BLKSIZE * 300 + 99, 4);
        try (GsoServer s = new GsoServer(file)) {
            s.duplicateOnce.addAll(Set.of(5L, 150L));
            TransferResult r = fetch(s, LAN, file);
            // The two planted copies, plus any block the server resent after a loss on a busy loopback.
            if (s.blocksResent.get() == 0) assertEquals(2, r.duplicatesIgnored(), r.toString());
            else assertTrue(r.duplicatesIgnored() <= 2 + s.blocksResent.get(), r + ", resent " + s.blocksResent.get());
            assertTrue(s.duplicateOnce.isEmpty(), "every duplicate happened");
        }
    }

    @Test void withoutOffloadTheSameServerIsReadOneDatagramAtATime() throws Exception {
        byte[] file = Files2.random(BLKSIZE * 400 + 7, 5);
        try (GsoServer s = new GsoServer(file)) {
            TransferResult r = fetch(s, LAN.withOffload(false), file);
            assertEquals(0, r.coalescedReceives(), r.toString());
            assertTrue(s.batches.get() > 0, "the server still sent batches; the kernel cut them");
        }
    }
}
