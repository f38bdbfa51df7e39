package org.javapxeboot.mock.fault;

import java.io.IOException;
import java.net.SocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.DatagramChannel;
import java.util.concurrent.DelayQueue;
import java.util.concurrent.Delayed;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Sends datagrams later, on one daemon thread, in the order they fall due (ties in submission
 * order). It is the userspace stand-in for {@code tc netem delay}: there is no netem here.
 * Each packet is never sent before its due time; jitter is the caller's business. Packets on a
 * channel that has been closed meanwhile are discarded.
 */
public final class DelayLine implements AutoCloseable {
    private final DelayQueue<Item> queue = new DelayQueue<>();
    private final AtomicLong seq = new AtomicLong();
    private final Thread thread;
    private volatile boolean closed;

    public DelayLine(String name) {
        thread = new Thread(this::run, name);
        thread.setDaemon(true);
        thread.start();
    }

    /** Copies {@code data} (position..limit) and sends it at {@code dueNanos} (System.nanoTime). Target null: connected channel. */
    public void send(DatagramChannel channel, SocketAddress target, ByteBuffer data, long dueNanos) {
        ByteBuffer copy = ByteBuffer.allocate(data.remaining());
        copy.put(data.duplicate()).flip();
        queue.add(new Item(channel, target, copy, dueNanos, seq.getAndIncrement()));
    }

    private void run() {
        while (!closed) {
            Item item;
            try {
                item = queue.take();
            } catch (InterruptedException e) {
                return;
            }
            try {
                if (item.target == null) item.channel.write(item.data);
                else item.channel.send(item.data, item.target);
            } catch (IOException | RuntimeException e) {
                // The transfer ended (channel closed) or the peer is gone: the packet is lost, as on a wire.
            }
        }
    }

    @Override public void close() {
        closed = true;
        thread.interrupt();
        queue.clear();
    }

    private record Item(DatagramChannel channel, SocketAddress target, ByteBuffer data, long due, long seq) implements Delayed {
        @Override public long getDelay(TimeUnit unit) { return unit.convert(due - System.nanoTime(), TimeUnit.NANOSECONDS); }

        @Override public int compareTo(Delayed o) {
            Item other = (Item) o;
            int c = Long.compare(due, other.due);
            return c != 0 ? c : Long.compare(seq, other.seq);
        }
    }
}
