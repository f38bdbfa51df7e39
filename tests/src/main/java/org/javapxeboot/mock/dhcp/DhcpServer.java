package org.javapxeboot.mock.dhcp;

import java.io.IOException;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.DatagramChannel;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.dhcp4java.DHCPOption;
import org.dhcp4java.DHCPPacket;
import org.javapxeboot.net.MacAddress;
import org.javapxeboot.mock.record.RecordLog;

/**
 * A DHCP server for static leases on one UDP socket, one thread. {@link DhcpResponder} decides the
 * answer; this class owns the socket and the RFC 2131 rules on where the answer goes
 * ({@link DhcpServerConfig.ReplyMode}).
 */
public final class DhcpServer implements AutoCloseable {
    private final DhcpServerConfig config;
    private final DhcpResponder responder;
    private final DatagramChannel channel;
    private final Thread thread;
    private final RecordLog<DhcpRequestRecord> requests;
    private long received, repliesSent;
    private volatile boolean closed;

    private DhcpServer(DhcpServerConfig config) throws IOException {
        this.config = config;
        this.responder = new DhcpResponder(config);
        this.requests = new RecordLog<>(config.maxRecords());
        channel = DatagramChannel.open(java.net.StandardProtocolFamily.INET);
        try {
            channel.setOption(StandardSocketOptions.SO_BROADCAST, true);
            channel.setOption(StandardSocketOptions.SO_REUSEADDR, true);
            channel.bind(new InetSocketAddress(config.bindAddress(), config.port()));
        } catch (IOException e) {
            channel.close();
            throw new IOException("cannot bind DHCP to " + config.bindAddress().getHostAddress() + ":" + config.port() + ": " + e.getMessage(), e);
        }
        thread = new Thread(this::run, "pxe-mock-dhcp");
        thread.setDaemon(true);
    }

    public static DhcpServer start(DhcpServerConfig config) throws IOException {
        DhcpServer s = new DhcpServer(config);
        s.thread.start();
        return s;
    }

    public InetSocketAddress address() {
        try {
            return (InetSocketAddress) channel.getLocalAddress();
        } catch (IOException e) {
            throw new IllegalStateException("the DHCP server is closed", e);
        }
    }

    public DhcpServerConfig config() { return config; }

    /** The requests received, in order, with what was done about each (a copy; the newest {@code maxRecords}). */
    public List<DhcpRequestRecord> requests() { return requests.snapshot(); }

    /** Records dropped to stay within {@code maxRecords}. */
    public long recordsDropped() { return requests.dropped(); }

    public synchronized long received() { return received; }

    public synchronized long repliesSent() { return repliesSent; }

    private void run() {
        ByteBuffer buf = ByteBuffer.allocate(1500 * 2);
        while (!closed) {
            InetSocketAddress source;
            buf.clear();
            try {
                source = (InetSocketAddress) channel.receive(buf);
            } catch (ClosedChannelException e) {
                return;
            } catch (IOException e) {
                if (closed) return;
                continue;
            }
            buf.flip();
            try {
                handle(Arrays.copyOf(buf.array(), buf.limit()), source);
            } catch (RuntimeException e) {
                // One odd packet must not end the server: say what happened and serve the next one.
                log("dhcp: cannot handle a packet from " + source + ": " + e);
            }
        }
    }

    private void handle(byte[] data, InetSocketAddress source) {
        DHCPPacket request;
        try {
            request = DHCPPacket.getPacket(data, 0, data.length, true);
        } catch (IllegalArgumentException e) { // DHCPBadPacketException is one
            log("dhcp: malformed packet from " + source + ": " + e.getMessage());
            return;
        }
        long ordinal;
        synchronized (this) { ordinal = ++received; }
        DhcpResponder.Decision d = responder.respond(request, ordinal);
        int sent = 0;
        for (DHCPPacket reply : d.replies()) {
            InetSocketAddress to = null;
            try {
                to = destination(request, reply, source);
                channel.send(ByteBuffer.wrap(reply.serialize()), to);
                sent++;
                if (config.replyMode() == DhcpServerConfig.ReplyMode.RFC2131 && !to.getAddress().equals(BroadcastTarget.LIMITED)
                        && to.getAddress().equals(broadcastOf(reply))) {
                    // Also to 255.255.255.255 where a route lets it out: an unconfigured UEFI
                    // network stack (OVMF's PXE and HTTP boot clients) takes only the limited
                    // broadcast, never a subnet's. Without such a route this send fails: ignored,
                    // the directed broadcast above went.
                    try {
                        channel.send(ByteBuffer.wrap(reply.serialize()), new InetSocketAddress(BroadcastTarget.LIMITED, to.getPort()));
                    } catch (IOException unreachable) {
                        // no route for the limited broadcast here
                    }
                }
            } catch (IOException e) {
                log("dhcp: cannot send a reply for " + source + " to " + (to == null ? "?" : to.getAddress().getHostAddress() + ":" + to.getPort())
                    + ": " + e.getMessage());
            }
        }
        Map<Integer, byte[]> options = new LinkedHashMap<>();
        for (DHCPOption o : request.getOptionsArray()) options.put(o.getCode() & 0xFF, o.getValue());
        Byte type = request.getDHCPMessageType();
        byte[] chaddr = request.getChaddr();
        MacAddress mac = chaddr != null && chaddr.length >= 6 ? MacAddress.of(Arrays.copyOf(chaddr, 6)) : MacAddress.of(new byte[6]);
        DhcpRequestRecord r = new DhcpRequestRecord(ordinal, Instant.now(), source, mac, request.getXid(), type == null ? 0 : type & 0xFF,
            (request.getFlags() & 0x8000) != 0, options, d.summary());
        synchronized (this) {
            requests.add(r);
            repliesSent += sent;
        }
        log("dhcp " + DhcpRequestRecord.typeName(r.messageType()) + " from " + mac + " (" + source.getAddress().getHostAddress() + ":" + source.getPort() + "): " + d.summary());
    }

    /** The directed broadcast a reply without giaddr or ciaddr goes to (see {@link #destination}). */
    private InetAddress broadcastOf(DHCPPacket reply) {
        InetAddress yiaddr = reply.getYiaddr();
        Inet4Address client = yiaddr instanceof Inet4Address y && !y.isAnyLocalAddress() ? y : config.serverId();
        return BroadcastTarget.of(client, BroadcastTarget.localNets());
    }

    private InetSocketAddress destination(DHCPPacket request, DHCPPacket reply, InetSocketAddress source) {
        if (config.replyMode() == DhcpServerConfig.ReplyMode.SOURCE) return source;
        InetAddress giaddr = request.getGiaddr();
        if (giaddr != null && !giaddr.isAnyLocalAddress()) return new InetSocketAddress(giaddr, config.port() == 0 ? 67 : config.port());
        boolean nak = reply.getDHCPMessageType() != null && reply.getDHCPMessageType() == org.dhcp4java.DHCPConstants.DHCPNAK;
        InetAddress ciaddr = request.getCiaddr();
        if (!nak && ciaddr instanceof Inet4Address && !ciaddr.isAnyLocalAddress()) return new InetSocketAddress(ciaddr, config.clientPort());
        InetAddress yiaddr = reply.getYiaddr();
        Inet4Address client = yiaddr instanceof Inet4Address y && !y.isAnyLocalAddress() ? y : config.serverId();
        return new InetSocketAddress(BroadcastTarget.of(client, BroadcastTarget.localNets()), config.clientPort());
    }

    private void log(String line) {
        if (config.log() != null) config.log().accept(line);
    }

    @Override public void close() {
        closed = true;
        try {
            channel.close();
        } catch (IOException e) {
            // already closed
        }
        try {
            thread.join(2000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
