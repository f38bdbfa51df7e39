package org.javapxeboot.xman.daemon;

import org.javapxeboot.xman.wire.Protocol;

import org.javapxeboot.xman.wire.Protocol.ProtocolException;

import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;

/**
 * Where xmand's libvirt calls run: on a fixed set of threads behind a bounded queue, each under
 * its operation's deadline, serialised per domain. A libvirt call cannot be interrupted (it waits
 * in native code for libvirtd), so at the deadline the request gives up on it instead: it answers
 * 504, and the domain's lock is released by the request, not by the stuck thread, so the next
 * operation on that domain is not held behind a call that may never return. A full queue answers
 * 503 at once. Every wait goes through {@link Deadlines}, so tests decide when a deadline passes.
 */
final class Operations implements AutoCloseable {
    /** Seconds a 503 asks the client to wait (Retry-After). */
    static final int RETRY_AFTER_SECONDS = 5;

    /** One request's deadline: waits for a future until the deadline passes. */
    interface Deadline {
        /** True if {@code f} completed before the deadline. */
        boolean await(CompletableFuture<?> f) throws InterruptedException;
    }

    /** Starts deadlines; the clock seam. */
    interface Deadlines {
        Deadline start(Duration limit);
    }

    /** Deadlines on the monotonic clock. */
    static final Deadlines REAL_TIME = limit -> {
        long end = System.nanoTime() + limit.toNanos();
        return f -> {
            try {
                f.get(Math.max(0, end - System.nanoTime()), TimeUnit.NANOSECONDS);
            } catch (TimeoutException e) {
                return false;
            } catch (ExecutionException | java.util.concurrent.CancellationException e) {
                // Done, with an error the caller reads from f.
            }
            return true;
        };
    };

    private final ThreadPoolExecutor threads;
    private final Deadlines deadlines;
    private final Consumer<String> note;
    private final DomainLocks locks = new DomainLocks();
    private final AtomicInteger stuck = new AtomicInteger();

    /**
     * {@code threads} libvirt calls at once, {@code queued} more waiting; {@code note} gets a line
     * for the log when a call that timed out ends after all.
     */
    Operations(int threads, int queued, Deadlines deadlines, Consumer<String> note) {
        this.threads = new ThreadPoolExecutor(threads, threads, 0, TimeUnit.SECONDS, new ArrayBlockingQueue<>(queued), r -> {
            Thread t = new Thread(r, "xmand-libvirt");
            t.setDaemon(true);
            return t;
        }, new ThreadPoolExecutor.AbortPolicy());
        this.deadlines = deadlines;
        this.note = note;
    }

    /** Operations waiting for a thread. */
    int queued() {
        return threads.getQueue().size();
    }

    /** Calls that passed their deadline and have not returned yet. */
    int stuck() {
        return stuck.get();
    }

    /**
     * Runs {@code call} holding {@code domain}'s lock (none if null), within {@code limit}.
     * {@code what} names it in errors ("migrate vm1").
     */
    Object run(String what, String domain, Duration limit, Callable<Object> call) throws Exception {
        Deadline deadline = deadlines.start(limit);
        if (domain != null) {
            CompletableFuture<Void> lock = locks.acquire(domain);
            if (!deadline.await(lock)) {
                // Granted at the last moment: give it to the next one.
                if (!lock.cancel(false)) locks.release(domain);
                throw new ProtocolException(504, "TIMEOUT", what + ": another operation on " + domain + " did not finish within "
                        + seconds(limit) + "; nothing was done");
            }
        }
        try {
            CompletableFuture<Object> result = new CompletableFuture<>();
            AtomicBoolean claimed = new AtomicBoolean();
            Runnable task = () -> {
                // Whoever claims first decides: this thread runs the call, or the request gave up before it started.
                if (!claimed.compareAndSet(false, true)) return;
                try {
                    result.complete(call.call());
                } catch (Throwable t) {
                    result.completeExceptionally(t);
                }
            };
            try {
                threads.execute(task);
            } catch (RejectedExecutionException e) {
                throw new ProtocolException(503, "BUSY", what + ": " + threads.getMaximumPoolSize() + " operations are running and "
                        + threads.getQueue().size() + " waiting, the most this xmand takes; nothing was done, try again in "
                        + RETRY_AFTER_SECONDS + " s");
            }
            if (!deadline.await(result)) {
                if (claimed.compareAndSet(false, true)) {
                    threads.remove(task); // its place in the queue is free at once
                    throw new ProtocolException(504, "TIMEOUT", what + ": not started within " + seconds(limit)
                            + " (the libvirt threads were busy); nothing was done");
                }
                stuck.incrementAndGet();
                result.whenComplete((r, t) -> {
                    stuck.decrementAndGet();
                    note.accept(what + ": finished after its request timed out: " + (t == null ? "ok" : describe(t)));
                });
                throw new ProtocolException(504, "TIMEOUT", what + ": libvirt did not answer within " + seconds(limit)
                        + "; the call is still running and may yet take effect (see dmesg and the log)");
            }
            try {
                return result.get();
            } catch (ExecutionException e) {
                Throwable c = e.getCause();
                if (c instanceof Exception) throw (Exception) c;
                throw new IllegalStateException(c);
            }
        } finally {
            if (domain != null) locks.release(domain);
        }
    }

    private static String describe(Throwable t) {
        return t.getMessage() != null ? t.getMessage() : t.toString();
    }

    static String seconds(Duration d) {
        return d.toSeconds() + " s";
    }

    @Override
    public void close() {
        threads.shutdownNow();
    }

    /**
     * One lock per domain, held by a request rather than a thread: a waiting request holds a
     * future that completes when the lock is handed to it, so it can stop waiting at its deadline,
     * and a request can release the lock while the call it started is still stuck.
     */
    static final class DomainLocks {
        private final Map<String, Deque<CompletableFuture<Void>>> held = new HashMap<>();

        synchronized CompletableFuture<Void> acquire(String domain) {
            Deque<CompletableFuture<Void>> waiting = held.get(domain);
            if (waiting == null) {
                held.put(domain, new ArrayDeque<>());
                return CompletableFuture.completedFuture(null);
            }
            CompletableFuture<Void> f = new CompletableFuture<>();
            waiting.add(f);
            return f;
        }

        /** Hands the lock to the next waiter that still wants it, or frees it. */
        synchronized void release(String domain) {
            Deque<CompletableFuture<Void>> waiting = held.get(domain);
            if (waiting == null) return;
            while (!waiting.isEmpty()) {
                if (waiting.poll().complete(null)) return; // a waiter that gave up was cancelled
            }
            held.remove(domain);
        }

        synchronized boolean isHeld(String domain) {
            return held.containsKey(domain);
        }
    }
}
