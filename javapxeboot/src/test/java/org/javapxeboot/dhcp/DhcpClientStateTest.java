package org.javapxeboot.dhcp;

import static org.dhcp4java.DHCPConstants.DHCPACK;
import static org.dhcp4java.DHCPConstants.DHCPDISCOVER;
import static org.dhcp4java.DHCPConstants.DHCPNAK;
import static org.dhcp4java.DHCPConstants.DHCPOFFER;
import static org.dhcp4java.DHCPConstants.DHCPREQUEST;
import static org.javapxeboot.dhcp.Replies.ip;
import static org.javapxeboot.dhcp.Replies.reply;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.dhcp4java.DHCPPacket;
import org.javapxeboot.dhcp.VirtualNet.Reply;
import org.javapxeboot.net.MacAddress;
import org.junit.jupiter.api.Test;

/** The state machine and its timers, on a virtual clock: exact send times, no sleeping. */
class DhcpClientStateTest {
    static final MacAddress MAC = MacAddress.parse("aa:00:86:e2:35:72");
    static final MacAddress OTHER = MacAddress.parse("aa:00:86:00:00:01");
    final List<String> log = new ArrayList<>();
    final DhcpClient.Settings settings = DhcpClient.Settings.defaults(MAC).withLog(log::add);

    static byte type(DHCPPacket p) { return p.getOptionRaw((byte) 53)[0]; }

    /** A well-behaved server: offers 10.0.0.5, ACKs a REQUEST for it with siaddr and file set. */
    static List<Reply> good(DHCPPacket req, int index) {
        if (type(req) == DHCPDISCOVER) return List.of(Reply.now(reply(req, DHCPOFFER, "10.0.0.5", "10.0.0.1")));
        DHCPPacket ack = reply(req, DHCPACK, "10.0.0.5", "10.0.0.1");
        ack.setSiaddr(ip("10.0.0.2"));
        ack.setFile("pxelinux.0");
        return List.of(Reply.now(ack));
    }

    @Test
    void fullExchange() throws Exception {
        VirtualNet net = new VirtualNet(DhcpClientStateTest::good);
        DhcpLease lease = net.client(settings).obtain();
        assertEquals(ip("10.0.0.5"), lease.clientAddress());
        assertEquals(ip("10.0.0.2"), lease.tftpServer());
        assertEquals("pxelinux.0", lease.bootFile());
        assertEquals(2, net.sent.size());
        DHCPPacket discover = net.sent.get(0).packet(), request = net.sent.get(1).packet();
        assertEquals(DHCPDISCOVER, type(discover));
        assertEquals(DHCPREQUEST, type(request));
        assertEquals(discover.getXid(), request.getXid(), "RFC 2131 §4.4.1: the REQUEST keeps the OFFER's xid");
        assertEquals("10.0.0.5", Replies.ip("10.0.0.5").getHostAddress());
        assertEquals(ip("10.0.0.5"), java.net.InetAddress.getByAddress(request.getOptionRaw((byte) 50)));
        assertEquals(ip("10.0.0.1"), java.net.InetAddress.getByAddress(request.getOptionRaw((byte) 54)));
        assertTrue(net.closed, "the transport is closed after the exchange");
        assertTrue(log.stream().anyMatch(l -> l.startsWith("dhcp: ACK 10.0.0.5")), String.join("\n", log));
    }

    @Test
    void silentServerRetransmitsWithBackoffAndGivesUpAtTheTotalTimeout() {
        VirtualNet net = new VirtualNet((req, i) -> List.of());
        DhcpException e = assertThrows(DhcpException.class, () -> net.client(settings).obtain());
        assertEquals("no DHCP offer for aa:00:86:e2:35:72 within 30 s (6 DISCOVERs sent to 255.255.255.255:67)",
                e.getMessage());
        assertEquals(List.of(0.0, 1.0, 3.0, 7.0, 15.0, 23.0), net.sendTimes(), "1, 2, 4, 8, 8 s apart");
        assertEquals(30.0, net.now / 1e9, "gives up exactly at the deadline");
        List<Integer> secs = net.sent.stream().map(s -> (int) s.packet().getSecs()).toList();
        assertEquals(List.of(0, 1, 3, 7, 15, 23), secs, "secs counts from the first DISCOVER");
        assertEquals(1, net.sent.stream().map(s -> s.packet().getXid()).distinct().count(), "one xid throughout");
    }

    @Test
    void timersFollowTheSettings() {
        VirtualNet net = new VirtualNet((req, i) -> List.of());
        DhcpClient.Settings s = settings.withTotalTimeout(Duration.ofMillis(2500)).withFirstRetransmit(Duration.ofMillis(200));
        DhcpException e = assertThrows(DhcpException.class, () -> net.client(s).obtain());
        assertEquals(List.of(0.0, 0.2, 0.6, 1.4), net.sendTimes());
        assertTrue(e.getMessage().contains("within 2.5 s (4 DISCOVERs"), e.getMessage());
    }

    @Test
    void retransmitDelayDoublesCapsAndJitters() {
        DhcpState s = DhcpState.SELECTING;
        Duration one = Duration.ofSeconds(1);
        assertEquals(Duration.ofSeconds(1), s.retransmitDelay(one, 1, 0.5));
        assertEquals(Duration.ofSeconds(4), s.retransmitDelay(one, 3, 0.5));
        assertEquals(Duration.ofSeconds(8), s.retransmitDelay(one, 4, 0.5));
        assertEquals(Duration.ofSeconds(8), s.retransmitDelay(one, 40, 0.5), "capped, no overflow");
        assertEquals(Duration.ofMillis(3600), s.retransmitDelay(one, 3, 0.0), "-10 %");
        assertEquals(Duration.ofMillis(4400), s.retransmitDelay(one, 3, 1.0), "+10 %");
        assertEquals(Duration.ofSeconds(20), s.retransmitDelay(Duration.ofSeconds(20), 3, 0.5), "never below the first");
    }

    @Test
    void droppedFirstDiscoverIsRetransmitted() throws Exception {
        VirtualNet net = new VirtualNet((req, i) -> i == 0 ? List.of() : good(req, i));
        DhcpLease lease = net.client(settings).obtain();
        assertEquals(ip("10.0.0.5"), lease.clientAddress());
        assertEquals(List.of(0.0, 1.0, 1.0), net.sendTimes(), "DISCOVER, DISCOVER after 1 s, REQUEST at once");
    }

    @Test
    void repliesForAnotherMacOrXidAreIgnored() throws Exception {
        VirtualNet net = new VirtualNet((req, i) -> {
            if (type(req) != DHCPDISCOVER) return good(req, i);
            DHCPPacket otherMac = reply(req, DHCPOFFER, "10.0.0.66", "10.0.0.9");
            otherMac.setChaddr(OTHER.bytes());
            DHCPPacket otherXid = reply(req, DHCPOFFER, "10.0.0.67", "10.0.0.9");
            otherXid.setXid(req.getXid() + 1);
            DHCPPacket request = reply(req, DHCPOFFER, "10.0.0.68", "10.0.0.9");
            request.setOp((byte) 1); // a BOOTREQUEST, e.g. another client's broadcast
            return List.of(Reply.now(otherMac), Reply.now(otherXid), Reply.now(request),
                    new Reply(Duration.ZERO, new byte[] {1, 2, 3}),
                    Reply.after(Duration.ofMillis(500), reply(req, DHCPOFFER, "10.0.0.5", "10.0.0.1")));
        });
        DhcpLease lease = net.client(settings).obtain();
        assertEquals(ip("10.0.0.5"), lease.clientAddress(), "the offer for our MAC and xid, not the earlier ones");
        assertEquals(2, net.sent.size(), "no retransmission: ignoring replies does not reset the timer");
        assertEquals(4, log.stream().filter(l -> l.startsWith("dhcp: ignored")).count(), String.join("\n", log));
    }

    @Test
    void aServerThatOnlyOffersForAnotherMacIsNeverAccepted() {
        VirtualNet net = new VirtualNet((req, i) -> {
            DHCPPacket otherMac = reply(req, type(req) == DHCPDISCOVER ? DHCPOFFER : DHCPACK, "10.0.0.66", "10.0.0.9");
            otherMac.setChaddr(OTHER.bytes());
            return List.of(Reply.now(otherMac));
        });
        DhcpException e = assertThrows(DhcpException.class, () -> net.client(settings).obtain());
        assertEquals("no DHCP offer for aa:00:86:e2:35:72 within 30 s (6 DISCOVERs sent to 255.255.255.255:67);"
                + " ignored 6 replies (6 for another MAC)", e.getMessage());
    }

    @Test
    void nakRestartsWithANewXid() throws Exception {
        VirtualNet net = new VirtualNet((req, i) -> {
            if (i == 1) return List.of(Reply.now(reply(req, DHCPNAK, null, "10.0.0.1")));
            return good(req, i);
        });
        DhcpLease lease = net.client(settings).obtain();
        assertEquals(ip("10.0.0.5"), lease.clientAddress());
        List<Byte> types = net.sent.stream().map(s -> type(s.packet())).toList();
        assertEquals(List.of(DHCPDISCOVER, DHCPREQUEST, DHCPDISCOVER, DHCPREQUEST), types);
        assertTrue(net.sent.get(2).packet().getXid() != net.sent.get(0).packet().getXid(), "a new transaction");
    }

    @Test
    void repeatedNaksFailWithTheServersMessage() {
        VirtualNet net = new VirtualNet((req, i) -> {
            if (type(req) == DHCPDISCOVER) return good(req, i);
            DHCPPacket nak = reply(req, DHCPNAK, null, "10.0.0.1");
            nak.setOptionRaw((byte) 56, "address not available\0".getBytes(StandardCharsets.US_ASCII));
            return List.of(Reply.now(nak));
        });
        DhcpException e = assertThrows(DhcpException.class, () -> net.client(settings).obtain());
        assertEquals("DHCP server 10.0.0.1 sent NAK for aa:00:86:e2:35:72: address not available"
                + " (3 NAKs, giving up; check that server's configuration for this MAC)", e.getMessage());
    }

    @Test
    void requestsWithoutAckRevertToDiscoverThenTimeOut() {
        VirtualNet net = new VirtualNet((req, i) -> type(req) == DHCPDISCOVER ? good(req, i) : List.of());
        DhcpException e = assertThrows(DhcpException.class, () -> net.client(settings).obtain());
        assertEquals("no DHCP ACK for aa:00:86:e2:35:72 within 30 s (offer of 10.0.0.5 from 10.0.0.1;"
                + " 2 DISCOVERs and 8 REQUESTs sent to 255.255.255.255:67)", e.getMessage());
        assertEquals(List.of(0.0, 0.0, 1.0, 3.0, 7.0, 15.0, 15.0, 16.0, 18.0, 22.0), net.sendTimes());
    }

    @Test
    void ackFromAnotherServerIsIgnored() throws Exception {
        VirtualNet net = new VirtualNet((req, i) -> {
            if (type(req) == DHCPDISCOVER) return good(req, i);
            return List.of(Reply.now(reply(req, DHCPACK, "10.0.0.99", "10.0.0.9")),
                    Reply.after(Duration.ofMillis(10), reply(req, DHCPACK, "10.0.0.5", "10.0.0.1")));
        });
        assertEquals(ip("10.0.0.5"), net.client(settings).obtain().clientAddress());
    }

    @Test
    void anUnusableAckFailsWithTheReason() {
        VirtualNet net = new VirtualNet((req, i) -> {
            if (type(req) == DHCPDISCOVER) return good(req, i);
            DHCPPacket ack = reply(req, DHCPACK, "10.0.0.5", "10.0.0.1");
            ack.setOptionRaw((byte) 1, new byte[] {-1, -1});
            return List.of(Reply.now(ack));
        });
        DhcpException e = assertThrows(DhcpException.class, () -> net.client(settings).obtain());
        assertEquals("unusable DHCP ACK for aa:00:86:e2:35:72: DHCP server 10.0.0.1 sent option 1 (subnet mask)"
                + " of 2 bytes, expected 4", e.getMessage());
    }

    @Test
    void aSendFailureNamesTheDestinationAndSuggestsAnInterface() {
        DhcpTransport failing = new DhcpTransport() {
            @Override public InetSocketAddress destination() { return VirtualNet.BROADCAST; }

            @Override public void send(byte[] d, InetSocketAddress to) throws IOException {
                throw new IOException("Network is unreachable");
            }

            @Override public Datagram receive(Duration t) { return null; }

            @Override public void close() {}
        };
        DhcpClient c = new DhcpClient(settings, s -> failing, () -> 0L, new VirtualNet.FixedRandom());
        DhcpException e = assertThrows(DhcpException.class, c::obtain);
        assertEquals("cannot send DHCP DISCOVER for aa:00:86:e2:35:72 to 255.255.255.255:67: Network is unreachable"
                + " (name the interface the guest's network is on, e.g. --interface xenbr0)", e.getMessage());
    }

    @Test
    void settingsDefaultsAndWithers() {
        DhcpClient.Settings d = DhcpClient.Settings.defaults(MAC);
        assertEquals(new InetSocketAddress("0.0.0.0", 68), d.bind());
        assertEquals(new InetSocketAddress("255.255.255.255", 67), d.target());
        assertEquals(null, d.interfaceName());
        assertEquals(Duration.ofSeconds(30), d.totalTimeout());
        assertEquals(Duration.ofSeconds(1), d.firstRetransmit());
        assertEquals(null, d.clientUuid());
        d.log().accept("discarded");
        DhcpClient.Settings w = d.withInterface("xenbr0").withTotalTimeout(Duration.ofSeconds(5))
                .withBind(new InetSocketAddress("127.0.0.1", 0)).withTarget(new InetSocketAddress("127.0.0.1", 6767))
                .withFirstRetransmit(Duration.ofMillis(100));
        assertEquals("xenbr0", w.interfaceName());
        assertEquals(Duration.ofSeconds(5), w.totalTimeout());
        assertEquals(6767, w.target().getPort());
        assertEquals(MAC, w.mac());
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> d.withTotalTimeout(Duration.ZERO));
        assertEquals("DHCP total timeout must be positive, not PT0S", e.getMessage());
    }
}
