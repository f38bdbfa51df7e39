package org.javapxeboot.tftp;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.ByteArrayOutputStream;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The receiver as pxe-mock's WRQ side runs it: lock-step, a fixed timer, every duplicate answered. */
class ReceiverTest {
    private static final long TIMER = 300_000_000L;

    private final List<String> sent = new ArrayList<>();
    private final ByteArrayOutputStream file = new ByteArrayOutputStream();
    private final List<Receiver.Refusal> refusals = new ArrayList<>();
    private final Receiver.Actions<RuntimeException> actions = new Receiver.Actions<>() {
        @Override public void ack(long block) { sent.add("ACK " + block); }
        @Override public void deliver(byte[] buf, int off, int len) { file.write(buf, off, len); }
        @Override public void refuse(Receiver.Refusal r) { refusals.add(r); }
    };

    private Receiver<RuntimeException> lockStep(long maxBytes) {
        Receiver<RuntimeException> r = new Receiver<>(Receiver.Timing.fixed(TIMER, 2, true), maxBytes, actions);
        r.begin(512, 1, 0);
        return r;
    }

    private static byte[] data(int block, int len) {
        byte[] p = new byte[len];
        java.util.Arrays.fill(p, (byte) block);
        return TftpCodec.encode(new TftpPacket.Data(block, p));
    }

    private Receiver.Status feed(Receiver<RuntimeException> r, byte[] p, long now) {
        return r.onData(p, 0, p.length, now);
    }

    @Test void lockStepAcksEveryBlockAndEveryDuplicate() {
        Receiver<RuntimeException> r = lockStep(-1);
        assertEquals(Receiver.Status.CONTINUE, feed(r, data(1, 512), 1));
        assertEquals(Receiver.Status.CONTINUE, feed(r, data(1, 512), 2));
        assertEquals(Receiver.Status.CONTINUE, feed(r, data(1, 512), 3));
        assertEquals(Receiver.Status.DONE, feed(r, data(2, 3), 4));
        assertEquals(List.of("ACK 1", "ACK 1", "ACK 1", "ACK 2"), sent, "RFC 1350: a repeated block repeats its ACK");
        assertEquals(515, file.size());
        assertEquals(2, r.duplicates());
    }

    @Test void theFixedTimerResendsTheLastAckThenGivesUp() {
        Receiver<RuntimeException> r = lockStep(-1);
        assertEquals(TIMER, r.wakeAt());
        assertEquals(Receiver.Status.CONTINUE, r.onTick(TIMER - 1));
        assertEquals(List.of(), sent);
        long now = TIMER;
        for (int i = 0; i < 2; i++) {
            assertEquals(Receiver.Status.CONTINUE, r.onTick(now));
            assertEquals(now + TIMER, r.wakeAt(), "no backoff beyond the fixed timer");
            now = r.wakeAt();
        }
        assertEquals(List.of("ACK 0", "ACK 0"), sent, "ACK 0 stands for the opening reply (the OACK, on a WRQ)");
        assertEquals(Receiver.Status.FAILED, r.onTick(now));
        assertEquals(List.of(new Receiver.Refusal(Receiver.Why.GAVE_UP, 1, 0, Long.MAX_VALUE, 2)), refusals);
        assertEquals(2, r.idleResends());
    }

    @Test void progressResetsTheRetries() {
        Receiver<RuntimeException> r = lockStep(-1);
        r.onTick(TIMER);
        r.onTick(2 * TIMER);
        feed(r, data(1, 512), 2 * TIMER + 5);
        assertEquals(3 * TIMER + 5, r.wakeAt());
        r.onTick(3 * TIMER + 5);
        r.onTick(4 * TIMER + 5);
        assertEquals(List.of(), refusals, "two timers after progress are within the limit again");
    }

    @Test void theWriteCapAndBlksizeAreEnforced() {
        Receiver<RuntimeException> r = lockStep(600);
        feed(r, data(1, 512), 1);
        assertEquals(Receiver.Status.FAILED, feed(r, data(2, 100), 2));
        assertEquals(new Receiver.Refusal(Receiver.Why.TOO_BIG, 2, 612, 600, 0), refusals.get(0));
        Receiver<RuntimeException> r2 = lockStep(-1);
        assertEquals(Receiver.Status.FAILED, feed(r2, data(1, 513), 1));
        assertEquals(new Receiver.Refusal(Receiver.Why.OVERSIZED, 1, 513, 512, 0), refusals.get(1));
        assertArrayEquals(data(1, 512), TftpCodec.encode(new TftpPacket.Data(1, java.util.Arrays.copyOf(file.toByteArray(), 512))));
    }

    @Test void theRttEstimateSetsTheAdaptiveTimer() {
        Receiver<RuntimeException> r = new Receiver<>(new Receiver.Timing(10_000_000L, 500_000_000L, 1_000_000_000L, 5, false), -1, actions);
        assertEquals(500_000_000L, r.rtoNanos());
        r.sampleRtt(4_000_000L);
        assertEquals(12_000_000L, r.rtoNanos(), "srtt + 4 * rttvar, rttvar = sample / 2");
        r.sampleRtt(1_000L);
        assertEquals(13_499_125L, r.rtoNanos(), "srtt moves by an eighth of the error, rttvar by a quarter");
        Receiver<RuntimeException> fast = new Receiver<>(new Receiver.Timing(10_000_000L, 500_000_000L, 1_000_000_000L, 5, false), -1, actions);
        fast.sampleRtt(1_000L);
        assertEquals(10_000_000L, fast.rtoNanos(), "never below the floor");
        r.sampleRtt(5_000_000_000L);
        assertEquals(1_000_000_000L, r.rtoNanos(), "never above the cap");
    }
}
