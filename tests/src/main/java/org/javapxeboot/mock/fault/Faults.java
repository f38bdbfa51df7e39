package org.javapxeboot.mock.fault;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;

/**
 * Misbehaviour switches of the mock server. Immutable; {@link #none()} is a well-behaved server.
 * Random decisions come from a {@link java.util.Random} seeded with {@link #seed()} plus the
 * transfer's sequence number, so a sequence of transfers misbehaves the same way on every run.
 *
 * <p>TFTP: {@code drop} applies to every packet of a transfer in both directions (outgoing OACK/DATA,
 * incoming ACKs); {@code dropBlocks}, {@code dropEvery}, {@code duplicate} and {@code reorder} apply to
 * outgoing DATA only; {@code delay}/{@code jitter} apply to each direction (so a 1 ms RTT link is
 * {@code delayMillis(0.5)}). DHCP: see the {@code dhcp*} switches.
 */
public final class Faults {
    private static final Faults NONE = builder().build();

    private final double dropProbability;
    private final Set<Long> dropBlocks;
    private final int dropEvery;
    private final double duplicateProbability;
    private final double reorderProbability;
    private final double delayMillis;
    private final double jitterMillis;
    private final boolean refuseOptions;
    private final List<ErrorFault> errors;
    private final long stallAfter;
    private final long seed;
    private final boolean dhcpNoAnswer;
    private final int dhcpIgnoreFirst;
    private final boolean dhcpOtherMacFirst;
    private final boolean dhcpOtherXidFirst;
    private final boolean dhcpNak;

    private Faults(Builder b) {
        dropProbability = b.dropProbability;
        dropBlocks = java.util.Collections.unmodifiableSet(new TreeSet<>(b.dropBlocks));
        dropEvery = b.dropEvery;
        duplicateProbability = b.duplicateProbability;
        reorderProbability = b.reorderProbability;
        delayMillis = b.delayMillis;
        jitterMillis = b.jitterMillis;
        refuseOptions = b.refuseOptions;
        errors = List.copyOf(b.errors);
        stallAfter = b.stallAfter;
        seed = b.seed;
        dhcpNoAnswer = b.dhcpNoAnswer;
        dhcpIgnoreFirst = b.dhcpIgnoreFirst;
        dhcpOtherMacFirst = b.dhcpOtherMacFirst;
        dhcpOtherXidFirst = b.dhcpOtherXidFirst;
        dhcpNak = b.dhcpNak;
    }

    public static Faults none() { return NONE; }

    public static Builder builder() { return new Builder(); }

    public Builder toBuilder() {
        Builder b = new Builder();
        b.dropProbability = dropProbability;
        b.dropBlocks.addAll(dropBlocks);
        b.dropEvery = dropEvery;
        b.duplicateProbability = duplicateProbability;
        b.reorderProbability = reorderProbability;
        b.delayMillis = delayMillis;
        b.jitterMillis = jitterMillis;
        b.refuseOptions = refuseOptions;
        b.errors.addAll(errors);
        b.stallAfter = stallAfter;
        b.seed = seed;
        b.dhcpNoAnswer = dhcpNoAnswer;
        b.dhcpIgnoreFirst = dhcpIgnoreFirst;
        b.dhcpOtherMacFirst = dhcpOtherMacFirst;
        b.dhcpOtherXidFirst = dhcpOtherXidFirst;
        b.dhcpNak = dhcpNak;
        return b;
    }

    public double dropProbability() { return dropProbability; }
    /** Absolute DATA block numbers (1-based, counted past rollover) whose first transmission is dropped. */
    public Set<Long> dropBlocks() { return dropBlocks; }
    /** Drop every Nth outgoing DATA packet of a transfer (0: off). */
    public int dropEvery() { return dropEvery; }
    public double duplicateProbability() { return duplicateProbability; }
    public double reorderProbability() { return reorderProbability; }
    public double delayMillis() { return delayMillis; }
    public double jitterMillis() { return jitterMillis; }
    public boolean refuseOptions() { return refuseOptions; }
    public List<ErrorFault> errors() { return errors; }
    /** Stop sending after this DATA block (absolute, 1-based); 0: off. */
    public long stallAfter() { return stallAfter; }
    public long seed() { return seed; }
    public boolean dhcpNoAnswer() { return dhcpNoAnswer; }
    public int dhcpIgnoreFirst() { return dhcpIgnoreFirst; }
    public boolean dhcpOtherMacFirst() { return dhcpOtherMacFirst; }
    public boolean dhcpOtherXidFirst() { return dhcpOtherXidFirst; }
    public boolean dhcpNak() { return dhcpNak; }

    /** True when any switch that changes how TFTP packets travel is on (not refuse/error/stall). */
    public boolean perturbsPackets() {
        return dropProbability > 0 || !dropBlocks.isEmpty() || dropEvery > 0 || duplicateProbability > 0
            || reorderProbability > 0 || delayMillis > 0 || jitterMillis > 0;
    }

    /** The first error fault that applies to {@code filename}, or null. */
    public ErrorFault errorFor(String filename) {
        for (ErrorFault e : errors) if (e.appliesTo(filename)) return e;
        return null;
    }

    @Override public String toString() {
        StringBuilder s = new StringBuilder("Faults[");
        if (dropProbability > 0) s.append(" drop=").append(dropProbability);
        if (!dropBlocks.isEmpty()) s.append(" dropBlocks=").append(dropBlocks);
        if (dropEvery > 0) s.append(" dropEvery=").append(dropEvery);
        if (duplicateProbability > 0) s.append(" duplicate=").append(duplicateProbability);
        if (reorderProbability > 0) s.append(" reorder=").append(reorderProbability);
        if (delayMillis > 0) s.append(" delayMs=").append(delayMillis);
        if (jitterMillis > 0) s.append(" jitterMs=").append(jitterMillis);
        if (refuseOptions) s.append(" refuseOptions");
        if (!errors.isEmpty()) s.append(" errors=").append(errors);
        if (stallAfter > 0) s.append(" stallAfter=").append(stallAfter);
        if (dhcpNoAnswer) s.append(" dhcpNoAnswer");
        if (dhcpIgnoreFirst > 0) s.append(" dhcpIgnoreFirst=").append(dhcpIgnoreFirst);
        if (dhcpOtherMacFirst) s.append(" dhcpOtherMacFirst");
        if (dhcpOtherXidFirst) s.append(" dhcpOtherXidFirst");
        if (dhcpNak) s.append(" dhcpNak");
        return s.append(" seed=").append(seed).append(" ]").toString();
    }

    public static final class Builder {
        private double dropProbability;
        private final Set<Long> dropBlocks = new TreeSet<>();
        private int dropEvery;
        private double duplicateProbability;
        private double reorderProbability;
        private double delayMillis;
        private double jitterMillis;
        private boolean refuseOptions;
        private final List<ErrorFault> errors = new ArrayList<>();
        private long stallAfter;
        private long seed = 1;
        private boolean dhcpNoAnswer;
        private int dhcpIgnoreFirst;
        private boolean dhcpOtherMacFirst;
        private boolean dhcpOtherXidFirst;
        private boolean dhcpNak;

        private Builder() {}

        public Builder drop(double probability) { dropProbability = probability("drop", probability); return this; }
        public Builder dropBlock(long block) {
            if (block < 1) throw new IllegalArgumentException("drop block " + block + ": DATA blocks are numbered from 1");
            dropBlocks.add(block);
            return this;
        }
        public Builder dropEvery(int n) {
            if (n < 0 || n == 1) throw new IllegalArgumentException("drop every " + n + ": must be 0 (off) or >= 2");
            dropEvery = n;
            return this;
        }
        public Builder duplicate(double probability) { duplicateProbability = probability("duplicate", probability); return this; }
        public Builder reorder(double probability) { reorderProbability = probability("reorder", probability); return this; }
        public Builder delayMillis(double ms) { delayMillis = nonNegative("delay", ms); return this; }
        public Builder jitterMillis(double ms) { jitterMillis = nonNegative("jitter", ms); return this; }
        public Builder refuseOptions(boolean refuse) { refuseOptions = refuse; return this; }
        public Builder error(ErrorFault e) { errors.add(e); return this; }
        public Builder error(int code, String message) { return error(new ErrorFault(code, message, null, 0)); }
        public Builder stallAfter(long block) {
            if (block < 0) throw new IllegalArgumentException("stall after " + block + ": must be >= 0 (0 is off)");
            stallAfter = block;
            return this;
        }
        public Builder seed(long s) { seed = s; return this; }
        public Builder dhcpNoAnswer(boolean on) { dhcpNoAnswer = on; return this; }
        public Builder dhcpIgnoreFirst(int n) {
            if (n < 0) throw new IllegalArgumentException("dhcp ignore first " + n + ": must be >= 0");
            dhcpIgnoreFirst = n;
            return this;
        }
        public Builder dhcpOtherMacFirst(boolean on) { dhcpOtherMacFirst = on; return this; }
        public Builder dhcpOtherXidFirst(boolean on) { dhcpOtherXidFirst = on; return this; }
        public Builder dhcpNak(boolean on) { dhcpNak = on; return this; }

        public Faults build() { return new Faults(this); }

        private static double probability(String what, double p) {
            if (!(p >= 0 && p <= 1)) throw new IllegalArgumentException(what + " probability " + p + " is outside 0..1");
            return p;
        }

        private static double nonNegative(String what, double ms) {
            if (!(ms >= 0 && ms < 3_600_000)) throw new IllegalArgumentException(what + " " + ms + " ms must be >= 0 and below an hour");
            return ms;
        }
    }
}
