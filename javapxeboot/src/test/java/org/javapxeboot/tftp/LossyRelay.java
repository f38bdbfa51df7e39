package org.javapxeboot.tftp;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.DatagramChannel;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;
import java.util.PriorityQueue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A UDP relay between a TFTP client and a real server that drops, duplicates, reorders or delays
 * chosen packets, deterministically (no tc netem here). The client sends its request to
 * {@link #address()}; each client gets its own pair of sockets, one facing the client (so the client
 * sees a stable server TID) and one facing the server (so the server sees a stable client TID).
 */
final class LossyRelay implements AutoCloseable {
    enum Dir { TO_CLIENT, TO_SERVER }

    enum Action { PASS, DROP, DUPLICATE, /** send it after the next packet in the same direction */ HOLD }

    /** Decides the fate of one packet; {@code block} is the wire block of DATA/ACK, else -1. Runs on the relay thread. */
    interface Rule {
        Action decide(Dir dir, int opcode, int block, int length);
    }

    private final InetSocketAddress server;
    private final Rule rule;
    private final long delayNanos;
    private final Selector sel;
    private final DatagramChannel listen;
    private final Map<SocketAddress, Session> sessions = new HashMap<>();
    private final PriorityQueue<Pending> delayed = new PriorityQueue<>((a, b) -> Long.compare(a.due, b.due));
    private final Map<Dir, Pending> held = new HashMap<>();
    private final Thread thread;
    private volatile boolean running = true;
    private volatile boolean stalled;

    /** Packets forwarded (after the rule), by direction and opcode: "TO_SERVER/4" counts ACKs from the client. */
    final Map<String, AtomicInteger> counts = new ConcurrentHashMap<>();
    /** ACKs the client sent, by wire block number. */
    final Map<Integer, AtomicInteger> acksByBlock = new ConcurrentHashMap<>();
    volatile InetSocketAddress lastClient;

    LossyRelay(InetSocketAddress server, Rule rule) throws IOException {
        this(server, rule, 0);
    }

    /** @param oneWayDelayNanos added to every packet in each direction (half the emulated RTT) */
    LossyRelay(InetSocketAddress server, Rule rule, long oneWayDelayNanos) throws IOException {
        this.server = server;
        this.rule = rule;
        this.delayNanos = oneWayDelayNanos;
        sel = Selector.open();
        listen = open();
        listen.register(sel, SelectionKey.OP_READ, null);
        thread = new Thread(this::loop, "lossy-relay");
        thread.setDaemon(true);
        thread.start();
    }

    InetSocketAddress address() throws IOException {
        return (InetSocketAddress) listen.getLocalAddress();
    }

    /** From now on, forward nothing: a server that stalls mid-file, as seen by the client. */
    void stall() { stalled = true; }

    int count(Dir dir, int opcode) {
        AtomicInteger c = counts.get(dir + "/" + opcode);
        return c == null ? 0 : c.get();
    }

    private static DatagramChannel open() throws IOException {
        return open(InetAddress.getLoopbackAddress());
    }

    /** @param local loopback for the sockets facing the client; null (any) for the one facing a server
     *               that may sit behind another interface (the benchmark's veth) */
    private static DatagramChannel open(InetAddress local) throws IOException {
        DatagramChannel c = DatagramChannel.open();
        c.bind(new InetSocketAddress(local, 0));
        c.configureBlocking(false);
        c.setOption(java.net.StandardSocketOptions.SO_RCVBUF, 4 << 20);
        return c;
    }

    private final class Session {
        final SocketAddress client;
        final DatagramChannel toClient, toServer;
        SocketAddress serverTid;

        Session(SocketAddress client) throws IOException {
            this.client = client;
            toClient = open();
            toServer = open(server.getAddress().isLoopbackAddress() ? InetAddress.getLoopbackAddress() : null);
            toClient.register(sel, SelectionKey.OP_READ, this);
            toServer.register(sel, SelectionKey.OP_READ, this);
        }
    }

    private static final class Pending {
        final long due;
        final DatagramChannel via;
        final SocketAddress to;
        final byte[] data;
        final Dir dir;

        Pending(long due, DatagramChannel via, SocketAddress to, byte[] data, Dir dir) {
            this.due = due;
            this.via = via;
            this.to = to;
            this.data = data;
            this.dir = dir;
        }
    }

    private void loop() {
        ByteBuffer buf = ByteBuffer.allocate(70000);
        try {
            while (running) {
                long now = System.nanoTime();
                while (!delayed.isEmpty() && delayed.peek().due <= now) transmit(delayed.poll());
                long wait = delayed.isEmpty() ? 50 : Math.max(1, (delayed.peek().due - now) / 1_000_000);
                if (delayNanos > 0 && !delayed.isEmpty() && delayed.peek().due - now < 1_000_000) sel.selectNow();
                else sel.select(wait);
                for (SelectionKey k : sel.selectedKeys()) {
                    DatagramChannel ch = (DatagramChannel) k.channel();
                    SocketAddress from;
                    while ((from = receive(ch, buf.clear())) != null) {
                        byte[] data = Arrays.copyOf(buf.array(), buf.position());
                        Session s = (Session) k.attachment();
                        if (s == null) { // a request at the well-known port
                            s = sessions.get(from);
                            if (s == null) {
                                s = new Session(from);
                                sessions.put(from, s);
                            }
                            lastClient = (InetSocketAddress) from;
                            forward(Dir.TO_SERVER, s.toServer, server, data);
                        } else if (ch == s.toServer) {
                            s.serverTid = from;
                            forward(Dir.TO_CLIENT, s.toClient, s.client, data);
                        } else if (from.equals(s.client)) {
                            forward(Dir.TO_SERVER, s.toServer, s.serverTid != null ? s.serverTid : server, data);
                        }
                    }
                }
                sel.selectedKeys().clear();
            }
        } catch (IOException e) {
            if (running) e.printStackTrace();
        }
    }

    private static SocketAddress receive(DatagramChannel ch, ByteBuffer b) throws IOException {
        return ch.receive(b);
    }

    private void forward(Dir dir, DatagramChannel via, SocketAddress to, byte[] data) throws IOException {
        if (stalled) return;
        int op = data.length >= 2 ? ((data[0] & 0xFF) << 8) | (data[1] & 0xFF) : -1;
        int block = (op == TftpPacket.DATA || op == TftpPacket.ACK) && data.length >= 4
            ? ((data[2] & 0xFF) << 8) | (data[3] & 0xFF) : -1;
        Action a = rule.decide(dir, op, block, data.length);
        if (a == Action.DROP) return;
        Pending p = new Pending(System.nanoTime() + delayNanos, via, to, data, dir);
        if (a == Action.HOLD) {
            Pending before = held.put(dir, p);
            if (before != null) schedule(before);
            return;
        }
        count(dir, op, block);
        schedule(p);
        if (a == Action.DUPLICATE) {
            count(dir, op, block);
            schedule(p);
        }
        Pending h = held.remove(dir);
        if (h != null) {
            int hop = ((h.data[0] & 0xFF) << 8) | (h.data[1] & 0xFF);
            count(dir, hop, h.data.length >= 4 ? ((h.data[2] & 0xFF) << 8) | (h.data[3] & 0xFF) : -1);
            schedule(h);
        }
    }

    private void count(Dir dir, int op, int block) {
        counts.computeIfAbsent(dir + "/" + op, k -> new AtomicInteger()).incrementAndGet();
        if (dir == Dir.TO_SERVER && op == TftpPacket.ACK) acksByBlock.computeIfAbsent(block, k -> new AtomicInteger()).incrementAndGet();
    }

    private void schedule(Pending p) throws IOException {
        if (delayNanos == 0) transmit(p);
        else delayed.add(p);
    }

    private static void transmit(Pending p) throws IOException {
        p.via.send(ByteBuffer.wrap(p.data), p.to);
    }

    @Override public void close() throws IOException {
        running = false;
        sel.wakeup();
        try {
            thread.join(2000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        for (Session s : sessions.values()) {
            s.toClient.close();
            s.toServer.close();
        }
        listen.close();
        sel.close();
    }
}
