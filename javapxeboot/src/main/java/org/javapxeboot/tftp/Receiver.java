package org.javapxeboot.tftp;

import java.util.Arrays;

/**
 * The receiving side of a TFTP data phase as a pure state machine: RFC 1350 lock-step and RFC 7440
 * windows, block-number rollover, blocks kept from beyond a gap, RTT-timed re-ACKs. It is fed DATA
 * packets ({@link #onData}) and clock ticks ({@link #onTick}, with the time as an argument: no clock,
 * no socket here) and answers through {@link Actions}: send this ACK, deliver these bytes, refuse
 * (send an ERROR and end). The only timer it arms is {@link #wakeAt()}; the caller waits until then
 * or until a packet comes.
 *
 * <p>Used by the bootloader's client for RRQ data (windowed, adaptive timer) and by pxe-mock's
 * server for WRQ data (lock-step, the negotiated timer). Actions are calls, not objects: a 40 MB
 * initrd is 28,000 blocks, and the hot path allocates nothing.
 *
 * @param <X> what the caller's actions may throw
 */
public final class Receiver<X extends Exception> {

    /** What {@link Actions#refuse} is told; the caller words the ERROR packet and the failure. */
    public enum Why {
        /** An in-order block larger than the negotiated blksize: {@code size} bytes, {@code limit} = blksize. */
        OVERSIZED,
        /** The file would exceed the cap: {@code size} = bytes so far plus this block, {@code limit} = the cap. */
        TOO_BIG,
        /** No progress for {@code retries} timers at the longest timeout: the peer is gone. */
        GAVE_UP
    }

    /** A reason to end the transfer; {@code block} is the block we were waiting for (a counter, it does not roll over). */
    public record Refusal(Why why, long block, long size, long limit, int retries) {}

    /** What the state machine asks of its caller. */
    public interface Actions<X extends Exception> {
        /** Send ACK for {@code block} (a counter; the wire carries its low 16 bits). */
        void ack(long block) throws X;

        /** Append {@code len} bytes of file data from {@code buf[off]}. */
        void deliver(byte[] buf, int off, int len) throws X;

        /** Send the matching ERROR and end the transfer; the state machine returns {@link Status#FAILED}. */
        void refuse(Refusal r) throws X;

        /** A window was acknowledged ({@code last}: the file is complete); for progress reports. */
        default void windowAcked(long bytes, long now, boolean last) {}
    }

    /** What an event did to the transfer. */
    public enum Status { CONTINUE, DONE, FAILED }

    /**
     * The retransmission timer.
     *
     * @param minRtoNanos       the quickest timer an RTT estimate may give
     * @param initialRtoNanos   the timer before any RTT sample
     * @param capNanos          the longest wait between retransmissions (the negotiated {@code timeout})
     * @param maxRetries        timers at the cap without progress before giving up
     * @param ackEveryDuplicate answer every repeated old block at once (an RFC 1350 lock-step receiver); false
     *                          answers at most one per timer (a window receiver: every copy of a resent window would
     *                          otherwise draw an ACK, the sorcerer's apprentice of RFC 1123 4.2.3.1)
     */
    public record Timing(long minRtoNanos, long initialRtoNanos, long capNanos, int maxRetries, boolean ackEveryDuplicate) {
        /** A fixed timer: every wait is {@code nanos}. */
        public static Timing fixed(long nanos, int maxRetries, boolean ackEveryDuplicate) {
            return new Timing(nanos, nanos, nanos, maxRetries, ackEveryDuplicate);
        }
    }

    /** Shortest wait after a gap for a reordered block to arrive before we re-ACK (socket timeouts are in ms). */
    static final long MIN_GAP_NANOS = 1_000_000L;
    /** The most bytes kept from beyond a gap (at most one window of blocks, and at most this). */
    static final long MAX_HELD_BYTES = 16L << 20;

    private final Timing timing;
    private final Actions<X> actions;
    private final long maxBytes;
    private int blksize = TftpOptions.DEFAULT_BLKSIZE, window = 1;

    /** The next block we need, as a counter that does not roll over (the wire number is its low 16 bits). */
    private long expected = 1;
    private long bytes;
    /** The block our latest ACK named, and how many in-order blocks arrived since: the peer's window is lastAck+1..lastAck+window. */
    private long lastAck = 0;
    private long lastAckNanos;
    private boolean acked;
    private int inWindow;
    private long retransmissions, duplicates, idleResends;

    // RTT estimate (RFC 6298 style) from window-end ACK to the next in-order DATA; Karn: never from a retransmission.
    private long srtt = -1, rttvar;
    private long rto;
    private long backoffRto;
    private long probeBlock = -1, probeSent;
    private long idleDeadline = Long.MAX_VALUE;
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
    /** The block the peer restarts its window from after our last recovery ACK, or -1. */
    private long restartAt = -1;
    private int retriesAtCap, consecutive;

    public Receiver(Timing timing, long maxBytes, Actions<X> actions) {
        this.timing = timing;
        this.maxBytes = maxBytes < 0 ? Long.MAX_VALUE : maxBytes;
        this.actions = actions;
        this.rto = timing.initialRtoNanos();
        this.backoffRto = rto;
    }

    /** Feeds one round-trip sample (e.g. request to first answer) before the data phase starts. */
    public void sampleRtt(long sample) {
        if (srtt < 0) {
            srtt = sample;
            rttvar = sample / 2;
        } else {
            long err = sample - srtt;
            srtt += err / 8;
            rttvar += (Math.abs(err) - rttvar) / 4;
        }
        rto = Math.max(timing.minRtoNanos(), Math.min(timing.capNanos(), srtt + 4 * rttvar));
    }

    /** Starts the data phase at {@code now} with the negotiated block size and window; no ACK is sent. */
    public void begin(int blksize, int window, long now) {
        this.blksize = blksize;
        this.window = window;
        resetIdle(now);
    }

    /** Starts the data phase by acknowledging the options (ACK 0, RFC 2347). */
    public void beginWithAck(int blksize, int window, long now) throws X {
        begin(blksize, window, now);
        sendAck(0, now);
    }

    /** The earliest time {@link #onTick} has work to do (the gap or the idle timer). */
    public long wakeAt() {
        return gapDeadline >= 0 ? Math.min(idleDeadline, gapDeadline) : idleDeadline;
    }

    /** Fires the timers that are due at {@code now}. */
    public Status onTick(long now) throws X {
        if (gapDeadline >= 0 && now >= gapDeadline) {
            nak(now);
            return Status.CONTINUE;
        }
        if (now >= idleDeadline) return onIdle(now);
        return Status.CONTINUE;
    }

    /** The peer repeated its OACK before any data: our ACK 0 was lost. Answer once per timer, not per copy. */
    public void onRepeatedOack(long now) throws X {
        if (expected != 1) return;
        duplicates++;
        if (!acked || now - lastAckNanos >= rto) {
            retransmissions++;
            sendAck(0, now);
        }
    }

    /** Handles a DATA packet at {@code buf[off, off + len)} (header included) from the peer's TID. */
    public Status onData(byte[] buf, int off, int len, long now) throws X {
        if (len < 4) return Status.CONTINUE;
        int wire = TftpCodec.peekBlock(buf, off);
        int d = (wire - (int) (expected & 0xFFFF)) & 0xFFFF;
        if (d == 0) {
            int n = len - 4;
            if (n > blksize) return refuse(Why.OVERSIZED, n, blksize);
            if (n > maxBytes - bytes) return refuse(Why.TOO_BIG, bytes + n, maxBytes);
            actions.deliver(buf, off + 4, n);
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
                if (m > maxBytes - bytes) return refuse(Why.TOO_BIG, bytes + m, maxBytes);
                actions.deliver(held[slot], 0, m);
                bytes += m;
                expected++;
                inWindow++;
                drained++;
                if (m < blksize) return finish(now);
            }
            if (drained > 0 && restarted) {
                // The peer restarted its window at the gap and is sending again what we kept: a
                // cumulative ACK of the last block we have moves it past them (RFC 7440 section 4).
                sendAck(expected - 1, now);
                probeBlock = -1;
                restartAt = expected;
                actions.windowAcked(bytes, now, false);
            } else if (inWindow >= window) {
                // RFC 7440: ACK the last block of each window; its answer times the round trip.
                sendAck(expected - 1, now);
                probeBlock = expected;
                probeSent = now;
                actions.windowAcked(bytes, now, false);
            }
            return Status.CONTINUE;
        }
        if (d < 0x8000) {
            // A block from beyond a gap: one before it was lost (or is late). If it ends the peer's
            // window the peer now waits for our ACK, so re-ACK the last in-order block at once and it
            // restarts the window there (RFC 7440 section 4); otherwise give a reordered block a moment.
            long block = expected + d;
            if (d < window) hold(block, buf, off + 4, len - 4);
            if (block >= lastAck + window) nak(now);
            else if (gapDeadline < 0) gapDeadline = now + gapDelay();
            return Status.CONTINUE;
        }
        // An old block: the peer resent a window (our ACK was lost, or it timed out). Re-ACK once per
        // timer at most; answering every copy is the sorcerer's apprentice (RFC 1350 errata, RFC 1123 4.2.3.1).
        duplicates++;
        if (timing.ackEveryDuplicate() || !acked || now - lastAckNanos >= rto) {
            retransmissions++;
            sendAck(expected - 1, now);
            probeBlock = -1;
        }
        return Status.CONTINUE;
    }

    private Status refuse(Why why, long size, long limit) throws X {
        actions.refuse(new Refusal(why, expected, size, limit, consecutive));
        return Status.FAILED;
    }

    /** The short block ended the file (RFC 1350): its ACK is the last packet we send. */
    private Status finish(long now) throws X {
        sendAck(expected - 1, now);
        actions.windowAcked(bytes, now, true);
        return Status.DONE;
    }

    /**
     * Keeps {@code block} ({@code n} bytes at {@code buf[from]}) until the gap before it fills, so that
     * the peer's restart from the gap need not bring it again. Bounded by one window and {@link #MAX_HELD_BYTES};
     * an oversized block is not kept (it is refused when it comes in order).
     */
    private void hold(long block, byte[] buf, int from, int n) {
        if (n > blksize || n < 0) return;
        if (held == null) {
            if (window < 2) return;
            held = new byte[window][];
            heldLen = new int[window];
            heldTag = new long[window];
            Arrays.fill(heldTag, -1);
        }
        int slot = (int) (block % window);
        if (heldTag[slot] == block) {
            duplicates++;
            return;
        }
        if (heldTag[slot] >= 0) {
            heldBytes -= heldLen[slot]; // a block from an older window the peer will send again
        }
        if (heldBytes + n > MAX_HELD_BYTES) {
            heldTag[slot] = -1;
            return;
        }
        if (held[slot] == null) held[slot] = new byte[blksize];
        System.arraycopy(buf, from, held[slot], 0, n);
        heldLen[slot] = n;
        heldTag[slot] = block;
        heldBytes += n;
    }

    /** Re-ACKs the last in-order block after a gap, at most once per retransmission timer for the same block. */
    private void nak(long now) throws X {
        gapDeadline = -1;
        if (nakFor == expected && now - nakNanos < rto) return;
        nakFor = expected;
        nakNanos = now;
        retransmissions++;
        sendAck(expected - 1, now);
        probeBlock = -1;
        restartAt = expected;
        idleDeadline = now + backoffRto;
    }

    /** Nothing useful arrived for a whole timer: the window's tail or our ACK was lost. Re-ACK, back off. */
    private Status onIdle(long now) throws X {
        if (backoffRto >= timing.capNanos() && ++retriesAtCap > timing.maxRetries()) {
            actions.refuse(new Refusal(Why.GAVE_UP, expected, bytes, maxBytes, consecutive));
            return Status.FAILED;
        }
        consecutive++;
        retransmissions++;
        idleResends++;
        sendAck(expected - 1, now);
        probeBlock = -1;
        restartAt = expected;
        backoffRto = Math.min(backoffRto * 2, timing.capNanos());
        idleDeadline = now + backoffRto;
        return Status.CONTINUE;
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

    private void sendAck(long block, long now) throws X {
        actions.ack(block);
        lastAck = block;
        lastAckNanos = now;
        acked = true;
        inWindow = 0;
    }

    /** File bytes delivered so far. */
    public long bytes() { return bytes; }
    /** The next block needed (a counter from 1; it does not roll over). */
    public long expected() { return expected; }
    public int blksize() { return blksize; }
    public int window() { return window; }
    /** ACKs sent again: on a gap, a timeout or a repeated block. */
    public long retransmissions() { return retransmissions; }
    /** ACKs sent again because a whole timer passed without progress. */
    public long idleResends() { return idleResends; }
    /** DATA (or OACK) packets that arrived a second time. */
    public long duplicates() { return duplicates; }
    /** The current retransmission timer. */
    public long rtoNanos() { return rto; }
}
