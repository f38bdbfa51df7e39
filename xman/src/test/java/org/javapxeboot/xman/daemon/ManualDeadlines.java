package org.javapxeboot.xman.daemon;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Semaphore;

/**
 * Deadlines that pass when the test says so, never by themselves. {@link #waiting} gets a permit
 * each time a request starts waiting on something unfinished (a domain lock or its libvirt call),
 * so a test knows a request has got that far without sleeping.
 */
final class ManualDeadlines implements Operations.Deadlines {
    final List<Duration> started = new CopyOnWriteArrayList<>();
    final Semaphore waiting = new Semaphore(0);
    private final List<CompletableFuture<Void>> expiries = new CopyOnWriteArrayList<>();

    @Override
    public Operations.Deadline start(Duration limit) {
        CompletableFuture<Void> expiry = new CompletableFuture<>();
        expiries.add(expiry);
        started.add(limit);
        return f -> {
            if (!f.isDone()) waiting.release();
            try {
                CompletableFuture.anyOf(f, expiry).get();
            } catch (ExecutionException | java.util.concurrent.CancellationException e) {
                // f failed or was cancelled: done either way
            }
            return f.isDone();
        };
    }

    /** The {@code i}-th deadline started (from 0) passes now. */
    void expire(int i) {
        expiries.get(i).complete(null);
    }

    /** Every deadline started so far passes now. */
    void expireAll() {
        for (CompletableFuture<Void> e : expiries) e.complete(null);
    }
}
