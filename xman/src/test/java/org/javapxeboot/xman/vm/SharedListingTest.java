package org.javapxeboot.xman.vm;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.javapxeboot.xman.vm.VmControl.DomainInfo;
import org.javapxeboot.xman.vm.VmControl.DomainState;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * {@link SharedListing}: who shares which listing, decided by the order of events (a listing held
 * open until the test lets it end), not by timing.
 */
class SharedListingTest {
    /** Listing n answers one domain named "listing-n". */
    private static List<DomainInfo> answer(int n) {
        return new ArrayList<>(List.of(new DomainInfo("listing-" + n, "00000000-0000-0000-0000-00000000000" + n, n,
                DomainState.RUNNING, 1024, 1024, 1, 0, true, false)));
    }

    /** A lister whose listings each wait for a permit; the test sees each one start. */
    private static final class HeldLister implements SharedListing.Lister {
        final Semaphore permits = new Semaphore(0);
        final BlockingQueue<Integer> started = new ArrayBlockingQueue<>(100);
        final AtomicInteger count = new AtomicInteger();
        /** What the next listings throw, checked or not (a lister's library may throw what it does not declare). */
        volatile Throwable fail;

        @Override
        public List<DomainInfo> list() throws VirtException {
            int n = count.incrementAndGet();
            started.add(n);
            permits.acquireUninterruptibly();
            if (fail != null) SharedListingTest.<RuntimeException>sneak(fail);
            return answer(n);
        }

        /** Waits for the next listing to start; fails after a generous hang guard. */
        int nextStart() throws InterruptedException {
            Integer n = started.poll(60, TimeUnit.SECONDS);
            assertTrue(n != null, "a listing should have started");
            return n;
        }
    }

    @SuppressWarnings("unchecked")
    private static <T extends Throwable> void sneak(Throwable t) throws T {
        throw (T) t;
    }

    private final List<Thread> threads = new ArrayList<>();
    private final HeldLister l = new HeldLister();
    /** A permit for each call that has joined a batch. */
    private final Semaphore arrivals = new Semaphore(0);
    private final SharedListing s = new SharedListing(l, arrivals::release);
    private long arrived;

    /** Caller a, whose listing (listing 1) has started and is held until the test releases it. */
    private CompletableFuture<List<DomainInfo>> listingOneRunning() throws InterruptedException {
        CompletableFuture<List<DomainInfo>> a = call();
        assertEquals(1, l.nextStart());
        return a;
    }

    /** A new caller, once it has reached the listing: the {@code n}th call. */
    private CompletableFuture<List<DomainInfo>> arrived(long n) throws InterruptedException {
        CompletableFuture<List<DomainInfo>> f = call();
        awaitCalls(n);
        return f;
    }

    @AfterEach
    void noThreadLeft() throws InterruptedException {
        for (Thread t : threads) {
            t.interrupt();
            t.join(60_000);
        }
    }

    private CompletableFuture<List<DomainInfo>> call() {
        CompletableFuture<List<DomainInfo>> f = new CompletableFuture<>();
        Thread t = new Thread(() -> {
            try {
                f.complete(s.list());
            } catch (Throwable e) {
                f.completeExceptionally(e);
            }
        }, "caller");
        threads.add(t);
        t.start();
        return f;
    }

    /** Waits until {@code n} calls have joined a batch (each is counted before it waits). */
    private void awaitCalls(long n) throws InterruptedException {
        assertTrue(arrivals.tryAcquire((int) (n - arrived), 60, TimeUnit.SECONDS), "hang guard: fewer than " + n + " calls arrived");
        arrived = n;
        assertEquals(n, s.calls());
    }

    private static String name(CompletableFuture<List<DomainInfo>> f) throws Exception {
        return f.get(60, TimeUnit.SECONDS).get(0).name();
    }

    @Test
    void aCallerAloneListsEveryTime() throws Exception {
        AtomicInteger n = new AtomicInteger();
        SharedListing alone = new SharedListing(() -> answer(n.incrementAndGet()));
        assertEquals("listing-1", alone.list().get(0).name());
        assertEquals("listing-2", alone.list().get(0).name());
        assertEquals(2, alone.listings());
    }

    @Test
    void callersThatArriveDuringAListingShareTheNextOneNeverTheRunningOne() throws Exception {
        CompletableFuture<List<DomainInfo>> a = listingOneRunning();
        // b, c and d ask while listing 1 runs: what it reads may predate them, so they wait for listing 2.
        List<CompletableFuture<List<DomainInfo>>> later = List.of(call(), call(), call());
        awaitCalls(4);
        l.permits.release();
        assertEquals("listing-1", name(a));
        assertEquals(2, l.nextStart());
        l.permits.release();
        for (CompletableFuture<List<DomainInfo>> f : later) assertEquals("listing-2", name(f));
        assertEquals(2, s.listings(), "one listing for the three that waited");
        assertSame(later.get(0).get(), later.get(2).get(), "the same answer, not a copy each");
        assertThrows(UnsupportedOperationException.class, () -> later.get(0).get().clear(), "shared: nobody may change it");
    }

    @Test
    void aCallerArrivingWhileTheNextListingRunsWaitsForTheOneAfter() throws Exception {
        CompletableFuture<List<DomainInfo>> a = listingOneRunning();
        CompletableFuture<List<DomainInfo>> b = arrived(2);
        l.permits.release();
        assertEquals(2, l.nextStart());
        CompletableFuture<List<DomainInfo>> c = arrived(3);
        l.permits.release();
        assertEquals(3, l.nextStart());
        l.permits.release();
        assertEquals("listing-1", name(a));
        assertEquals("listing-2", name(b));
        assertEquals("listing-3", name(c));
    }

    @Test
    void aFailedListingFailsItsBatchAndTheNextCallListsAgain() throws Exception {
        CompletableFuture<List<DomainInfo>> a = listingOneRunning();
        CompletableFuture<List<DomainInfo>> b = call();
        CompletableFuture<List<DomainInfo>> c = arrived(3);
        l.permits.release();
        assertEquals("listing-1", name(a));
        assertEquals(2, l.nextStart());
        VirtException down = new VirtException(VirtException.Kind.UNAVAILABLE, "list", null, "libvirtd went away");
        l.fail = down;
        l.permits.release();
        for (CompletableFuture<List<DomainInfo>> f : List.of(b, c)) {
            ExecutionException e = assertThrows(ExecutionException.class, () -> f.get(60, TimeUnit.SECONDS));
            assertSame(down, e.getCause());
        }
        l.fail = null;
        l.permits.release();
        assertEquals("listing-3", s.list().get(0).name());
    }

    @Test
    void whateverAListingThrowsReachesEveryCallerOfItsBatch() throws Exception {
        CompletableFuture<List<DomainInfo>> a = listingOneRunning();
        CompletableFuture<List<DomainInfo>> b = call();
        CompletableFuture<List<DomainInfo>> c = arrived(3);
        IllegalStateException bug = new IllegalStateException("a bug in the binding");
        l.fail = bug;
        l.permits.release();
        assertSame(bug, assertThrows(ExecutionException.class, () -> a.get(60, TimeUnit.SECONDS)).getCause());
        assertEquals(2, l.nextStart());
        // An undeclared checked exception: every caller of the batch, the one that listed too, gets a
        // VirtException caused by it; nobody gets a null list.
        java.io.IOException io = new java.io.IOException("socket closed");
        l.fail = io;
        l.permits.release();
        for (CompletableFuture<List<DomainInfo>> f : List.of(b, c)) {
            Throwable e = assertThrows(ExecutionException.class, () -> f.get(60, TimeUnit.SECONDS)).getCause();
            assertTrue(e instanceof VirtException && e.getCause() == io, String.valueOf(e));
        }
    }

    @Test
    void anInterruptedCallerLeavesAndItsBatchIsStillListed() throws Exception {
        CompletableFuture<List<DomainInfo>> a = listingOneRunning();
        CompletableFuture<List<DomainInfo>> b = arrived(2);
        CompletableFuture<List<DomainInfo>> c = arrived(3);
        threads.get(1).interrupt();
        ExecutionException e = assertThrows(ExecutionException.class, () -> b.get(60, TimeUnit.SECONDS));
        assertTrue(e.getCause().getMessage().contains("interrupted"), e.getCause().getMessage());
        l.permits.release();
        assertEquals("listing-1", name(a));
        assertEquals(2, l.nextStart());
        l.permits.release();
        assertEquals("listing-2", name(c));
    }
}
