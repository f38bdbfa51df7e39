package org.javapxeboot.mock.fault;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedSelectorException;
import java.nio.channels.DatagramChannel;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.util.HashMap;
import java.util.Iterator;
import java.util.Map;
import java.util.Objects;
import java.util.Random;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A userspace UDP relay that adds delay and loss in both directions, to put an emulated slow or
 * lossy link in front of any UDP server (dnsmasq, atftpd, the mock) where {@code tc netem} is missing.
 *
 * <p>It follows TFTP's TID change (RFC 1350 section 4): a client's first packet goes to the target
 * address; when the server answers from a new port, the relay opens a new client-facing socket for
 * that server port, so the client too sees a new TID and sends the rest of the transfer there. A
 * reply from the target's own port (an early ERROR, or DHCP) comes back from the listen port.
 * One thread, one selector; sessions idle for {@code idleTimeoutMillis} are closed.
 */
public final class UdpRelay implements AutoCloseable {
    /**
     * @param delayMillis one-way delay added in each direction (0.5 gives a 1 ms RTT)
     * @param jitterMillis a uniform extra delay in [0, jitter) per packet
     * @param loss probability of dropping a packet, each direction
     */
    public record Config(InetSocketAddress listen, InetSocketAddress target, double delayMillis, double jitterMillis,
                         double loss, long seed, long idleTimeoutMillis) {
        public Config {
            Objects.requireNonNull(listen, "listen");
            Objects.requireNonNull(target, "target");
            if (!(loss >= 0 && loss <= 1)) throw new IllegalArgumentException("loss " + loss + " is outside 0..1");
            if (!(delayMillis >= 0) || !(jitterMillis >= 0)) throw new IllegalArgumentException("delay and jitter must be >= 0 ms");
            if (idleTimeoutMillis < 1) throw new IllegalArgumentException("idle timeout must be >= 1 ms");
        }

        public static Config of(InetSocketAddress listen, InetSocketAddress target) {
            return new Config(listen, target, 0, 0, 0, 1, 60_000);
        }

        public Config withDelay(double ms, double jitter) { return new Config(listen, target, ms, jitter, loss, seed, idleTimeoutMillis); }
        public Config withLoss(double p, long s) { return new Config(listen, target, delayMillis, jitterMillis, p, s, idleTimeoutMillis); }
    }

    private final Config config;
    private final Selector selector;
    private final DatagramChannel listen;
    private final DelayLine delayLine;
    private final Random random;
    private final Map<InetSocketAddress, Session> sessions = new HashMap<>();
    private final Thread thread;
    private final AtomicLong forwarded = new AtomicLong(), dropped = new AtomicLong(), sessionCount = new AtomicLong();
    private volatile boolean closed;

    private UdpRelay(Config config) throws IOException {
        this.config = config;
        this.random = new Random(config.seed());
        selector = Selector.open();
        listen = DatagramChannel.open();
        try {
            listen.bind(config.listen());
            listen.configureBlocking(false);
            listen.register(selector, SelectionKey.OP_READ, null);
        } catch (IOException e) {
            listen.close();
            selector.close();
            throw new IOException("cannot bind the relay to " + config.listen() + ": " + e.getMessage(), e);
        }
        delayLine = config.delayMillis() > 0 || config.jitterMillis() > 0 ? new DelayLine("pxe-mock-relay-delay") : null;
        thread = new Thread(this::run, "pxe-mock-relay");
        thread.setDaemon(true);
    }

    public static UdpRelay start(Config config) throws IOException {
        UdpRelay r = new UdpRelay(config);
        r.thread.start();
        return r;
    }

    public InetSocketAddress listenAddress() {
        try {
            return (InetSocketAddress) listen.getLocalAddress();
        } catch (IOException e) {
            throw new IllegalStateException("the relay is closed", e);
        }
    }

    public long forwarded() { return forwarded.get(); }
    public long dropped() { return dropped.get(); }
    public long sessions() { return sessionCount.get(); }

    /** One client address: one upstream socket, and one client-facing socket per server port seen. */
    private final class Session {
        final InetSocketAddress client;
        final DatagramChannel upstream;
        final Map<Integer, DatagramChannel> downstream = new HashMap<>();
        long lastActive = System.nanoTime();

        Session(InetSocketAddress client) throws IOException {
            this.client = client;
            upstream = DatagramChannel.open();
            upstream.setOption(StandardSocketOptions.SO_RCVBUF, 4 << 20);
            upstream.bind(new InetSocketAddress(0));
            upstream.configureBlocking(false);
            upstream.register(selector, SelectionKey.OP_READ, new Role(this, -1));
        }

        DatagramChannel downstreamFor(int serverPort) throws IOException {
            if (serverPort == config.target().getPort()) return listen;
            DatagramChannel d = downstream.get(serverPort);
            if (d == null) {
                d = DatagramChannel.open();
                d.setOption(StandardSocketOptions.SO_RCVBUF, 4 << 20);
                d.bind(new InetSocketAddress(config.listen().getAddress(), 0));
                d.configureBlocking(false);
                d.register(selector, SelectionKey.OP_READ, new Role(this, serverPort));
                downstream.put(serverPort, d);
            }
            return d;
        }

        void close() {
            try {
                upstream.close();
                for (DatagramChannel d : downstream.values()) d.close();
            } catch (IOException e) {
                // closing: nothing to do
            }
        }
    }

    /** serverPort -1: the upstream socket; otherwise a client-facing socket for that server port. */
    private record Role(Session session, int serverPort) {}

    private void run() {
        ByteBuffer buf = ByteBuffer.allocateDirect(65536);
        long lastSweep = System.nanoTime();
        try {
            while (!closed) {
                selector.select(1000);
                Iterator<SelectionKey> it = selector.selectedKeys().iterator();
                while (it.hasNext()) {
                    SelectionKey key = it.next();
                    it.remove();
                    if (!key.isValid()) continue;
                    DatagramChannel ch = (DatagramChannel) key.channel();
                    while (true) {
                        buf.clear();
                        InetSocketAddress from;
                        try {
                            from = (InetSocketAddress) ch.receive(buf);
                        } catch (IOException e) {
                            break; // ICMP unreachable and the like: the next datagram may be fine
                        }
                        if (from == null) break;
                        buf.flip();
                        route(ch, (Role) key.attachment(), from, buf);
                    }
                }
                if (System.nanoTime() - lastSweep > 1_000_000_000L) {
                    sweep();
                    lastSweep = System.nanoTime();
                }
            }
        } catch (IOException | ClosedSelectorException e) {
            // closed
        }
    }

    private void route(DatagramChannel ch, Role role, InetSocketAddress from, ByteBuffer data) throws IOException {
        if (role == null) {
            // Client to the listen port: a new request (or a retransmitted one) for the target's port.
            Session s = sessions.get(from);
            if (s == null) {
                s = new Session(from);
                sessions.put(from, s);
                sessionCount.incrementAndGet();
            }
            s.lastActive = System.nanoTime();
            forward(s.upstream, config.target(), data);
        } else if (role.serverPort() < 0) {
            // Server to the client: through the client-facing socket that matches the server's port.
            Session s = role.session();
            s.lastActive = System.nanoTime();
            forward(s.downstreamFor(from.getPort()), s.client, data);
        } else {
            Session s = role.session();
            if (!from.equals(s.client)) return; // not our client: a stranger on an ephemeral port
            s.lastActive = System.nanoTime();
            forward(s.upstream, new InetSocketAddress(config.target().getAddress(), role.serverPort()), data);
        }
    }

    private void forward(DatagramChannel out, InetSocketAddress to, ByteBuffer data) throws IOException {
        if (config.loss() > 0 && random.nextDouble() < config.loss()) {
            dropped.incrementAndGet();
            return;
        }
        forwarded.incrementAndGet();
        if (delayLine != null) {
            double ms = config.delayMillis() + (config.jitterMillis() > 0 ? random.nextDouble() * config.jitterMillis() : 0);
            delayLine.send(out, to, data, System.nanoTime() + (long) (ms * 1_000_000));
        } else {
            out.send(data, to);
        }
    }

    private void sweep() {
        long idle = config.idleTimeoutMillis() * 1_000_000;
        Iterator<Session> it = sessions.values().iterator();
        while (it.hasNext()) {
            Session s = it.next();
            if (System.nanoTime() - s.lastActive > idle) {
                s.close();
                it.remove();
            }
        }
    }

    @Override public void close() {
        closed = true;
        selector.wakeup();
        try {
            thread.join(2000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        for (Session s : sessions.values()) s.close();
        try {
            listen.close();
            selector.close();
        } catch (IOException e) {
            // closing
        }
        if (delayLine != null) delayLine.close();
    }

    /** For the log line: {@code 127.0.0.1:6969 -> 10.0.0.1:69 delay=0.5ms loss=0.01}. */
    @Override public String toString() {
        InetAddress a = config.target().getAddress();
        return listenAddress().getAddress().getHostAddress() + ":" + listenAddress().getPort() + " -> " + a.getHostAddress() + ":"
            + config.target().getPort() + " delay=" + config.delayMillis() + "ms jitter=" + config.jitterMillis() + "ms loss=" + config.loss();
    }
}
