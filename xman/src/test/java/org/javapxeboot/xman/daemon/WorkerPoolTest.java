package org.javapxeboot.xman.daemon;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** xmand's worker pool: grows to max before queueing, reuses idle threads, and never refuses work. */
@Timeout(30)
class WorkerPoolTest {

    /** The load benchmark's pattern: many short requests one after another, far more than max. */
    @Test void idleWorkersTakeNewWorkSoSequentialRequestsNeverRunOutOfThreads() throws Exception {
        ThreadPoolExecutor pool = XmandServer.workerPool(2, 4);
        try {
            AtomicInteger ran = new AtomicInteger();
            for (int i = 0; i < 1000; i++) {
                CountDownLatch done = new CountDownLatch(1);
                pool.execute(() -> {
                    ran.incrementAndGet();
                    done.countDown();
                });
                assertTrue(done.await(5, TimeUnit.SECONDS), "request " + i + " never ran");
            }
            assertEquals(1000, ran.get());
            assertTrue(pool.getLargestPoolSize() <= 4, "threads: " + pool.getLargestPoolSize());
        } finally {
            pool.shutdownNow();
        }
    }

    /** Stalled clients hold threads: the pool grows to max for new ones, and past max work waits its turn. */
    @Test void growsToMaxWhileWorkersAreBusyThenQueues() throws Exception {
        ThreadPoolExecutor pool = XmandServer.workerPool(1, 3);
        CountDownLatch release = new CountDownLatch(1);
        CountDownLatch started = new CountDownLatch(3);
        try {
            for (int i = 0; i < 3; i++) {
                pool.execute(() -> {
                    started.countDown();
                    try {
                        release.await();
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                });
            }
            assertTrue(started.await(5, TimeUnit.SECONDS), "three stalled requests each got a thread");
            assertEquals(3, pool.getPoolSize());
            CountDownLatch queued = new CountDownLatch(2);
            pool.execute(queued::countDown);
            pool.execute(queued::countDown);
            assertEquals(2, pool.getQueue().size(), "past max, work waits in the queue");
            assertEquals(2, queued.getCount(), "nothing of it ran yet");
            release.countDown();
            assertTrue(queued.await(5, TimeUnit.SECONDS), "queued work runs once a thread is free");
        } finally {
            release.countDown();
            pool.shutdownNow();
        }
    }
}
