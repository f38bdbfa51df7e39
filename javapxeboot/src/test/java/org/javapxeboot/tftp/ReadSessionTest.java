package org.javapxeboot.tftp;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The client's transfer as a state machine: packets and clock ticks in, the packets it would send out.
 * No socket, no sleep: time is a number the test moves.
 */
class ReadSessionTest {
    private static final long MS = 1_000_000L;
    private static final String URL = "tftp://10.0.0.1/f";

    /** Records what the session asks of the socket. */
    static final class Wire implements ReadSession.Actions {
        final List<String> sent = new ArrayList<>();
        final List<String> log = new ArrayList<>();
        final ByteArrayOutputStream file = new ByteArrayOutputStream();
        final List<Long> progress = new ArrayList<>();
        byte[] lastRequest;

        @Override public void sendRequest(byte[] rrq) { lastRequest = rrq; sent.add("RRQ"); }
        @Override public void ack(long block) { sent.add("ACK " + (block & 0xFFFF)); }
        @Override public void error(int code, String message) { sent.add("ERROR " + code + " " + message); }
        @Override public void deliver(byte[] buf, int off, int len) { file.write(buf, off, len); }
        @Override public void progress(long bytes, long expectedBytes) { progress.add(bytes); }
        @Override public void log(String message) { log.add(message); }

        List<String> take() {
            List<String> s = new ArrayList<>(sent);
            sent.clear();
            return s;
        }
    }

    private final Wire wire = new Wire();
    private long now = 1_000 * MS;

    private ReadSession session(ReadSession.Rung rung, int blksize, int window, long maxBytes) throws TftpException {
        ReadSession s = new ReadSession(new ReadSession.Params(URL, "f", rung, blksize, window, true, 1, 2, maxBytes), wire);
        s.start(now);
        assertEquals(List.of("RRQ"), wire.take());
        return s;
    }

    private static byte[] oack(String... kv) {
        Map<String, String> m = new LinkedHashMap<>();
        for (int i = 0; i < kv.length; i += 2) m.put(kv[i], kv[i + 1]);
        return TftpCodec.encode(new TftpPacket.OptionAck(m));
    }

    private static byte[] data(long block, byte[] file, int blksize) {
        int from = (int) ((block - 1) * blksize);
        int len = Math.max(0, Math.min(blksize, file.length - from));
        byte[] p = new byte[len];
        if (len > 0) System.arraycopy(file, from, p, 0, len);
        return TftpCodec.encode(new TftpPacket.Data((int) (block & 0xFFFF), p));
    }

    private boolean feed(ReadSession s, byte[] packet) throws Exception {
        return s.onPacket(packet, 0, packet.length, now);
    }

    private static byte[] file(int n) {
        byte[] b = new byte[n];
        for (int i = 0; i < n; i++) b[i] = (byte) (i * 31 + 7);
        return b;
    }

    @Test void inOrderWindowedTransferAcksEachWindowEnd() throws Exception {
        byte[] f = file(8 * 7 + 3); // 8 blocks, the last short
        ReadSession s = session(ReadSession.Rung.ALL, 8, 4, -1);
        assertFalse(feed(s, oack("blksize", "8", "tsize", Integer.toString(f.length), "timeout", "1", "windowsize", "4")));
        assertEquals(List.of("ACK 0"), wire.take());
        assertTrue(s.optionsAccepted());
        for (int b = 1; b <= 7; b++) assertFalse(feed(s, data(b, f, 8)));
        assertEquals(List.of("ACK 4"), wire.take(), "one ACK per window");
        assertTrue(feed(s, data(8, f, 8)));
        assertEquals(List.of("ACK 8"), wire.take(), "the short block ends the file");
        assertArrayEquals(f, wire.file.toByteArray());
        assertEquals(f.length, s.tsize());
        assertEquals(0, s.retransmissions());
    }

    @Test void theRequestIsResentWithBackoffThenGivenUp() throws Exception {
        ReadSession s = session(ReadSession.Rung.PLAIN, 512, 1, -1);
        assertEquals(now + ReadSession.INITIAL_RTO_NANOS, s.wakeAt());
        now = s.wakeAt() - 1;
        s.onTick(now);
        assertEquals(List.of(), wire.take(), "not yet due");
        now = s.wakeAt();
        s.onTick(now);
        assertEquals(List.of("RRQ"), wire.take());
        assertEquals(now + 1000 * MS, s.wakeAt(), "doubled, up to the 1 s timeout");
        for (int i = 0; i < 2; i++) {
            now = s.wakeAt();
            s.onTick(now);
        }
        assertEquals(List.of("RRQ", "RRQ"), wire.take());
        now = s.wakeAt();
        TftpException e = assertThrows(TftpException.class, () -> s.onTick(now));
        assertEquals(URL + ": no answer after 3 retransmissions of the request", e.getMessage());
    }

    @Test void aLostBlockIsReAckedWhenTheTimerFires() throws Exception {
        byte[] f = file(512 * 2 + 10);
        ReadSession s = session(ReadSession.Rung.PLAIN, 512, 1, -1);
        assertFalse(feed(s, data(1, f, 512)));
        assertEquals(List.of("ACK 1"), wire.take());
        // DATA 2 is lost: nothing comes until the timer.
        now = s.wakeAt();
        s.onTick(now);
        assertEquals(List.of("ACK 1"), wire.take(), "the re-ACK asks for block 2 again");
        assertEquals(1, s.retransmissions());
        assertFalse(feed(s, data(2, f, 512)));
        assertTrue(feed(s, data(3, f, 512)));
        assertArrayEquals(f, wire.file.toByteArray());
    }

    @Test void theClientGivesUpWithAnErrorAfterMaxRetries() throws Exception {
        ReadSession s = session(ReadSession.Rung.ALL, 8, 4, -1);
        feed(s, oack("blksize", "8", "tsize", "80", "windowsize", "4"));
        wire.take();
        for (int i = 0; i < 40 && wire.sent.stream().noneMatch(x -> x.startsWith("ERROR")); i++) {
            now = s.wakeAt();
            try {
                s.onTick(now);
            } catch (TftpException e) {
                assertTrue(e.getMessage().startsWith(URL + ": no answer after "), e.getMessage());
                assertTrue(e.getMessage().endsWith("(block 1 of ~11)"), e.getMessage());
            }
        }
        List<String> sent = wire.take();
        assertEquals("ERROR 0 client gave up: no data", sent.get(sent.size() - 1));
        assertTrue(sent.subList(0, sent.size() - 1).stream().allMatch("ACK 0"::equals), sent.toString());
    }

    @Test void aDuplicateBlockIsIgnoredAndReAckedOncePerTimer() throws Exception {
        byte[] f = file(8 * 10);
        ReadSession s = session(ReadSession.Rung.ALL, 8, 2, -1);
        feed(s, oack("blksize", "8", "windowsize", "2"));
        wire.take();
        feed(s, data(1, f, 8));
        feed(s, data(2, f, 8));
        assertEquals(List.of("ACK 2"), wire.take());
        now += 2 * MS;
        feed(s, data(1, f, 8)); // the server resent the window: our ACK 2 was lost, or it was impatient
        feed(s, data(2, f, 8));
        assertEquals(List.of(), wire.take(), "within the timer no copy draws an ACK (sorcerer's apprentice)");
        assertEquals(2, s.duplicates());
        now += 2000 * MS;
        feed(s, data(1, f, 8));
        assertEquals(List.of("ACK 2"), wire.take(), "a copy after a whole timer is answered once");
        assertEquals(16, wire.file.size(), "nothing delivered twice");
    }

    @Test void aGapAtTheWindowEndIsReAckedAtOnceAndHeldBlocksDrain() throws Exception {
        byte[] f = file(8 * 8 + 1);
        ReadSession s = session(ReadSession.Rung.ALL, 8, 4, -1);
        feed(s, oack("blksize", "8", "windowsize", "4"));
        wire.take();
        feed(s, data(1, f, 8));
        feed(s, data(3, f, 8)); // 2 lost
        assertEquals(List.of(), wire.take(), "a gap mid-window waits a moment for a reordered block");
        feed(s, data(4, f, 8));
        assertEquals(List.of("ACK 1"), wire.take(), "the window's last block came: re-ACK the gap at once");
        // The server restarts at 2; 3 and 4 were kept, so 2 completes the window and a cumulative ACK skips them.
        feed(s, data(2, f, 8));
        assertEquals(List.of("ACK 4"), wire.take());
        assertEquals(32, wire.file.size());
        assertArrayEquals(java.util.Arrays.copyOf(f, 32), wire.file.toByteArray());
        feed(s, data(3, f, 8)); // the restarted window's copies of what we kept
        feed(s, data(4, f, 8));
        for (int b = 5; b <= 8; b++) feed(s, data(b, f, 8));
        assertEquals(List.of("ACK 8"), wire.take());
        assertTrue(feed(s, data(9, f, 8)));
        assertArrayEquals(f, wire.file.toByteArray());
    }

    @Test void aGapMidWindowIsReAckedWhenTheGapTimerFires() throws Exception {
        byte[] f = file(8 * 8 + 1);
        ReadSession s = session(ReadSession.Rung.ALL, 8, 4, -1);
        feed(s, oack("blksize", "8", "windowsize", "4"));
        wire.take();
        feed(s, data(1, f, 8));
        feed(s, data(3, f, 8));
        long gapAt = s.wakeAt();
        assertTrue(gapAt - now <= 500 * MS && gapAt - now >= Receiver.MIN_GAP_NANOS, "a short gap timer is armed");
        now = gapAt;
        s.onTick(now);
        assertEquals(List.of("ACK 1"), wire.take());
    }

    @Test void blocksOutOfTheWindowAreNotKept() throws Exception {
        byte[] f = file(8 * 20);
        ReadSession s = session(ReadSession.Rung.ALL, 8, 4, -1);
        feed(s, oack("blksize", "8", "windowsize", "4"));
        wire.take();
        feed(s, data(1, f, 8));
        feed(s, data(10, f, 8)); // far beyond the window: a hostile or confused server
        assertEquals(List.of("ACK 1"), wire.take(), "it is only a sign of a gap");
        feed(s, data(40_000, f, 8)); // more than half the number space away: an "old" block
        assertEquals(List.of(), wire.take(), "a re-ACK at most once per timer");
        for (int b = 2; b <= 9; b++) feed(s, data(b, f, 8));
        assertEquals(8 * 9, wire.file.size(), "block 10 was never delivered out of order");
        assertArrayEquals(java.util.Arrays.copyOf(f, 72), wire.file.toByteArray());
    }

    @Test void blockNumbersRollOverAfter65535() throws Exception {
        int blocks = 65536 + 3;
        byte[] f = file(8 * (blocks - 1) + 5);
        ReadSession s = session(ReadSession.Rung.ALL, 8, 16, -1);
        feed(s, oack("blksize", "8", "windowsize", "16"));
        wire.take();
        for (int b = 1; b < blocks; b++) assertFalse(feed(s, data(b, f, 8)));
        assertTrue(feed(s, data(blocks, f, 8)));
        List<String> acks = wire.take();
        assertTrue(acks.contains("ACK 0"), "block 65536 is ACKed as 0");
        assertEquals("ACK " + (blocks & 0xFFFF), acks.get(acks.size() - 1));
        assertArrayEquals(f, wire.file.toByteArray());
    }

    @Test void optionsTheServerLoweredAreUsed() throws Exception {
        ReadSession s = session(ReadSession.Rung.ALL, 1468, 64, -1);
        feed(s, oack("blksize", "1024", "windowsize", "8"));
        assertEquals(1024, s.blksize());
        assertEquals(8, s.windowsize());
        assertEquals(List.of(URL + ": server lowered blksize 1468 -> 1024", URL + ": server lowered windowsize 64 -> 8"), wire.log);
    }

    @Test void anOackBeyondWhatWeAskedIsRefusedWithError8() throws Exception {
        ReadSession s = session(ReadSession.Rung.ALL, 1468, 4, -1);
        ReadSession.Fallback f = assertThrows(ReadSession.Fallback.class, () -> feed(s, oack("blksize", "9000")));
        assertEquals(ReadSession.Rung.PLAIN, f.next());
        assertEquals(List.of("ERROR 8 OACK blksize 9000 is outside 8..1468"), wire.take());
        ReadSession s2 = session(ReadSession.Rung.NO_WINDOW, 1468, 1, -1);
        assertThrows(ReadSession.Fallback.class, () -> feed(s2, oack("windowsize", "4")));
        assertEquals(List.of("ERROR 8 OACK answers windowsize, which we did not ask for"), wire.take());
        ReadSession s3 = session(ReadSession.Rung.ALL, 1468, 4, -1);
        assertThrows(ReadSession.Fallback.class, () -> feed(s3, new byte[] {0, 6, 'x'}));
        assertTrue(wire.take().get(0).startsWith("ERROR 8 malformed OACK"));
    }

    @Test void aServerThatRefusesOurOptionsMakesUsStepDownTheLadder() throws Exception {
        ReadSession s = session(ReadSession.Rung.ALL, 1468, 4, -1);
        byte[] err8 = TftpCodec.encode(new TftpPacket.Error(8, "no windowsize"));
        ReadSession.Fallback f = assertThrows(ReadSession.Fallback.class, () -> feed(s, err8));
        assertEquals(ReadSession.Rung.NO_WINDOW, f.next());
        assertEquals("server error 8 (no windowsize) to our options", f.getMessage());
        ReadSession s2 = session(ReadSession.Rung.NO_WINDOW, 1468, 1, -1);
        assertEquals(ReadSession.Rung.PLAIN, assertThrows(ReadSession.Fallback.class, () -> feed(s2, err8)).next());
        ReadSession s3 = session(ReadSession.Rung.PLAIN, 512, 1, -1);
        TftpException e = assertThrows(TftpException.class, () -> feed(s3, err8));
        assertEquals(URL + ": server error 8 (no windowsize)", e.getMessage(), "no rung below plain RFC 1350");
    }

    @Test void aServerThatIgnoresOptionsGetsLockStep() throws Exception {
        byte[] f = file(100);
        ReadSession s = session(ReadSession.Rung.ALL, 1468, 64, -1);
        assertTrue(feed(s, data(1, f, 512)));
        assertEquals(List.of("ACK 1"), wire.take());
        assertEquals(512, s.blksize());
        assertFalse(s.optionsAccepted());
        assertEquals(List.of(URL + ": server ignored the options; RFC 1350 lock-step with 512-byte blocks"), wire.log);
    }

    @Test void anErrorFromTheServerEndsTheTransfer() throws Exception {
        byte[] f = file(100);
        ReadSession s = session(ReadSession.Rung.PLAIN, 512, 1, -1);
        TftpException e = assertThrows(TftpException.class, () -> feed(s, TftpCodec.encode(new TftpPacket.Error(1, "File not found"))));
        assertTrue(e.isFileNotFound());
        ReadSession s2 = session(ReadSession.Rung.ALL, 8, 4, -1);
        feed(s2, oack("blksize", "8"));
        feed(s2, data(1, f, 8));
        e = assertThrows(TftpException.class, () -> feed(s2, TftpCodec.encode(new TftpPacket.Error(2, "Access violation"))));
        assertEquals(URL + ": server error 2 (Access violation)", e.getMessage());
    }

    @Test void aRepeatedOackIsAnsweredOncePerTimer() throws Exception {
        ReadSession s = session(ReadSession.Rung.ALL, 8, 4, -1);
        feed(s, oack("blksize", "8"));
        assertEquals(List.of("ACK 0"), wire.take());
        feed(s, oack("blksize", "8"));
        assertEquals(List.of(), wire.take());
        now += 1000 * MS;
        feed(s, oack("blksize", "8"));
        assertEquals(List.of("ACK 0"), wire.take());
        assertEquals(2, s.duplicates());
    }

    @Test void tsizeAboveTheCapIsRefusedBeforeAnyData() throws Exception {
        ReadSession s = session(ReadSession.Rung.ALL, 8, 4, 100);
        TftpException e = assertThrows(TftpException.class, () -> feed(s, oack("blksize", "8", "tsize", "101")));
        assertEquals(URL + ": file of 101 bytes (tsize) exceeds the cap of 100 bytes", e.getMessage());
        assertEquals(List.of("ERROR 3 file of 101 bytes exceeds the cap of 100"), wire.take());
    }

    @Test void dataBeyondTheCapIsRefused() throws Exception {
        byte[] f = file(8 * 5);
        ReadSession s = session(ReadSession.Rung.ALL, 8, 4, 20);
        feed(s, oack("blksize", "8"));
        feed(s, data(1, f, 8));
        feed(s, data(2, f, 8));
        wire.take();
        TftpException e = assertThrows(TftpException.class, () -> feed(s, data(3, f, 8)));
        assertEquals(URL + ": file exceeds the cap of 20 bytes (block 3)", e.getMessage());
        assertEquals(List.of("ERROR 3 file exceeds the cap of 20 bytes"), wire.take());
        assertEquals(16, wire.file.size());
    }

    @Test void anOversizedBlockIsRefused() throws Exception {
        ReadSession s = session(ReadSession.Rung.ALL, 8, 1, -1);
        feed(s, oack("blksize", "8"));
        wire.take();
        byte[] big = TftpCodec.encode(new TftpPacket.Data(1, new byte[9]));
        TftpException e = assertThrows(TftpException.class, () -> feed(s, big));
        assertEquals(URL + ": server sent block 1 of 9 bytes, more than blksize 8", e.getMessage());
        assertEquals(List.of("ERROR 4 block of 9 bytes exceeds blksize 8"), wire.take());
    }

    @Test void onlyAnswersFixTheServersTid() throws Exception {
        assertTrue(ReadSession.isAnswer(oack("blksize", "8"), 0, 10));
        assertTrue(ReadSession.isAnswer(TftpCodec.encode(new TftpPacket.Data(1, new byte[0])), 0, 4));
        assertFalse(ReadSession.isAnswer(TftpCodec.encode(new TftpPacket.Ack(1)), 0, 4));
        ReadSession s = session(ReadSession.Rung.PLAIN, 512, 1, -1);
        assertFalse(feed(s, TftpCodec.encode(new TftpPacket.Ack(0))));
        assertFalse(s.answered(), "an ACK from the server's address is not an answer to a read");
    }

    @Test void theRequestCarriesTheRungsOptions() throws Exception {
        TftpPacket.Request all = (TftpPacket.Request) TftpCodec.decode(session(ReadSession.Rung.ALL, 1468, 64, -1).request());
        assertEquals(Map.of("blksize", "1468", "tsize", "0", "timeout", "1", "windowsize", "64"), all.options());
        TftpPacket.Request noWindow = (TftpPacket.Request) TftpCodec.decode(session(ReadSession.Rung.NO_WINDOW, 1468, 1, -1).request());
        assertEquals(Map.of("blksize", "1468", "tsize", "0", "timeout", "1"), noWindow.options());
        TftpPacket.Request plain = (TftpPacket.Request) TftpCodec.decode(session(ReadSession.Rung.PLAIN, 512, 1, -1).request());
        assertEquals(Map.of(), plain.options());
    }
}
