package org.javapxeboot.dhcp;

import static org.javapxeboot.dhcp.Replies.ack;
import static org.javapxeboot.dhcp.Replies.concat;
import static org.javapxeboot.dhcp.Replies.field;
import static org.javapxeboot.dhcp.Replies.ip;
import static org.javapxeboot.dhcp.Replies.tlv;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.util.List;
import org.dhcp4java.DHCPPacket;
import org.junit.jupiter.api.Test;

class LeaseParserTest {

    private static byte[] b(String s) { return s.getBytes(StandardCharsets.ISO_8859_1); }

    /** Parses after a round trip through the wire format, as the client does. */
    private static DhcpLease parse(DHCPPacket p) throws DhcpException {
        return LeaseParser.parse(p.serialize());
    }

    @Test
    void fileFieldIsTheBootFile() throws Exception {
        DHCPPacket p = ack("10.0.0.5", "10.0.0.1");
        p.setFile("pxelinux.0");
        p.setSiaddr(ip("10.0.0.2"));
        DhcpLease l = parse(p);
        assertEquals(ip("10.0.0.5"), l.clientAddress());
        assertEquals("pxelinux.0", l.bootFile());
        assertEquals(ip("10.0.0.2"), l.nextServer());
        assertEquals(ip("10.0.0.1"), l.serverIdentifier());
        assertEquals(ip("10.0.0.2"), l.tftpServer(), "siaddr wins over option 54");
        assertEquals(ip("255.255.255.0"), l.subnetMask());
        assertEquals(3600, l.leaseSeconds());
        assertNull(l.configFile());
        assertNull(l.pathPrefix());
        assertNull(l.router());
        assertEquals(List.of(), l.dnsServers());
    }

    @Test
    void option67WithTrailingNulAsDnsmasqSendsIt() throws Exception {
        DHCPPacket p = ack("10.0.0.5", "10.0.0.1");
        p.setOptionRaw((byte) 67, b("pxelinux.0\0"));
        DhcpLease l = parse(p);
        assertEquals("pxelinux.0", l.bootFile());
        assertNull(l.nextServer(), "siaddr 0.0.0.0 is absent");
        assertEquals(ip("10.0.0.1"), l.tftpServer(), "without siaddr the TFTP server is option 54");
    }

    @Test
    void fileFieldWinsOverOption67WhenNotOverloaded() throws Exception {
        DHCPPacket p = ack("10.0.0.5", "10.0.0.1");
        p.setFile("from-file");
        p.setOptionRaw((byte) 67, b("from-67"));
        assertEquals("from-file", parse(p).bootFile());
    }

    @Test
    void overload1FileCarriesOptions() throws Exception {
        DHCPPacket p = ack("10.0.0.5", "10.0.0.1");
        p.setOptionRaw((byte) 52, new byte[] {1});
        p.setFileRaw(field(128, concat(tlv(67, b("boot/pxelinux.0\0")), tlv(209, b("cfg/a")),
                new byte[] {0, 0}, tlv(210, b("/tftp/")), new byte[] {(byte) 255}, b("junk after END"))));
        DhcpLease l = parse(p);
        assertEquals("boot/pxelinux.0", l.bootFile(), "option 67 from the overloaded file field, not 'file' as text");
        assertEquals("cfg/a", l.configFile());
        assertEquals("/tftp/", l.pathPrefix());
    }

    @Test
    void overload2SnameCarriesOptionsFileStaysTheBootFile() throws Exception {
        DHCPPacket p = ack("10.0.0.5", "10.0.0.1");
        p.setOptionRaw((byte) 52, new byte[] {2});
        p.setFile("pxelinux.0");
        p.setSnameRaw(field(64, concat(tlv(12, b("guest1")), tlv(15, b("example.org")), tlv(67, b("ignored")),
                new byte[] {(byte) 255})));
        DhcpLease l = parse(p);
        assertEquals("pxelinux.0", l.bootFile());
        assertEquals("guest1", l.hostName());
        assertEquals("example.org", l.domainName());
    }

    @Test
    void overload3ConcatenatesOptionsFileThenSname() throws Exception {
        // RFC 3396: an option split across options field, file and sname is concatenated in that order.
        DHCPPacket p = ack("10.0.0.5", "10.0.0.1");
        p.setOptionRaw((byte) 52, new byte[] {3});
        p.setOptionRaw((byte) 209, b("pxelinux.cfg/"));
        p.setFileRaw(field(128, concat(tlv(209, b("very/long/")), tlv(67, b("pxelinux.0")), tlv(6, ip("10.0.0.53").getAddress()))));
        p.setSnameRaw(field(64, concat(tlv(209, b("name")), tlv(6, ip("10.0.0.54").getAddress()), new byte[] {(byte) 255})));
        DhcpLease l = parse(p);
        assertEquals("pxelinux.cfg/very/long/name", l.configFile());
        assertEquals("pxelinux.0", l.bootFile());
        assertEquals(List.of(ip("10.0.0.53"), ip("10.0.0.54")), l.dnsServers());
    }

    @Test
    void pxelinuxOptions209And210() throws Exception {
        DHCPPacket p = ack("10.0.0.5", "10.0.0.1");
        p.setFile("pxelinux.0");
        p.setOptionRaw((byte) 209, b("pxelinux.cfg/custom"));
        p.setOptionRaw((byte) 210, b("/srv/tftp/"));
        p.setOptionRaw((byte) 3, concat(ip("10.0.0.254").getAddress(), ip("10.0.0.253").getAddress()));
        p.setOptionRaw((byte) 6, concat(ip("10.0.0.53").getAddress(), ip("10.0.0.54").getAddress()));
        p.setOptionRaw((byte) 12, b("guest1"));
        p.setOptionRaw((byte) 51, new byte[] {-1, -1, -1, -1});
        DhcpLease l = parse(p);
        assertEquals("pxelinux.cfg/custom", l.configFile());
        assertEquals("/srv/tftp/", l.pathPrefix());
        assertEquals(ip("10.0.0.254"), l.router(), "the first router");
        assertEquals(List.of(ip("10.0.0.53"), ip("10.0.0.54")), l.dnsServers());
        assertEquals("guest1", l.hostName());
        assertEquals(Integer.MAX_VALUE, l.leaseSeconds(), "0xffffffff is an infinite lease");
    }

    @Test
    void siaddrZeroAndNoServerIdentifierLeaveNoTftpServer() throws Exception {
        DHCPPacket p = ack("10.0.0.5", null);
        DhcpLease l = parse(p);
        assertNull(l.tftpServer());
        assertNull(l.serverIdentifier());
        assertNull(l.bootFile());
    }

    @Test
    void tftpServerRuleOnTheRecordItself() {
        DhcpLease both = new DhcpLease(ip("10.0.0.5"), ip("10.0.0.1"), ip("10.0.0.2"), null, null, null, null, null,
                null, null, null, 0);
        assertEquals(ip("10.0.0.2"), both.tftpServer());
        DhcpLease zero = new DhcpLease(ip("10.0.0.5"), ip("10.0.0.1"), ip("0.0.0.0"), null, null, null, null, null,
                null, null, null, 0);
        assertEquals(ip("10.0.0.1"), zero.tftpServer(), "a zero siaddr passed in by hand still falls back to 54");
        assertEquals(List.of(), zero.dnsServers(), "null DNS list becomes empty");
    }

    @Test
    void malformedInputIsADhcpExceptionNamingTheProblem() {
        DHCPPacket noAddress = ack(null, "10.0.0.1");
        DhcpException e = assertThrows(DhcpException.class, () -> parse(noAddress));
        assertEquals("DHCP server 10.0.0.1 acknowledged without an address (yiaddr 0.0.0.0)", e.getMessage());

        DHCPPacket badMask = ack("10.0.0.5", "10.0.0.1");
        badMask.setOptionRaw((byte) 1, new byte[] {-1, -1, -1});
        e = assertThrows(DhcpException.class, () -> parse(badMask));
        assertEquals("DHCP server 10.0.0.1 sent option 1 (subnet mask) of 3 bytes, expected 4", e.getMessage());

        DHCPPacket badOverload = ack("10.0.0.5", "10.0.0.1");
        badOverload.setOptionRaw((byte) 52, new byte[] {7});
        e = assertThrows(DhcpException.class, () -> parse(badOverload));
        assertTrue(e.getMessage().contains("option 52 (overload) = 07"), e.getMessage());

        DHCPPacket overrun = ack("10.0.0.5", "10.0.0.1");
        overrun.setOptionRaw((byte) 52, new byte[] {2});
        byte[] sname = new byte[64];
        sname[60] = 67;
        sname[61] = 10;
        overrun.setSnameRaw(sname);
        e = assertThrows(DhcpException.class, () -> parse(overrun));
        assertEquals("DHCP server 10.0.0.1 sent option 67 (boot file) in the overloaded 'sname' field that runs past"
                + " the field's end", e.getMessage());

        e = assertThrows(DhcpException.class, () -> LeaseParser.parse(new byte[100]));
        assertTrue(e.getMessage().startsWith("malformed DHCP packet (100 bytes): "), e.getMessage());
    }
}
