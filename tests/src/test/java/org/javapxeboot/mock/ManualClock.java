package org.javapxeboot.mock;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongSupplier;

/**
 * A nanosecond clock that moves only when a test says so, for {@code PxeMockServer.builder().clock(...)}: the
 * server's timeouts and its "how long ago did this window leave" rules then follow the test's script, not
 * the machine's load.
 */
public final class ManualClock implements LongSupplier {
    private final AtomicLong nanos = new AtomicLong(1_000_000_000L);

    @Override public long getAsLong() { return nanos.get(); }

    /** Moves the clock on; whatever the server does next sees the new time. */
    public void advance(Duration d) { nanos.addAndGet(d.toNanos()); }
}
