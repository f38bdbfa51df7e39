package org.javapxeboot.dhcp;

import static org.dhcp4java.DHCPConstants.BOOTREPLY;
import static org.dhcp4java.DHCPConstants.DHCPACK;
import static org.dhcp4java.DHCPConstants.DHCPNAK;
import static org.dhcp4java.DHCPConstants.DHCPOFFER;
import static org.dhcp4java.DHCPConstants.DHO_DHCP_MESSAGE;
import static org.dhcp4java.DHCPConstants.DHO_DHCP_MESSAGE_TYPE;
import static org.dhcp4java.DHCPConstants.DHO_DHCP_SERVER_IDENTIFIER;

import java.io.IOException;
import java.net.Inet4Address;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.SplittableRandom;
import java.util.UUID;
import java.util.function.Consumer;
import java.util.function.LongSupplier;
import java.util.random.RandomGenerator;
import org.dhcp4java.DHCPPacket;
import org.javapxeboot.net.MacAddress;

/**
 * Obtains a DHCP lease on behalf of a guest: DISCOVER, OFFER, REQUEST, ACK with the guest's MAC, as the guest's
 * PXE ROM would (see {@link DhcpMessages}). The states are the table in {@link DhcpState}; time comes from an
 * injectable nanosecond clock and the network from an injectable {@link DhcpTransport}.
 *
 * <p>Over 400 lines on purpose: the inner {@code Exchange} is one RFC 2131 exchange (its retransmission timer,
 * xid, offers and NAK count are one state), and {@code Settings} is the public face callers name as
 * {@code DhcpClient.Settings}; the codec ({@link DhcpMessages}, {@link LeaseParser}, {@link DhcpTlv}) and the state
 * table ({@link DhcpState}) already live beside it.
 */
public final class DhcpClient {
    /** NAKs taken (each restarts from DISCOVER with a new xid, RFC 2131 §4.4.1) before giving up. */
    static final int MAX_NAKS = 3;

    /**
     * @param mac             the guest's MAC: chaddr, option 61 and the default UUID come from it
     * @param bind            local address of the socket (default 0.0.0.0:68, the BOOTP client port)
     * @param target          where requests go (default 255.255.255.255:67)
     * @param interfaceName   with the limited broadcast as target, send through this interface's directed
     *                        broadcast instead (default none: the kernel's routing decides)
     * @param totalTimeout    hard limit for the whole exchange (default 30 s)
     * @param firstRetransmit wait after the first send of each state, doubled per retransmission up to
     *                        8 s, ±10 % jitter (default 1 s)
     * @param clientUuid      option 97 (default derived from the MAC, {@link DhcpMessages#uuidFor})
     * @param log             one line per event, for a verbose console (default: discard)
     */
    public record Settings(MacAddress mac, InetSocketAddress bind, InetSocketAddress target, String interfaceName,
                           Duration totalTimeout, Duration firstRetransmit, UUID clientUuid, Consumer<String> log) {

        public Settings {
            Objects.requireNonNull(mac, "mac");
            Objects.requireNonNull(bind, "bind");
            Objects.requireNonNull(target, "target");
            Objects.requireNonNull(totalTimeout, "totalTimeout");
            Objects.requireNonNull(firstRetransmit, "firstRetransmit");
            if (totalTimeout.isNegative() || totalTimeout.isZero()) {
                throw new IllegalArgumentException("DHCP total timeout must be positive, not " + totalTimeout);
            }
            if (firstRetransmit.isNegative() || firstRetransmit.isZero()) {
                throw new IllegalArgumentException("DHCP first retransmit must be positive, not " + firstRetransmit);
            }
            if (log == null) log = line -> { };
        }

        public static Settings defaults(MacAddress mac) {
            return new Settings(mac, new InetSocketAddress("0.0.0.0", 68), new InetSocketAddress("255.255.255.255", 67),
                    null, Duration.ofSeconds(30), Duration.ofSeconds(1), null, null);
        }

        public Settings withBind(InetSocketAddress v) {
            return new Settings(mac, v, target, interfaceName, totalTimeout, firstRetransmit, clientUuid, log);
        }

        public Settings withTarget(InetSocketAddress v) {
            return new Settings(mac, bind, v, interfaceName, totalTimeout, firstRetransmit, clientUuid, log);
        }

        public Settings withInterface(String v) {
            return new Settings(mac, bind, target, v, totalTimeout, firstRetransmit, clientUuid, log);
        }

        public Settings withTotalTimeout(Duration v) {
            return new Settings(mac, bind, target, interfaceName, v, firstRetransmit, clientUuid, log);
        }

        public Settings withFirstRetransmit(Duration v) {
            return new Settings(mac, bind, target, interfaceName, totalTimeout, v, clientUuid, log);
        }

        public Settings withUuid(UUID v) {
            return new Settings(mac, bind, target, interfaceName, totalTimeout, firstRetransmit, v, log);
        }

        public Settings withLog(Consumer<String> v) {
            return new Settings(mac, bind, target, interfaceName, totalTimeout, firstRetransmit, clientUuid, v);
        }

        /** The UUID sent in option 97: {@link #clientUuid} or the one derived from the MAC. */
        public UUID effectiveUuid() {
            return clientUuid != null ? clientUuid : DhcpMessages.uuidFor(mac);
        }
    }

    private final Settings settings;
    private final DhcpTransport.Factory transports;
    private final LongSupplier nanoClock;
    private final RandomGenerator random;

    public DhcpClient(Settings s) {
        this(s, UdpDhcpTransport::open, System::nanoTime, new SplittableRandom());
    }

    /** The seams: tests pass a scripted transport, a virtual clock and a fixed random source. */
    DhcpClient(Settings s, DhcpTransport.Factory transports, LongSupplier nanoClock, RandomGenerator random) {
        this.settings = Objects.requireNonNull(s, "settings");
        this.transports = transports;
        this.nanoClock = nanoClock;
        this.random = random;
    }

    public DhcpLease obtain() throws DhcpException {
        long start = nanoClock.getAsLong();
        try (DhcpTransport t = transports.open(settings)) {
            return new Exchange(t, start).run();
        }
    }

    /** One run of the state machine. */
    private final class Exchange {
        private final DhcpTransport transport;
        private final long start;
        private final long deadline;
        private final MacAddress mac = settings.mac();
        private final byte[] macBytes = mac.bytes();
        private final UUID uuid = settings.effectiveUuid();
        private final int[] sent = new int[DhcpState.values().length];
        private final Map<String, Integer> ignored = new LinkedHashMap<>();
        private DhcpState state;
        private int xid;
        private int transmissions;
        private Inet4Address offeredAddress;
        private Inet4Address offeringServer;
        private int naks;
        private String lastNak;
        /** The last offer taken, kept across restarts for the timeout message. */
        private String lastOffer;
        /** The first ProxyDHCP offer seen, if any; kept across restarts. */
        private ProxyDhcp.Offer proxy;
        /** In BOOT_SERVER: the ACKed lease still lacking a boot file, and where the boot server REQUEST goes. */
        private DhcpLease acked;
        private InetSocketAddress bootServer;
        private int bootServerType;

        Exchange(DhcpTransport transport, long start) {
            this.transport = transport;
            this.start = start;
            this.deadline = start + settings.totalTimeout().toNanos();
        }

        DhcpLease run() throws DhcpException {
            restart();
            while (true) {
                long now = nanoClock.getAsLong();
                if (now - deadline >= 0) return givenUp();
                send(now);
                long wait = state.retransmitDelay(settings.firstRetransmit(), transmissions, random.nextDouble()).toNanos();
                long retransmitAt = now + Math.min(wait, deadline - now);
                DhcpState before = state;
                int beforeXid = xid;
                while (state == before && xid == beforeXid) {
                    long left = retransmitAt - nanoClock.getAsLong();
                    if (left <= 0) break;
                    DhcpTransport.Datagram d;
                    try {
                        d = transport.receive(Duration.ofNanos(left));
                    } catch (IOException e) {
                        throw new DhcpException("receiving DHCP replies for " + mac + " on "
                                + UdpDhcpTransport.show(settings.bind()) + " failed: " + e.getMessage(), e);
                    }
                    if (d == null) continue;
                    DhcpLease lease = handle(d);
                    if (lease != null) return lease;
                }
                if (nanoClock.getAsLong() - deadline >= 0) return givenUp();
                if (state == before && xid == beforeXid
                        && state.maxTransmissions > 0 && transmissions >= state.maxTransmissions) {
                    if (state == DhcpState.BOOT_SERVER) return givenUp();
                    log("no " + state.awaits + " after " + transmissions + " " + state.sends + "s; starting over");
                    restart();
                }
            }
        }

        /**
         * The total timeout or the state's transmission limit has passed. Boot server discovery is optional
         * (the lease itself is good), so it ends with the lease; any other state ends in a DhcpException.
         */
        private DhcpLease givenUp() throws DhcpException {
            if (state != DhcpState.BOOT_SERVER) throw timedOut();
            log("no answer from PXE boot server " + UdpDhcpTransport.show(bootServer) + " after " + transmissions
                    + " REQUESTs; going on without a boot file");
            return ProxyDhcp.merge(acked, null, (Inet4Address) bootServer.getAddress(), null, null, null);
        }

        /** RFC 2131 §4.4.1 INIT: a new transaction from DISCOVER. */
        private void restart() {
            state = DhcpState.SELECTING;
            xid = random.nextInt();
            transmissions = 0;
            offeredAddress = null;
            offeringServer = null;
        }

        private void send(long now) throws DhcpException {
            int secs = (int) Math.min(0xffff, (now - start) / 1_000_000_000L);
            DHCPPacket p;
            InetSocketAddress to = transport.destination();
            switch (state) {
                case SELECTING:
                    p = DhcpMessages.discover(mac, uuid, xid, secs);
                    break;
                case REQUESTING:
                    p = DhcpMessages.request(mac, uuid, xid, secs, offeredAddress, offeringServer);
                    break;
                default:
                    p = DhcpMessages.bootServerRequest(mac, uuid, xid, secs, acked.clientAddress(), bootServerType);
                    to = bootServer;
            }
            try {
                transport.send(DhcpMessages.encode(p), to);
            } catch (IOException e) {
                String hint = settings.interfaceName() == null && to.getAddress() != null
                        && to.getAddress().getHostAddress().equals("255.255.255.255")
                        ? " (name the interface the guest's network is on, e.g. --interface xenbr0)" : "";
                throw new DhcpException("cannot send DHCP " + state.sends + " for " + mac + " to "
                        + UdpDhcpTransport.show(to) + ": " + e.getMessage() + hint, e);
            }
            transmissions++;
            sent[state.ordinal()]++;
            log(state.sends + " for " + mac + " xid " + hex(xid) + " to " + UdpDhcpTransport.show(to)
                    + " (#" + transmissions + ")");
        }

        /** Returns the lease on a usable ACK, null when the reply was ignored or moved the state. */
        private DhcpLease handle(DhcpTransport.Datagram d) throws DhcpException {
            String from = UdpDhcpTransport.show(d.from());
            DHCPPacket p;
            try {
                p = LeaseParser.decode(d.data(), 0, d.data().length);
            } catch (DhcpException e) {
                return ignore("malformed", from, e.getMessage());
            }
            if (p.getOp() != BOOTREPLY) return ignore("not a BOOTREPLY", from, "op " + p.getOp());
            if (p.getXid() != xid) return ignore("with another xid", from, "xid " + hex(p.getXid()));
            if (!Arrays.equals(Arrays.copyOf(p.getChaddr(), 6), macBytes)) {
                return ignore("for another MAC", from, "chaddr " + p.getChaddrAsHex());
            }
            byte[] type = p.getOptionRaw(DHO_DHCP_MESSAGE_TYPE);
            if (type == null || type.length != 1) return ignore("without a DHCP message type", from, "BOOTP reply?");
            if (type[0] == DHCPOFFER && state != DhcpState.BOOT_SERVER && ProxyDhcp.isProxyOffer(p)) {
                return proxyOffer(p, from);
            }
            if (!state.accepts(type[0])) {
                return ignore("of an unexpected type", from, typeName(type[0]) + " while waiting for " + state.awaits);
            }
            Inet4Address serverId = serverId(p);
            switch (type[0]) {
                case DHCPOFFER:
                    Inet4Address yiaddr = LeaseParser.inet4(p.getYiaddrRaw());
                    if (yiaddr.isAnyLocalAddress() || serverId == null) {
                        return ignore("unusable offer", from, "an OFFER needs yiaddr and option 54 (RFC 2131 §4.3.1)");
                    }
                    offeredAddress = yiaddr;
                    offeringServer = serverId;
                    lastOffer = "offer of " + yiaddr.getHostAddress() + " from " + serverId.getHostAddress();
                    log("offer of " + yiaddr.getHostAddress() + " from " + serverId.getHostAddress());
                    state = DhcpState.REQUESTING;
                    transmissions = 0;
                    return null;
                case DHCPACK:
                    if (state == DhcpState.BOOT_SERVER) return bootServerAck(p, from);
                    if (serverId != null && !serverId.equals(offeringServer)) {
                        return ignore("from another server", from, "ACK from " + serverId.getHostAddress());
                    }
                    DhcpLease lease;
                    try {
                        lease = LeaseParser.parse(p);
                    } catch (DhcpException e) {
                        throw new DhcpException("unusable DHCP ACK for " + mac + ": " + e.getMessage(), e);
                    }
                    log("ACK " + lease.clientAddress().getHostAddress() + " from " + from + ", TFTP server "
                            + (lease.tftpServer() == null ? "unknown" : lease.tftpServer().getHostAddress())
                            + ", boot file " + lease.bootFile());
                    return afterAck(lease);
                case DHCPNAK:
                    if (serverId != null && !serverId.equals(offeringServer)) {
                        return ignore("from another server", from, "NAK from " + serverId.getHostAddress());
                    }
                    naks++;
                    String who = serverId != null ? serverId.getHostAddress() : offeringServer.getHostAddress();
                    String why = LeaseParser.text(orEmpty(p.getOptionRaw(DHO_DHCP_MESSAGE)));
                    lastNak = "DHCP server " + who + " sent NAK for " + mac + ": "
                            + (why == null ? "(no message)" : why.strip());
                    if (naks >= MAX_NAKS) {
                        throw new DhcpException(lastNak + " (" + naks + " NAKs, giving up; check that server's"
                                + " configuration for this MAC)");
                    }
                    log(lastNak + "; starting over");
                    restart();
                    return null;
                default:
                    return ignore("of an unexpected type", from, typeName(type[0]));
            }
        }

        private DhcpLease proxyOffer(DHCPPacket p, String from) {
            if (proxy != null) return ignore("from a second ProxyDHCP server", from, "the first one is used");
            try {
                proxy = ProxyDhcp.parseOffer(p);
            } catch (DhcpException e) {
                return ignore("malformed ProxyDHCP offer", from, e.getMessage());
            }
            log("ProxyDHCP offer from " + proxy.server().getHostAddress() + ": boot file " + proxy.bootFile()
                    + ", menu " + proxy.menu());
            return null;
        }

        /**
         * The DHCP server's boot settings win (as iPXE's do when the DHCP offer itself is PXE-aware); without a
         * boot file, a ProxyDHCP offer supplies it, directly or through boot server discovery.
         */
        private DhcpLease afterAck(DhcpLease lease) {
            if (lease.bootFile() != null || proxy == null) return lease;
            if (proxy.bootFile() != null || proxy.menu().isEmpty()) {
                log("boot settings from the ProxyDHCP offer of " + proxy.server().getHostAddress());
                return ProxyDhcp.merge(lease, proxy.nextServer(), proxy.server(), proxy.bootFile(), null, null);
            }
            ProxyDhcp.MenuItem item = proxy.menu().get(0);
            Inet4Address server = proxy.bootServers().get(0) != null ? proxy.bootServers().get(0) : proxy.server();
            log("PXE menu item '" + item.description() + "' (type " + item.type() + ") from boot server "
                    + server.getHostAddress());
            acked = lease;
            bootServer = new InetSocketAddress(server, ProxyDhcp.PXE_PORT);
            bootServerType = item.type();
            state = DhcpState.BOOT_SERVER;
            transmissions = 0;
            return null;
        }

        private DhcpLease bootServerAck(DHCPPacket p, String from) {
            DhcpLease bs;
            try {
                bs = LeaseParser.parse(p);
            } catch (DhcpException e) {
                return ignore("malformed boot server ACK", from, e.getMessage());
            }
            log("boot server ACK from " + from + ": boot file " + bs.bootFile());
            return ProxyDhcp.merge(acked, bs.nextServer(), (Inet4Address) bootServer.getAddress(), bs.bootFile(),
                    bs.configFile(), bs.pathPrefix());
        }

        private Inet4Address serverId(DHCPPacket p) {
            byte[] v = p.getOptionRaw(DHO_DHCP_SERVER_IDENTIFIER);
            return v != null && v.length == 4 ? LeaseParser.inet4(v) : null;
        }

        private DhcpLease ignore(String reason, String from, String detail) {
            ignored.merge(reason, 1, Integer::sum);
            log("ignored a reply " + reason + " from " + from + ": " + detail);
            return null;
        }

        private DhcpException timedOut() {
            StringBuilder m = new StringBuilder();
            // Once a server has offered, what is missing is its ACK, even if we went back to DISCOVER since.
            String awaited = lastOffer == null ? state.awaits : DhcpState.REQUESTING.awaits;
            m.append("no DHCP ").append(awaited).append(" for ").append(mac).append(" within ")
                    .append(show(settings.totalTimeout())).append(" (");
            if (lastOffer != null) m.append(lastOffer).append("; ");
            String sep = "";
            for (DhcpState s : DhcpState.values()) {
                int n = sent[s.ordinal()];
                if (n == 0) continue;
                m.append(sep).append(n).append(' ').append(s.sends).append(n == 1 ? "" : "s");
                sep = " and ";
            }
            m.append(" sent to ").append(UdpDhcpTransport.show(transport.destination())).append(')');
            if (!ignored.isEmpty()) {
                int total = ignored.values().stream().mapToInt(Integer::intValue).sum();
                m.append("; ignored ").append(total).append(total == 1 ? " reply" : " replies").append(" (");
                sep = "";
                for (Map.Entry<String, Integer> e : ignored.entrySet()) {
                    m.append(sep).append(e.getValue()).append(' ').append(e.getKey());
                    sep = ", ";
                }
                m.append(')');
            }
            if (lastNak != null) m.append("; last: ").append(lastNak);
            return new DhcpException(m.toString());
        }

        private void log(String line) {
            settings.log().accept("dhcp: " + line);
        }
    }

    private static byte[] orEmpty(byte[] b) { return b == null ? new byte[0] : b; }

    static String hex(int xid) { return "0x" + java.util.HexFormat.of().toHexDigits(xid); }

    static String typeName(byte t) {
        String name = DhcpOptions.messageTypeName(t & 0xff);
        return name != null ? name : "message type " + (t & 0xff);
    }

    /** "30 s", "1.5 s", "200 ms". */
    static String show(Duration d) {
        long ms = d.toMillis();
        if (ms < 1000) return ms + " ms";
        if (ms % 1000 == 0) return ms / 1000 + " s";
        return java.math.BigDecimal.valueOf(ms, 3).stripTrailingZeros().toPlainString() + " s";
    }
}
