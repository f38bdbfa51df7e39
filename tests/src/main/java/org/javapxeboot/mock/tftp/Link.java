package org.javapxeboot.mock.tftp;

import java.io.IOException;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketTimeoutException;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.DatagramChannel;
import java.util.concurrent.locks.LockSupport;
import org.javapxeboot.mock.fault.DelayLine;
import org.javapxeboot.mock.fault.FaultInjector;

/**
 * One transfer's socket: a new port (the server's TID, RFC 1350 section 4) connected to the client's
 * TID, so the kernel drops datagrams from any other source. Sends go through the fault switches.
 */
final class Link implements AutoCloseable {
    private final DatagramChannel channel;
    private final DatagramSocket socket;
    private final FaultInjector faults;
    private final DelayLine delayLine;
    private ByteBuffer held;
    private int soTimeout = -1;

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
            socket = channel.socket();
        } catch (IOException | RuntimeException e) {
            channel.close();
            throw e;
        }
    }

    InetSocketAddress localAddress() throws IOException { return (InetSocketAddress) channel.getLocalAddress(); }

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
        if (delayLine != null && faults.delays()) delayLine.send(channel, null, b, System.nanoTime() + faults.delayNanos());
        else channel.write(b);
    }

    /**
     * Receives one datagram into {@code buf}, waiting at most {@code timeoutNanos}; -1 on timeout.
     * Incoming packets also pass the drop and delay switches.
     */
    int receive(byte[] buf, long timeoutNanos) throws IOException {
        long deadline = System.nanoTime() + timeoutNanos;
        DatagramPacket p = new DatagramPacket(buf, buf.length);
        while (true) {
            long left = deadline - System.nanoTime();
            if (left <= 0) return -1;
            int ms = (int) Math.max(1, Math.min(Integer.MAX_VALUE, (left + 999_999) / 1_000_000));
            if (ms != soTimeout) {
                socket.setSoTimeout(ms);
                soTimeout = ms;
            }
            p.setLength(buf.length);
            try {
                socket.receive(p);
            } catch (SocketTimeoutException e) {
                continue;
            } catch (java.net.PortUnreachableException e) {
                // ICMP port unreachable from an earlier send: the client's socket is gone; keep waiting out the timeout.
                continue;
            }
            if (faults.dropIncoming()) continue;
            if (faults.delays()) {
                long due = System.nanoTime() + faults.delayNanos();
                for (long d; (d = due - System.nanoTime()) > 0; ) LockSupport.parkNanos(d);
            }
            return p.getLength();
        }
    }

    @Override public void close() throws IOException { channel.close(); }
}
