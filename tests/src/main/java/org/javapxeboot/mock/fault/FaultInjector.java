package org.javapxeboot.mock.fault;

import java.util.Random;

/**
 * The decisions of {@link Faults} for one transfer (or one relay session): pure apart from its
 * seeded {@link Random}, single-threaded. The transport asks before each packet what to do with it.
 */
public final class FaultInjector {
    private final Faults faults;
    private final Random random;
    private final FaultCounters counters;
    private final java.util.Set<Long> droppedOnce = new java.util.HashSet<>();
    private long dataSent;

    /** @param stream distinguishes transfers so that each gets its own reproducible random stream */
    public FaultInjector(Faults faults, long stream, FaultCounters counters) {
        this.faults = faults;
        this.random = new Random(faults.seed() * 0x9E3779B97F4A7C15L + stream);
        this.counters = counters;
    }

    public Faults faults() { return faults; }

    /**
     * How many copies of an outgoing packet to send: 0 (dropped), 1, or 2 (duplicated).
     *
     * @param dataBlock the absolute DATA block number, or 0 for any other packet
     */
    public int outgoingCopies(long dataBlock) {
        if (dataBlock > 0) {
            dataSent++;
            if (faults.dropBlocks().contains(dataBlock) && droppedOnce.add(dataBlock)) return drop();
            if (faults.dropEvery() > 0 && dataSent % faults.dropEvery() == 0) return drop();
        }
        if (faults.dropProbability() > 0 && random.nextDouble() < faults.dropProbability()) return drop();
        if (dataBlock > 0 && faults.duplicateProbability() > 0 && random.nextDouble() < faults.duplicateProbability()) {
            counters.duplicated.incrementAndGet();
            return 2;
        }
        return 1;
    }

    /** True when this outgoing DATA packet should be held back and sent after the next one. */
    public boolean reorder() {
        if (faults.reorderProbability() > 0 && random.nextDouble() < faults.reorderProbability()) {
            counters.reordered.incrementAndGet();
            return true;
        }
        return false;
    }

    /** True when an incoming packet should be dropped (the random drop applies both ways). */
    public boolean dropIncoming() {
        if (faults.dropProbability() > 0 && random.nextDouble() < faults.dropProbability()) {
            drop();
            return true;
        }
        return false;
    }

    /** The one-way delay for the next packet, in nanoseconds: delay plus a uniform jitter in [0, jitter). */
    public long delayNanos() {
        double ms = faults.delayMillis();
        if (faults.jitterMillis() > 0) ms += random.nextDouble() * faults.jitterMillis();
        if (ms > 0) counters.delayed.incrementAndGet();
        return (long) (ms * 1_000_000);
    }

    public boolean delays() { return faults.delayMillis() > 0 || faults.jitterMillis() > 0; }

    private int drop() {
        counters.dropped.incrementAndGet();
        return 0;
    }
}
