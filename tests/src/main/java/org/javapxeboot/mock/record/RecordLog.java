package org.javapxeboot.mock.record;

import java.util.ArrayDeque;
import java.util.List;

/**
 * The newest {@code capacity} records of one kind, oldest first. A long-running {@code pxe-mock serve} answers
 * every request any client sends, so an unbounded list would grow until the JVM runs out of memory (a flood
 * of RRQs or DISCOVERs is all it takes); the counters in the stats keep counting past the cap. Thread-safe.
 */
public final class RecordLog<T> {
    /** What the servers keep by default: enough for any test, ~2 MB at the most. */
    public static final int DEFAULT_CAPACITY = 10_000;

    private final int capacity;
    private final ArrayDeque<T> records = new ArrayDeque<>();
    private long dropped;

    public RecordLog(int capacity) {
        if (capacity < 1) throw new IllegalArgumentException("maxRecords is " + capacity + ", must be >= 1");
        this.capacity = capacity;
    }

    public synchronized void add(T record) {
        if (records.size() == capacity) {
            records.removeFirst();
            dropped++;
        }
        records.addLast(record);
    }

    /** A copy, oldest first. */
    public synchronized List<T> snapshot() { return List.copyOf(records); }

    /** Records dropped to stay within the capacity. */
    public synchronized long dropped() { return dropped; }
}
