package org.javapxeboot.dhcp;

import static org.dhcp4java.DHCPConstants.DHCPACK;
import static org.dhcp4java.DHCPConstants.DHCPDISCOVER;
import static org.dhcp4java.DHCPConstants.DHCPOFFER;
import static org.dhcp4java.DHCPConstants.DHCPREQUEST;
import static org.javapxeboot.dhcp.DhcpClientStateTest.MAC;
import static org.javapxeboot.dhcp.DhcpClientStateTest.type;
import static org.javapxeboot.dhcp.Replies.concat;
import static org.javapxeboot.dhcp.Replies.ip;
import static org.javapxeboot.dhcp.Replies.reply;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import org.dhcp4java.DHCPPacket;
import org.javapxeboot.dhcp.VirtualNet.Reply;
import org.junit.jupiter.api.Test;

/** ProxyDHCP offers and PXE boot server discovery (port 4011), on the virtual clock. */
class ProxyDhcpTest {
    /** Option 43 as dnsmasq 2.90 sends it for {@code --pxe-service=x86PC,"Boot",pxelinux} on 10.213.0.1. */
    static final byte[] DNSMASQ_MENU = concat(
            new byte[] {6, 1, 3},                                  // discovery control: use the server list
            new byte[] {10, 4, 0}, b("PXE"),                       // prompt, timeout 0
            new byte[] {8, 7, (byte) 0x80, 0, 1, 10, (byte) 213, 0, 1}, // servers of type 0x8000: 10.213.0.1
            new byte[] {9, 7, (byte) 0x80, 0, 4}, b("Boot"),       // menu: type 0x8000 "Boot"
            new byte[] {(byte) 255});

    final List<String> log = new ArrayList<>();
    final DhcpClient.Settings settings = DhcpClient.Settings.defaults(MAC).withLog(log::add);

    static byte[] b(String s) { return s.getBytes(StandardCharsets.ISO_8859_1); }

    static DHCPPacket proxyOffer(DHCPPacket req, byte[] option43, String file) {
        DHCPPacket p = reply(req, DHCPOFFER, null, "10.213.0.1");
        p.setOptionRaw((byte) 60, b("PXEClient"));
        if (option43 != null) p.setOptionRaw((byte) 43, option43);
        if (file != null) {
            p.setFile(file);
            p.setSiaddr(ip("10.213.0.9"));
        }
        return p;
    }

    /** A DHCP server that gives addresses but no boot file. */
    static List<Reply> addressesOnly(DHCPPacket req) {
        if (type(req) == DHCPDISCOVER) return List.of(Reply.now(reply(req, DHCPOFFER, "10.213.0.77", "10.213.0.2")));
        return List.of(Reply.now(reply(req, DHCPACK, "10.213.0.77", "10.213.0.2")));
    }

    static boolean isBootServerRequest(DHCPPacket req) { return req.getOptionRaw((byte) 43) != null; }

    @Test
    void parsesDnsmasqsMenu() throws Exception {
        DHCPPacket req = DhcpMessages.discover(MAC, DhcpMessages.uuidFor(MAC), 7, 0);
        ProxyDhcp.Offer o = ProxyDhcp.parseOffer(proxyOffer(req, DNSMASQ_MENU, null));
        assertEquals(List.of(new ProxyDhcp.MenuItem(0x8000, "Boot")), o.menu());
        assertEquals(List.of(ip("10.213.0.1")), o.bootServers());
        assertEquals(ip("10.213.0.1"), o.server());
        assertNull(o.bootFile());
        assertTrue(ProxyDhcp.isProxyOffer(proxyOffer(req, DNSMASQ_MENU, null)));
        assertTrue(!ProxyDhcp.isProxyOffer(reply(req, DHCPOFFER, "10.0.0.5", "10.0.0.1")), "has an address");
    }

    @Test
    void malformedMenuIsADhcpException() {
        DHCPPacket req = DhcpMessages.discover(MAC, DhcpMessages.uuidFor(MAC), 7, 0);
        DhcpException e = assertThrows(DhcpException.class,
                () -> ProxyDhcp.parseOffer(proxyOffer(req, new byte[] {9, 20, (byte) 0x80, 0}, null)));
        assertEquals("ProxyDHCP server 10.213.0.1 sent option 43 whose sub-option 9 runs past its end", e.getMessage());
    }

    @Test
    void bootServerRequestBytes() throws Exception {
        byte[] d = DhcpMessages.encode(DhcpMessages.bootServerRequest(MAC, DhcpMessagesTest.UUID_FIXED,
                DhcpMessagesTest.XID, 2, ip("10.213.0.77"), 0x8000));
        HexFormat hex = HexFormat.of();
        assertEquals("0000", hex.formatHex(d, 10, 12), "no BROADCAST flag: unicast both ways");
        assertEquals("0ad5004d", hex.formatHex(d, 12, 16), "ciaddr = the leased address");
        Map<Integer, byte[]> o = DhcpMessagesTest.options(d);
        assertEquals("03", hex.formatHex(o.get(53)));
        assertEquals("470480000000ff", hex.formatHex(o.get(43)), "sub-option 71: type 0x8000, layer 0");
        assertEquals("PXEClient:Arch:00000:UNDI:002001", new String(o.get(60), StandardCharsets.US_ASCII));
        assertNull(o.get(50));
        assertNull(o.get(54));
        GoldenHex.check("bootserver-request.hex", d);
    }

    @Test
    void proxyOfferWithABootFileFillsTheLease() throws Exception {
        VirtualNet net = new VirtualNet((req, i) -> {
            List<Reply> r = new ArrayList<>(addressesOnly(req));
            if (type(req) == DHCPDISCOVER) r.add(0, Reply.now(proxyOffer(req, null, "pxelinux.0")));
            return r;
        });
        DhcpLease l = net.client(settings).obtain();
        assertEquals(ip("10.213.0.77"), l.clientAddress());
        assertEquals(ip("10.213.0.2"), l.serverIdentifier());
        assertEquals("pxelinux.0", l.bootFile());
        assertEquals(ip("10.213.0.9"), l.tftpServer(), "the proxy's siaddr");
        assertEquals(2, net.sent.size(), "no port 4011 exchange needed");
    }

    @Test
    void proxyMenuLeadsToBootServerDiscovery() throws Exception {
        VirtualNet net = new VirtualNet((req, i) -> {
            if (isBootServerRequest(req)) {
                DHCPPacket ack = reply(req, DHCPACK, "10.213.0.77", "10.213.0.1");
                ack.setSiaddr(ip("10.213.0.1"));
                ack.setFile("pxelinux.0");
                return List.of(Reply.now(ack));
            }
            List<Reply> r = new ArrayList<>(addressesOnly(req));
            // The proxy answers after the DHCP server: it is still taken while the REQUEST is out.
            if (type(req) == DHCPDISCOVER) r.add(Reply.now(proxyOffer(req, DNSMASQ_MENU, null)));
            return r;
        });
        DhcpLease l = net.client(settings).obtain();
        assertEquals(ip("10.213.0.77"), l.clientAddress());
        assertEquals("pxelinux.0", l.bootFile());
        assertEquals(ip("10.213.0.1"), l.tftpServer());
        assertEquals(3, net.sent.size());
        VirtualNet.Sent bs = net.sent.get(2);
        assertEquals(new InetSocketAddress("10.213.0.1", 4011), bs.to());
        assertEquals(DHCPREQUEST, type(bs.packet()));
        assertEquals(ip("10.213.0.77"), bs.packet().getCiaddr());
        assertEquals(net.sent.get(0).packet().getXid(), bs.packet().getXid());
    }

    @Test
    void aSilentBootServerLeavesTheLeaseWithoutABootFile() throws Exception {
        VirtualNet net = new VirtualNet((req, i) -> {
            if (isBootServerRequest(req)) return List.of();
            List<Reply> r = new ArrayList<>(addressesOnly(req));
            if (type(req) == DHCPDISCOVER) r.add(Reply.now(proxyOffer(req, DNSMASQ_MENU, null)));
            return r;
        });
        DhcpLease l = net.client(settings).obtain();
        assertEquals(ip("10.213.0.77"), l.clientAddress());
        assertNull(l.bootFile());
        assertEquals(ip("10.213.0.1"), l.tftpServer(), "the boot server");
        assertEquals(List.of(0.0, 0.0, 0.0, 1.0, 3.0, 7.0), net.sendTimes(), "4 boot server REQUESTs, 1/2/4 s apart");
        assertTrue(log.stream().anyMatch(s -> s.contains("going on without a boot file")), String.join("\n", log));
    }

    @Test
    void theDhcpServersBootFileWinsOverAProxy() throws Exception {
        VirtualNet net = new VirtualNet((req, i) -> {
            List<Reply> r = new ArrayList<>(DhcpClientStateTest.good(req, i));
            if (type(req) == DHCPDISCOVER) r.add(0, Reply.now(proxyOffer(req, DNSMASQ_MENU, null)));
            return r;
        });
        DhcpLease l = net.client(settings).obtain();
        assertEquals("pxelinux.0", l.bootFile());
        assertEquals(ip("10.0.0.2"), l.tftpServer());
        assertEquals(2, net.sent.size());
    }

    @Test
    void mutatedProxyOffersGiveAnOfferOrADhcpException() throws Exception {
        DHCPPacket req = DhcpMessages.discover(MAC, DhcpMessages.uuidFor(MAC), 7, 0);
        java.util.SplittableRandom r = new java.util.SplittableRandom(4011);
        for (int round = 0; round < 3000; round++) {
            byte[] m = DNSMASQ_MENU.clone();
            for (int e = 0; e < 1 + r.nextInt(3); e++) m[r.nextInt(m.length)] = (byte) r.nextInt(256);
            if (r.nextBoolean()) m = Arrays.copyOf(m, r.nextInt(m.length) + 1);
            try {
                ProxyDhcp.parseOffer(proxyOffer(req, m, null));
            } catch (DhcpException expected) {
                // fine
            } catch (RuntimeException e) {
                throw new AssertionError("round " + round + " option 43 " + HexFormat.of().formatHex(m), e);
            }
        }
    }
}
