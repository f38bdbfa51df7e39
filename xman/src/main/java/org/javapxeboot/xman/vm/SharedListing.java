package org.javapxeboot.xman.vm;

import java.util.Collections;
import java.util.List;
import org.javapxeboot.xman.vm.VmControl.DomainInfo;

/**
 * Concurrent {@link VmControl#list()} calls share listings: a call joins the next listing that has
 * not started yet, so whatever it is answered with was read after it was called. A change that
 * finished before a caller asked (its own pause, say) is in its answer, as with a listing of its own.
 *
 * <p>At most one listing runs at a time. Callers that arrive while one runs wait for the one after
 * it, which then answers all of them: under load, one listing answers many requests instead of each
 * request costing a listing of its own (a {@code list} of 100 domains is about 400 libvirt calls),
 * and with no load nothing waits. Callers that arrive while no listing runs start one at once.
 *
 * <p>Whichever caller of a batch is awake when the listing before it ends starts the batch's
 * listing, on its own thread; an interrupted caller leaves (its batch is started by another). A
 * listing that fails fails for every caller of its batch, with the same error. The list each caller
 * gets is the same unmodifiable list.
 */
final class SharedListing {
    /** One listing of the underlying control. */
    interface Lister {
        List<DomainInfo> list() throws VirtException;
    }

    /** The callers of one listing, and once it ended its answer. */
    private static final class Batch {
        boolean done;
        List<DomainInfo> result;
        Throwable error;
    }

    private final Lister lister;
    /** The batch callers join: its listing has not started. Null when no caller waits. */
    private Batch open;
    /** A listing is under way. */
    private boolean running;
    /** Listings made and calls that joined a batch, for tests. */
    private long listings;
    private long calls;

    /** Told of each call once it has joined a batch, under the lock: tests wait for callers with it. */
    private final Runnable arrived;

    SharedListing(Lister lister) {
        this(lister, () -> {});
    }

    SharedListing(Lister lister, Runnable arrived) {
        this.lister = lister;
        this.arrived = arrived;
    }

    /** A listing that started after this call. */
    List<DomainInfo> list() throws VirtException {
        Batch b;
        boolean starter;
        synchronized (this) {
            calls++;
            if (open == null) open = new Batch();
            b = open;
            arrived.run();
            try {
                while (!b.done && (running || open != b)) wait();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                notifyAll(); // another caller of the batch may start it
                throw new VirtException(VirtException.Kind.FAILED, "list", null, "interrupted while waiting for a listing");
            }
            starter = !b.done;
            if (starter) {
                // This caller starts the batch's listing: later callers join the next batch.
                running = true;
                open = null;
                listings++;
            }
        }
        if (starter) {
            List<DomainInfo> result = null;
            Throwable error = null;
            try {
                result = Collections.unmodifiableList(lister.list());
            } catch (Throwable e) {
                // Whatever it is (an undeclared checked exception too), every caller of the batch gets it.
                error = e;
            } finally {
                synchronized (this) {
                    b.result = result;
                    b.error = error;
                    b.done = true;
                    running = false;
                    notifyAll();
                }
            }
        }
        synchronized (this) {
            if (b.error == null) return b.result;
            if (b.error instanceof VirtException e) throw e;
            if (b.error instanceof RuntimeException e) throw e;
            if (b.error instanceof Error e) throw e;
            throw new VirtException(VirtException.Kind.FAILED, "list", null, "listing failed: " + b.error, b.error);
        }
    }

    /** Listings made so far. */
    synchronized long listings() {
        return listings;
    }

    /** Calls answered or waiting so far. */
    synchronized long calls() {
        return calls;
    }
}
