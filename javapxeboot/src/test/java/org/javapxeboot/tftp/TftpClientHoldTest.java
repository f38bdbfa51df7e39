package org.javapxeboot.tftp;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketTimeoutException;
import java.nio.ByteBuffer;
import java.nio.channels.DatagramChannel;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Blocks beyond a gap are kept, not thrown away: once the server fills the gap, the client acknowledges
 * everything it holds in one cumulative ACK (RFC 7440 section 4), so the server does not send them again.
 * Driven packet by packet by a server that checks each ACK the client sends (repeats of the last ACK, which
 * the client's timer sends when the script is slow, are allowed and folded).
 */
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class TftpClientHoldTest {
    static final int BLKSIZE = 512, WINDOW = 10;

    /** A server that plays a fixed script and records every ACK; a wrong ACK ends the script with a failure. */
    static final class Script implements AutoCloseable {
        final DatagramChannel listen;
        final byte[] file;
        final List<Integer> acks = new ArrayList<>();
        volatile String failure;
        private DatagramChannel ch;

        Script(byte[] file) throws IOException {
            this.file = file;
            listen = DatagramChannel.open();
            listen.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
        }

        void send(int block) throws IOException {
            int off = (block - 1) * BLKSIZE, len = Math.min(BLKSIZE, file.length - off);
            ByteBuffer b = ByteBuffer.allocate(4 + len);
            b.put((byte) 0).put((byte) TftpPacket.DATA).put((byte) (block >> 8)).put((byte) block).put(file, off, len).flip();
            ch.write(b);
        }

        int ack() throws IOException {
            ByteBuffer in = ByteBuffer.allocate(64);
            ch.socket().setSoTimeout(3000);
            java.net.DatagramPacket p = new java.net.DatagramPacket(in.array(), in.capacity());
            try {
                ch.socket().receive(p);
            } catch (SocketTimeoutException e) {
                return -1;
            }
            int a = TftpCodec.peekBlock(in.array(), 0);
            acks.add(a);
            return a;
        }

        private int last = -1;

        /**
         * The next ACK must be {@code block}. A repeat of the ACK before it is skipped: the client's own timer
         * re-sends its last ACK when this script is slow to answer (a busy machine), which RFC 7440 allows.
         */
        void expect(int block) throws IOException {
            int a = ack();
            for (int repeats = 0; a >= 0 && a == last && repeats < 100; repeats++) a = ack();
            if (a != block && failure == null) failure = "expected ACK " + block + ", got " + (a < 0 ? "none in 3 s" : "ACK " + a) + "; ACKs so far " + acks;
            last = a;
        }

        /** The ACKs with timer repeats folded: what the client said, not how often. */
        List<Integer> distinctAcks() {
            List<Integer> folded = new ArrayList<>();
            for (int a : acks) if (folded.isEmpty() || folded.get(folded.size() - 1) != a) folded.add(a);
            return folded;
        }

        void run() {
            try {
                ByteBuffer in = ByteBuffer.allocate(1024);
                InetSocketAddress client = (InetSocketAddress) listen.receive(in);
                ch = DatagramChannel.open();
                ch.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
                ch.connect(client);
                ch.write(ByteBuffer.wrap(TftpCodec.encode(new TftpPacket.OptionAck(
                    Map.of(TftpOptions.BLKSIZE, Integer.toString(BLKSIZE), TftpOptions.WINDOWSIZE, Integer.toString(WINDOW))))));
                expect(0);
                // Window 1..10 with block 3 lost: the client holds 4..10 and re-ACKs 2 at the window's end.
                for (int b = 1; b <= 10; b++) if (b != 3) send(b);
                expect(2);
                // The server restarts at 3. Block 3 fills the gap: the client has 1..10 and says so at once.
                send(3);
                expect(10);
                // Window 11..20, and in the next one the short final block.
                for (int b = 11; b <= 20; b++) send(b);
                expect(20);
                send(21);
                expect(21);
            } catch (IOException | RuntimeException e) {
                if (failure == null) failure = e.toString();
            }
        }

        @Override public void close() throws IOException {
            listen.close();
            if (ch != null) ch.close();
        }
    }

    @Test void blocksBeyondAGapAreKeptAndAcknowledgedOnceItFills() throws Exception {
        byte[] file = Files2.random(BLKSIZE * 20 + 100, 9);
        try (Script s = new Script(file)) {
            Thread t = new Thread(s::run, "script-tftp");
            t.setDaemon(true);
            t.start();
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            TransferResult r = new TftpClient(TftpClient.Settings.defaults().withBlksize(BLKSIZE).withWindowsize(WINDOW)
                .withTotalTimeout(java.time.Duration.ofSeconds(20))).fetch((InetSocketAddress) s.listen.getLocalAddress(), "f", out, -1);
            t.join(5000);
            assertNull(s.failure, s.failure);
            assertEquals(Files2.sha256(file), Files2.sha256(out.toByteArray()), r.toString());
            assertEquals(List.of(0, 2, 10, 20, 21), s.distinctAcks(), "one re-ACK for the gap, then cumulative ACKs only: " + s.acks);
            assertTrue(r.retransmissions() >= 1, r.toString());
        }
    }
}
