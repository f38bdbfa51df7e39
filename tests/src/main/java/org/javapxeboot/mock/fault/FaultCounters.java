package org.javapxeboot.mock.fault;

import java.util.concurrent.atomic.AtomicLong;

/** What the fault switches did, summed over a server's life. Thread-safe. */
public final class FaultCounters {
    final AtomicLong dropped = new AtomicLong();
    final AtomicLong duplicated = new AtomicLong();
    final AtomicLong reordered = new AtomicLong();
    final AtomicLong delayed = new AtomicLong();

    /** Packets the switches dropped (both directions). */
    public long dropped() { return dropped.get(); }
    public long duplicated() { return duplicated.get(); }
    public long reordered() { return reordered.get(); }
    public long delayed() { return delayed.get(); }
}
