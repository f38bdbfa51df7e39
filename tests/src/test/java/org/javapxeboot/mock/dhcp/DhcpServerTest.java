package org.javapxeboot.mock.dhcp;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.dhcp4java.DHCPConstants;
import org.dhcp4java.DHCPPacket;
import org.javapxeboot.mock.PxeMockServer;
import org.javapxeboot.mock.fault.Faults;
import org.javapxeboot.net.MacAddress;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The DHCP side over loopback with hand-made dhcp4java DISCOVERs and REQUESTs. */
@Timeout(30)
class DhcpServerTest {
    static final MacAddress MAC = MacAddress.parse("aa:00:86:e2:35:72");
    static final MacAddress OTHER = MacAddress.parse("aa:00:86:e2:35:73");
    static final Inet4Address IP = ip("127.0.0.9");

    static Inet4Address ip(String s) {
        try {
            return (Inet4Address) InetAddress.getByName(s);
        } catch (java.net.UnknownHostException e) {
            throw new AssertionError(e);
        }
    }

    static PxeMockServer.Builder base() {
        return PxeMockServer.builder().lease(MAC, IP).bootFile("pxelinux.0").configFile("pxelinux.cfg/custom").pathPrefix("/tftpboot/");
    }

    static DHCPPacket request(MacAddress mac, byte type, int xid, byte... prl) {
        DHCPPacket p = new DHCPPacket();
        p.setOp(DHCPConstants.BOOTREQUEST);
        p.setHtype(DHCPConstants.HTYPE_ETHER);
        p.setHlen((byte) 6);
        p.setXid(xid);
        p.setFlags((short) 0x8000);
        p.setChaddr(mac.bytes());
        p.setDhcp(true);
        p.setDHCPMessageType(type);
        byte[] id = new byte[7];
        id[0] = 1;
        System.arraycopy(mac.bytes(), 0, id, 1, 6);
        p.setOptionRaw((byte) 61, id);
        p.setOptionAsString((byte) 60, "PXEClient:Arch:00000:UNDI:002001");
        if (prl.length > 0) p.setOptionRaw((byte) 55, prl);
        return p;
    }

    /**
     * Sends {@code p} and returns every reply to it. The server sends its replies before it records the request,
     * and loopback delivers a datagram as it is sent, so once the record is there every reply is already in our
     * socket: no guess at how long a busy machine takes (the 30 s bound only stops a hang).
     */
    static List<DHCPPacket> exchange(PxeMockServer server, DHCPPacket p) throws IOException, InterruptedException {
        List<DHCPPacket> replies = new ArrayList<>();
        try (java.nio.channels.DatagramChannel s = java.nio.channels.DatagramChannel.open()) {
            s.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
            long before = newestRecord(server);
            s.send(java.nio.ByteBuffer.wrap(p.serialize()), server.dhcpAddress());
            for (int i = 0; i < 30_000 && newestRecord(server) == before; i++) Thread.sleep(1);
            assertTrue(newestRecord(server) > before, "the server never recorded the request");
            s.configureBlocking(false);
            java.nio.ByteBuffer in = java.nio.ByteBuffer.allocate(1500);
            while (s.receive(in) != null) {
                in.flip();
                replies.add(DHCPPacket.getPacket(in.array(), 0, in.limit(), true));
                in.clear();
            }
        }
        return replies;
    }

    /** The sequence number of the newest request record (records are capped, sequence numbers go on). */
    private static long newestRecord(PxeMockServer server) {
        List<org.javapxeboot.mock.dhcp.DhcpRequestRecord> r = server.dhcpRequests();
        return r.isEmpty() ? 0 : r.get(r.size() - 1).sequence();
    }

    @Test void offerCarriesTheLeaseAndTheBootFields() throws Exception {
        try (PxeMockServer s = base().router(ip("127.0.0.1")).dnsServer(ip("127.0.0.53")).start()) {
            List<DHCPPacket> r = exchange(s, request(MAC, DHCPConstants.DHCPDISCOVER, 0x1234, (byte) 1, (byte) 3, (byte) 66, (byte) 209));
            assertEquals(1, r.size());
            DHCPPacket offer = r.get(0);
            assertEquals(DHCPConstants.DHCPOFFER, offer.getDHCPMessageType());
            assertEquals(0x1234, offer.getXid());
            assertEquals(IP, offer.getYiaddr());
            assertEquals(ip("127.0.0.1"), offer.getSiaddr());
            assertEquals(ip("127.0.0.1"), offer.getOptionAsInetAddr((byte) 54));
            assertEquals("pxelinux.0", offer.getFile(), "no 67 in the parameter list: the file field");
            assertNull(offer.getOptionRaw((byte) 67));
            assertNull(offer.getOptionRaw((byte) 66), "option 66 is never sent unless configured");
            assertEquals("pxelinux.cfg/custom", new String(offer.getOptionRaw((byte) 209), StandardCharsets.US_ASCII));
            assertEquals("/tftpboot/", new String(offer.getOptionRaw((byte) 210), StandardCharsets.US_ASCII));
            assertEquals(ip("255.255.255.0"), offer.getOptionAsInetAddr((byte) 1));
            assertEquals(ip("127.0.0.1"), offer.getOptionAsInetAddrs((byte) 3)[0]);
            assertEquals(ip("127.0.0.53"), offer.getOptionAsInetAddrs((byte) 6)[0]);
            assertEquals(3600, offer.getOptionAsInteger((byte) 51).intValue());
            assertArrayEquals(MAC.bytes(), java.util.Arrays.copyOf(offer.getChaddr(), 6));
        }
    }

    @Test void option67WhenAskedForItNulTerminated() throws Exception {
        try (PxeMockServer s = base().start()) {
            DHCPPacket offer = exchange(s, request(MAC, DHCPConstants.DHCPDISCOVER, 1, (byte) 1, (byte) 66, (byte) 67)).get(0);
            assertArrayEquals("pxelinux.0\0".getBytes(StandardCharsets.US_ASCII), offer.getOptionRaw((byte) 67));
            assertEquals("", offer.getFile(), "dnsmasq puts the name in one place only");
        }
    }

    @Test void requestGetsAckAndAWrongAddressGetsNak() throws Exception {
        try (PxeMockServer s = base().start()) {
            DHCPPacket req = request(MAC, DHCPConstants.DHCPREQUEST, 7, (byte) 1);
            req.setOptionAsInetAddress((byte) 50, IP);
            req.setOptionAsInetAddress((byte) 54, ip("127.0.0.1"));
            DHCPPacket ack = exchange(s, req).get(0);
            assertEquals(DHCPConstants.DHCPACK, ack.getDHCPMessageType());
            assertEquals(IP, ack.getYiaddr());
            req.setOptionAsInetAddress((byte) 50, ip("127.0.0.10"));
            assertEquals(DHCPConstants.DHCPNAK, exchange(s, req).get(0).getDHCPMessageType());
            // A REQUEST that names another server is that server's business.
            req.setOptionAsInetAddress((byte) 54, ip("10.9.9.9"));
            assertTrue(exchange(s, req).isEmpty());
        }
    }

    @Test void unknownMacsAreIgnoredOrNaked() throws Exception {
        try (PxeMockServer s = base().start()) {
            assertTrue(exchange(s, request(OTHER, DHCPConstants.DHCPDISCOVER, 2)).isEmpty());
            assertTrue(exchange(s, request(OTHER, DHCPConstants.DHCPREQUEST, 3)).isEmpty());
            var log = s.dhcpRequests();
            assertEquals(2, log.size());
            assertEquals(OTHER, log.get(0).mac());
            assertTrue(log.get(0).reply().startsWith("ignored: unknown MAC"), log.get(0).reply());
        }
        try (PxeMockServer s = base().unknownMacNak(true).start()) {
            assertEquals(DhcpServerTestSupport.NAK, exchange(s, request(OTHER, DHCPConstants.DHCPREQUEST, 3)).get(0).getDHCPMessageType());
        }
    }

    @Test void requestLogKeepsTheClientsOptions() throws Exception {
        try (PxeMockServer s = base().start()) {
            exchange(s, request(MAC, DHCPConstants.DHCPDISCOVER, 9, (byte) 1, (byte) 67, (byte) 209, (byte) 210));
            DhcpRequestRecord r = s.dhcpRequests().get(0);
            assertEquals(1, r.messageType());
            assertEquals(List.of(1, 67, 209, 210), r.parameterRequestList());
            assertEquals("PXEClient:Arch:00000:UNDI:002001", new String(r.option(60), StandardCharsets.US_ASCII));
            assertTrue(r.broadcastFlag());
            assertEquals("OFFER", r.reply());
        }
    }

    @Test void overloadPutsTheBootOptionsInTheFileField() throws Exception {
        try (PxeMockServer s = base().overload(1).start()) {
            DHCPPacket offer = exchange(s, request(MAC, DHCPConstants.DHCPDISCOVER, 4, (byte) 1)).get(0);
            assertEquals((byte) 1, offer.getOptionAsByte((byte) 52).byteValue());
            byte[] file = offer.getFileRaw();
            // code 67, length 11, "pxelinux.0\0", then 209 and 210, then END.
            assertEquals(67, file[0] & 0xFF);
            assertEquals(11, file[1]);
            assertEquals("pxelinux.0\0", new String(file, 2, 11, StandardCharsets.US_ASCII));
            assertEquals(209, file[13] & 0xFF);
            int end = 13 + 2 + file[14] + 2 + file[13 + 2 + file[14] + 1];
            assertEquals(210, file[13 + 2 + file[14]] & 0xFF);
            assertEquals(255, file[end] & 0xFF);
        }
        assertThrows(IllegalArgumentException.class, () -> base().bootFile("x".repeat(200)).overload(2).start());
    }

    @Test void faultSwitches() throws Exception {
        try (PxeMockServer s = base().faults(Faults.builder().dhcpNoAnswer(true).build()).start()) {
            assertTrue(exchange(s, request(MAC, DHCPConstants.DHCPDISCOVER, 5)).isEmpty());
            assertEquals(1, s.stats().dhcpRequests());
        }
        try (PxeMockServer s = base().faults(Faults.builder().dhcpIgnoreFirst(1).build()).start()) {
            assertTrue(exchange(s, request(MAC, DHCPConstants.DHCPDISCOVER, 5)).isEmpty());
            assertEquals(1, exchange(s, request(MAC, DHCPConstants.DHCPDISCOVER, 5)).size());
        }
        try (PxeMockServer s = base().faults(Faults.builder().dhcpOtherMacFirst(true).dhcpOtherXidFirst(true).build()).start()) {
            List<DHCPPacket> r = exchange(s, request(MAC, DHCPConstants.DHCPDISCOVER, 100));
            assertEquals(3, r.size());
            assertFalse(java.util.Arrays.equals(MAC.bytes(), java.util.Arrays.copyOf(r.get(0).getChaddr(), 6)), "decoy for another MAC first");
            assertEquals(101, r.get(1).getXid(), "then a decoy with another xid");
            assertEquals(100, r.get(2).getXid());
            assertArrayEquals(MAC.bytes(), java.util.Arrays.copyOf(r.get(2).getChaddr(), 6));
        }
        try (PxeMockServer s = base().faults(Faults.builder().dhcpNak(true).build()).start()) {
            DHCPPacket req = request(MAC, DHCPConstants.DHCPREQUEST, 6);
            req.setOptionAsInetAddress((byte) 50, IP);
            assertEquals(DhcpServerTestSupport.NAK, exchange(s, req).get(0).getDHCPMessageType());
        }
    }

    @Test void dhcpIsOffWithoutLeases() throws Exception {
        try (PxeMockServer s = PxeMockServer.builder().start()) {
            assertFalse(s.dhcpEnabled());
            IllegalStateException e = assertThrows(IllegalStateException.class, s::dhcpAddress);
            assertNotNull(e.getMessage());
        }
    }

    /** RFC 2131 mode sends to 255.255.255.255 on the client port; on loopback we can only check where it went via the log. */
    @Test void broadcastModeIsASetting() throws Exception {
        try (PxeMockServer s = base().broadcastReplies(true).dhcpClientPort(6868).start()) {
            assertTrue(exchange(s, request(MAC, DHCPConstants.DHCPDISCOVER, 8)).isEmpty(),
                "in RFC 2131 mode the reply goes to the broadcast address, not back to the source port");
            assertEquals("OFFER", s.dhcpRequests().get(0).reply());
        }
    }

    static final class DhcpServerTestSupport {
        static final Byte NAK = DHCPConstants.DHCPNAK;
    }
}
