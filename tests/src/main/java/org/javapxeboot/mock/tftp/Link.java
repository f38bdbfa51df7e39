package org.javapxeboot.mock.tftp;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedByInterruptException;
import java.nio.channels.DatagramChannel;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.util.concurrent.locks.LockSupport;
import org.javapxeboot.mock.fault.DelayLine;
import org.javapxeboot.mock.fault.FaultInjector;
import org.javapxeboot.net.UdpOffload;

/**
 * One transfer's socket: a new port (the server's TID, RFC 1350 section 4) connected to the client's
 * TID, so the kernel drops datagrams from any other source. Sends go through the fault switches.
 *
 * <p>The channel stays non-blocking and waits in its own selector: a timed receive through the
 * socket adaptor switches the descriptor to non-blocking and every blocking write switches it back
 * (4 fcntl calls per packet, measured with strace), which cost a lock-step transfer a third of its speed.
 */
final class Link implements AutoCloseable {
    private final DatagramChannel channel;
    private final Selector selector;
    private final SelectionKey key;
    private final FaultInjector faults;
    private final DelayLine delayLine;
    private ByteBuffer held;
    /** The UDP_SEGMENT size set on the channel, 0 when sends go one datagram per call. */
    private int segmentSize;

    Link(InetAddress bind, InetSocketAddress client, int bufferBytes, FaultInjector faults, DelayLine delayLine) throws IOException {
        this.faults = faults;
        this.delayLine = delayLine;
        channel = DatagramChannel.open(bind instanceof java.net.Inet6Address ? java.net.StandardProtocolFamily.INET6 : java.net.StandardProtocolFamily.INET);
        try {
            // Big windows of big blocks overflow the default buffers (~200 KiB): ask for more.
            channel.setOption(StandardSocketOptions.SO_SNDBUF, bufferBytes);
            channel.setOption(StandardSocketOptions.SO_RCVBUF, bufferBytes);
            channel.bind(new InetSocketAddress(bind, 0));
            channel.connect(client);
            channel.configureBlocking(false);
            selector = Selector.open();
            key = channel.register(selector, SelectionKey.OP_READ);
        } catch (IOException | RuntimeException e) {
            channel.close();
            throw e;
        }
    }

    InetSocketAddress localAddress() throws IOException { return (InetSocketAddress) channel.getLocalAddress(); }

    /**
     * Asks the kernel to cut batches into datagrams of {@code size} bytes (UDP GSO, see
     * {@link UdpOffload}); only when no fault switch touches packets, as faults act per datagram.
     * Returns the batch size in datagrams: 1 when batching is off.
     */
    int enableBatches(int size) {
        if (faults.faults().perturbsPackets() || size > UdpOffload.MAX_PAYLOAD / 2) return 1;
        if (!UdpOffload.setSegmentSize(channel, size)) return 1;
        segmentSize = size;
        return Math.min(UdpOffload.MAX_SEGMENTS, UdpOffload.MAX_PAYLOAD / size);
    }

    /**
     * Sends {@code batch} (position..limit), back-to-back datagrams of the size given to
     * {@link #enableBatches}, the last possibly shorter, in one system call. If the kernel refuses
     * the batch (a path MTU below the segment size, a device without checksum offload) nothing was
     * sent: batching is turned off and the datagrams go one by one. Returns false then, so the
     * caller stops batching.
     */
    boolean sendBatch(ByteBuffer batch) throws IOException {
        int seg = segmentSize;
        if (seg == 0) throw new IllegalStateException("batches are off");
        if (batch.remaining() > seg) {
            try {
                transmit(batch.duplicate());
                return true;
            } catch (IOException e) {
                if (e instanceof ClosedByInterruptException) throw e;
                UdpOffload.setSegmentSize(channel, 0);
                segmentSize = 0;
            }
        }
        for (int p = batch.position(); p < batch.limit(); p += seg) {
            transmit(batch.duplicate().position(p).limit(Math.min(batch.limit(), p + seg)));
        }
        return segmentSize > 0;
    }

    /**
     * Sends {@code packet} (position..limit) through the fault switches and returns how many copies
     * left (0 dropped, 2 duplicated). {@code dataBlock}: the absolute DATA block, or 0.
     */
    int send(ByteBuffer packet, long dataBlock) throws IOException {
        int copies = faults.outgoingCopies(dataBlock);
        if (copies == 0) return 0;
        if (dataBlock > 0 && held == null && faults.reorder()) {
            held = ByteBuffer.allocate(packet.remaining());
            held.put(packet.duplicate()).flip();
            return 1;
        }
        for (int i = 0; i < copies; i++) transmit(packet.duplicate());
        flush();
        return copies;
    }

    /** Sends a packet held back for reordering; called before waiting for an answer. */
    void flush() throws IOException {
        if (held != null) {
            ByteBuffer h = held;
            held = null;
            transmit(h);
        }
    }

    /** Sends without fault switches (ERROR packets that end a transfer must arrive to be observable). */
    void sendReliably(ByteBuffer packet) throws IOException {
        flush();
        transmit(packet);
    }

    private void transmit(ByteBuffer b) throws IOException {
        if (delayLine != null && faults.delays()) {
            delayLine.send(channel, null, b, System.nanoTime() + faults.delayNanos());
            return;
        }
        while (true) {
            try {
                if (channel.write(b) > 0) return; // a datagram goes whole or not at all
            } catch (java.net.PortUnreachableException e) {
                continue; // ICMP from an earlier datagram; this one has not been sent yet
            }
            // The send buffer is full: wait until it drains.
            key.interestOps(SelectionKey.OP_WRITE);
            try {
                selector.select(100);
                selector.selectedKeys().clear();
            } finally {
                key.interestOps(SelectionKey.OP_READ);
            }
            if (Thread.currentThread().isInterrupted()) throw new ClosedByInterruptException();
        }
    }

    /**
     * Receives one datagram into {@code buf}, waiting at most {@code timeoutNanos}; -1 on timeout.
     * Incoming packets also pass the drop and delay switches.
     */
    int receive(byte[] buf, long timeoutNanos) throws IOException {
        long deadline = System.nanoTime() + timeoutNanos;
        ByteBuffer bb = ByteBuffer.wrap(buf);
        while (true) {
            // Wait first: right after a send the answer cannot be there yet, so reading first would
            // cost a failed read on every packet. epoll is level-triggered: queued data returns at once.
            long left = deadline - System.nanoTime();
            if (left <= 0) return -1;
            selector.select(Math.max(1, (left + 999_999) / 1_000_000));
            selector.selectedKeys().clear();
            if (Thread.currentThread().isInterrupted()) throw new ClosedByInterruptException();
            while (true) {
                bb.clear();
                int n;
                try {
                    n = channel.read(bb);
                } catch (java.net.PortUnreachableException e) {
                    // ICMP port unreachable from an earlier send: the client's socket is gone; keep waiting out the timeout.
                    continue;
                }
                if (n <= 0) break;
                if (faults.dropIncoming()) continue;
                if (faults.delays()) {
                    long due = System.nanoTime() + faults.delayNanos();
                    for (long d; (d = due - System.nanoTime()) > 0; ) LockSupport.parkNanos(d);
                }
                return n;
            }
        }
    }

    @Override public void close() throws IOException {
        try {
            selector.close();
        } finally {
            channel.close();
        }
    }
}
