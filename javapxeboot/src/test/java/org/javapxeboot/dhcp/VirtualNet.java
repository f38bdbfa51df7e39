package org.javapxeboot.dhcp;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.PriorityQueue;
import org.dhcp4java.DHCPPacket;

/**
 * A DhcpTransport with a virtual clock: nothing sleeps. {@link #receive} jumps the clock to the next scheduled
 * reply or to the end of the timeout. A {@link Responder} plays the server.
 */
final class VirtualNet implements DhcpTransport {
    static final InetSocketAddress SERVER = new InetSocketAddress("10.0.0.1", 67);
    static final InetSocketAddress BROADCAST = new InetSocketAddress("255.255.255.255", 67);

    /** What the server sends back for the {@code index}-th request (0-based): replies with their delays. */
    @FunctionalInterface
    interface Responder {
        List<Reply> answer(DHCPPacket request, int index);
    }

    record Reply(Duration delay, byte[] data) {
        static Reply now(DHCPPacket p) { return new Reply(Duration.ZERO, p.serialize()); }

        static Reply after(Duration d, DHCPPacket p) { return new Reply(d, p.serialize()); }
    }

    record Sent(long atNanos, DHCPPacket packet, InetSocketAddress to) {
        double atSeconds() { return atNanos / 1e9; }
    }

    private record Pending(long at, long seq, byte[] data) {}

    long now;
    private long seq;
    final List<Sent> sent = new ArrayList<>();
    private final PriorityQueue<Pending> pending = new PriorityQueue<>(
            (a, b) -> a.at != b.at ? Long.compare(a.at, b.at) : Long.compare(a.seq, b.seq));
    private final Responder responder;
    boolean closed;

    VirtualNet(Responder responder) { this.responder = responder; }

    long nanoTime() { return now; }

    /** A client on this net whose jitter is zero (nextDouble = 0.5) and whose xids count up from 0x1000. */
    DhcpClient client(DhcpClient.Settings s) {
        return new DhcpClient(s, settings -> this, this::nanoTime, new FixedRandom());
    }

    @Override public InetSocketAddress destination() { return BROADCAST; }

    @Override public void send(byte[] datagram, InetSocketAddress to) throws IOException {
        DHCPPacket p = LeaseParser.decode(datagram, 0, datagram.length);
        int index = sent.size();
        sent.add(new Sent(now, p, to));
        for (Reply r : responder.answer(p, index)) pending.add(new Pending(now + r.delay.toNanos(), seq++, r.data));
    }

    @Override public Datagram receive(Duration timeout) {
        long until = now + timeout.toNanos();
        Pending next = pending.peek();
        if (next != null && next.at <= until) {
            pending.poll();
            now = Math.max(now, next.at);
            return new Datagram(next.data, SERVER);
        }
        now = until;
        return null;
    }

    @Override public void close() { closed = true; }

    List<Double> sendTimes() { return sent.stream().map(Sent::atSeconds).toList(); }

    /** Deterministic randomness: no jitter, predictable xids. */
    static final class FixedRandom implements java.util.random.RandomGenerator {
        private int xid = 0x1000;

        @Override public long nextLong() { return xid++; }

        @Override public int nextInt() { return xid++; }

        @Override public double nextDouble() { return 0.5; }
    }
}
