package org.javapxeboot.dhcp;

import static org.dhcp4java.DHCPConstants.DHCPDISCOVER;
import static org.dhcp4java.DHCPConstants.DHCPNAK;
import static org.dhcp4java.DHCPConstants.DHCPOFFER;
import static org.dhcp4java.DHCPConstants.DHCPREQUEST;
import static org.javapxeboot.dhcp.DhcpClientStateTest.MAC;
import static org.javapxeboot.dhcp.DhcpClientStateTest.OTHER;
import static org.javapxeboot.dhcp.DhcpClientStateTest.type;
import static org.javapxeboot.dhcp.Replies.ip;
import static org.javapxeboot.dhcp.Replies.reply;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import org.dhcp4java.DHCPPacket;
import org.javapxeboot.dhcp.VirtualNet.Reply;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The real UDP client against {@link TinyDhcpServer} on 127.0.0.1, unprivileged, ephemeral ports. The client
 * retransmits after 100 ms, and a busy machine can delay the server's answer past that: a retransmission is
 * then legal, so the exchanges are compared with repeats folded ({@link #exchange}); the retransmission
 * schedule itself is tested on a virtual clock in {@link DhcpClientStateTest}.
 */
@Timeout(30)
class DhcpClientLoopbackTest {

    private static DhcpClient.Settings settings(TinyDhcpServer server) {
        return DhcpClient.Settings.defaults(MAC)
                .withBind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0))
                .withTarget(server.address())
                .withFirstRetransmit(Duration.ofMillis(100))
                .withTotalTimeout(Duration.ofSeconds(10));
    }

    /** The message types the server saw, a retransmitted run (DISCOVER, DISCOVER) folded into one. */
    private static List<Byte> exchange(TinyDhcpServer server) {
        List<Byte> folded = new java.util.ArrayList<>();
        for (DHCPPacket p : server.received) {
            byte t = type(p);
            if (folded.isEmpty() || folded.get(folded.size() - 1) != t) folded.add(t);
        }
        return folded;
    }

    private static long count(TinyDhcpServer server, byte type) {
        return server.received.stream().filter(p -> type(p) == type).count();
    }

    @Test
    void obtainsALease() throws Exception {
        try (TinyDhcpServer server = new TinyDhcpServer(DhcpClientStateTest::good)) {
            DhcpLease lease = new DhcpClient(settings(server)).obtain();
            assertEquals(ip("10.0.0.5"), lease.clientAddress());
            assertEquals(ip("10.0.0.2"), lease.tftpServer());
            assertEquals("pxelinux.0", lease.bootFile());
            assertEquals(List.of(DHCPDISCOVER, DHCPREQUEST), exchange(server));
            DHCPPacket d = server.received.get(0);
            assertEquals("AA0086E23572", d.getChaddrAsHex(), "chaddr is the guest's MAC");
            assertEquals(DhcpOptions.FLAG_BROADCAST, d.getFlags());
        }
    }

    @Test
    void aServerThatNeverAnswersEndsInABoundedTimeWithAClearMessage() throws Exception {
        try (TinyDhcpServer server = new TinyDhcpServer((req, i) -> List.of())) {
            DhcpClient.Settings s = settings(server).withTotalTimeout(Duration.ofMillis(1500));
            DhcpException e = assertThrows(DhcpException.class, () -> new DhcpClient(s).obtain());
            java.util.regex.Matcher m = java.util.regex.Pattern.compile("no DHCP offer for aa:00:86:e2:35:72 within 1\\.5 s \\((\\d+) DISCOVERs sent to 127\\.0\\.0\\.1:"
                    + server.address().getPort() + "\\)").matcher(e.getMessage());
            assertTrue(m.matches(), e.getMessage());
            int sent = Integer.parseInt(m.group(1));
            // The client's count is what it sent; the server may not have read the last one yet.
            assertTrue(sent >= 2 && sent >= server.received.size(), "retransmitted: sent " + sent + ", received " + server.received.size());
            assertEquals(List.of(DHCPDISCOVER), exchange(server));
        }
    }

    @Test
    void offersForAnotherMacOrXidAreIgnored() throws Exception {
        VirtualNet.Responder r = (req, i) -> {
            if (type(req) != DHCPDISCOVER) return DhcpClientStateTest.good(req, i);
            DHCPPacket otherMac = reply(req, DHCPOFFER, "10.0.0.66", "10.0.0.9");
            otherMac.setChaddr(OTHER.bytes());
            DHCPPacket otherXid = reply(req, DHCPOFFER, "10.0.0.67", "10.0.0.9");
            otherXid.setXid(~req.getXid());
            return List.of(Reply.now(otherMac), Reply.now(otherXid), Reply.now(reply(req, DHCPOFFER, "10.0.0.5", "10.0.0.1")));
        };
        try (TinyDhcpServer server = new TinyDhcpServer(r)) {
            DhcpLease lease = new DhcpClient(settings(server)).obtain();
            assertEquals(ip("10.0.0.5"), lease.clientAddress());
            DHCPPacket request = server.received.get(server.received.size() - 1);
            assertEquals(ip("10.0.0.5"), InetAddress.getByAddress(request.getOptionRaw((byte) 50)), "requested the right offer");
        }
    }

    @Test
    void onlyOffersForAnotherMacTimeOut() throws Exception {
        VirtualNet.Responder r = (req, i) -> {
            DHCPPacket otherMac = reply(req, DHCPOFFER, "10.0.0.66", "10.0.0.9");
            otherMac.setChaddr(OTHER.bytes());
            return List.of(Reply.now(otherMac));
        };
        try (TinyDhcpServer server = new TinyDhcpServer(r)) {
            DhcpClient.Settings s = settings(server).withTotalTimeout(Duration.ofMillis(800));
            DhcpException e = assertThrows(DhcpException.class, () -> new DhcpClient(s).obtain());
            assertTrue(e.getMessage().startsWith("no DHCP offer for aa:00:86:e2:35:72 within 800 ms"), e.getMessage());
            assertTrue(e.getMessage().contains(" for another MAC)"), e.getMessage());
        }
    }

    @Test
    void nakIsReportedWithTheServersMessage() throws Exception {
        VirtualNet.Responder r = (req, i) -> {
            if (type(req) == DHCPDISCOVER) return DhcpClientStateTest.good(req, i);
            DHCPPacket nak = reply(req, DHCPNAK, null, "10.0.0.1");
            nak.setOptionRaw((byte) 56, "wrong network".getBytes(StandardCharsets.US_ASCII));
            return List.of(Reply.now(nak));
        };
        try (TinyDhcpServer server = new TinyDhcpServer(r)) {
            DhcpException e = assertThrows(DhcpException.class, () -> new DhcpClient(settings(server)).obtain());
            assertTrue(e.getMessage().startsWith("DHCP server 10.0.0.1 sent NAK for aa:00:86:e2:35:72: wrong network"),
                    e.getMessage());
            assertEquals(List.of(DHCPDISCOVER, DHCPREQUEST, DHCPDISCOVER, DHCPREQUEST, DHCPDISCOVER, DHCPREQUEST), exchange(server),
                    "DISCOVER+REQUEST per NAK, three times");
        }
    }

    @Test
    void aDroppedFirstDiscoverIsRetransmitted() throws Exception {
        try (TinyDhcpServer server = new TinyDhcpServer((req, i) -> i == 0 ? List.of() : DhcpClientStateTest.good(req, i))) {
            DhcpLease lease = new DhcpClient(settings(server)).obtain();
            assertEquals(ip("10.0.0.5"), lease.clientAddress());
            assertEquals(List.of(DHCPDISCOVER, DHCPREQUEST), exchange(server));
            assertTrue(count(server, DHCPDISCOVER) >= 2, "the unanswered DISCOVER was sent again");
        }
    }

    @Test
    void aBusyPortIsReportedWithTheAddress() throws Exception {
        try (DatagramSocket busy = new DatagramSocket(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
             TinyDhcpServer server = new TinyDhcpServer((req, i) -> List.of())) {
            // No SO_REUSEADDR on 'busy', so our bind fails even though we set it.
            DhcpClient.Settings s = settings(server).withBind((InetSocketAddress) busy.getLocalSocketAddress());
            DhcpException e = assertThrows(DhcpException.class, () -> new DhcpClient(s).obtain());
            assertTrue(e.getMessage().startsWith("cannot open the DHCP client socket on 127.0.0.1:"
                    + busy.getLocalPort() + " for aa:00:86:e2:35:72: "), e.getMessage());
        }
    }

    @Test
    void anUnknownInterfaceIsNamed() {
        DhcpClient.Settings s = DhcpClient.Settings.defaults(MAC).withInterface("nosuchif0")
                .withBind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
        DhcpException e = assertThrows(DhcpException.class, () -> new DhcpClient(s).obtain());
        assertEquals("network interface 'nosuchif0' does not exist (DHCP for aa:00:86:e2:35:72); name the bridge"
                + " the guest's vif is on, e.g. xenbr0", e.getMessage());
    }

    @Test
    void anInterfaceWithoutBroadcastIsRefused() {
        // Linux gives loopback no broadcast address, so there is nowhere to direct the broadcast.
        DhcpClient.Settings s = DhcpClient.Settings.defaults(MAC).withInterface("lo");
        DhcpException e = assertThrows(DhcpException.class, () -> UdpDhcpTransport.destinationFor(s));
        assertEquals("network interface 'lo' has no IPv4 address with a broadcast address, so DHCP for"
                + " aa:00:86:e2:35:72 cannot be sent through it", e.getMessage());
    }

    @Test
    void anInterfaceOnlyRedirectsTheLimitedBroadcast() throws Exception {
        InetSocketAddress unicast = new InetSocketAddress("127.0.0.1", 6767);
        DhcpClient.Settings s = DhcpClient.Settings.defaults(MAC).withInterface("nosuchif0").withTarget(unicast);
        assertEquals(unicast, UdpDhcpTransport.destinationFor(s), "a unicast target is used as given");
    }
}
