package org.javapxeboot.xman.daemon;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;

/**
 * A syslog transport that stops reading: the first send blocks until {@link #release}, as a syslog daemon
 * that stopped draining its socket would hold a blocking writer. {@link #entered} says the writer is stuck.
 */
final class StuckSyslog implements Syslog.Transport {
    final CountDownLatch entered = new CountDownLatch(1);
    private final CountDownLatch release = new CountDownLatch(1);
    final List<byte[]> sent = new CopyOnWriteArrayList<>();

    @Override
    public void send(byte[] m) {
        entered.countDown();
        try {
            release.await();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        sent.add(m);
    }

    void release() { release.countDown(); }

    @Override
    public void close() {}
}
