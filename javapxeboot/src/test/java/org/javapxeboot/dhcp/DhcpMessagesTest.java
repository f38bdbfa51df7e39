package org.javapxeboot.dhcp;

import static org.javapxeboot.dhcp.Replies.ip;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.javapxeboot.net.MacAddress;
import org.junit.jupiter.api.Test;

/**
 * The DISCOVER and REQUEST as bytes. Fields are checked at their RFC 2131 §2 offsets with a walker written
 * here, not dhcp4java's, so a bug in how we drive dhcp4java cannot hide behind its own parser.
 */
class DhcpMessagesTest {
    static final MacAddress MAC = MacAddress.parse("AA:00:86:e2:35:72");
    static final int XID = 0x1234abcd;
    static final UUID UUID_FIXED = UUID.fromString("4c4c4544-0042-3510-8052-b4c04f4d4e31");

    private static final HexFormat HEX = HexFormat.of();

    static Map<Integer, byte[]> options(byte[] d) {
        assertArrayEquals(new byte[] {0x63, (byte) 0x82, 0x53, 0x63}, Arrays.copyOfRange(d, 236, 240), "magic cookie");
        Map<Integer, byte[]> m = new LinkedHashMap<>();
        int i = 240;
        while (true) {
            int code = d[i] & 0xff;
            if (code == 255) break;
            if (code == 0) { i++; continue; }
            int len = d[i + 1] & 0xff;
            m.put(code, Arrays.copyOfRange(d, i + 2, i + 2 + len));
            i += 2 + len;
        }
        for (int j = i + 1; j < d.length; j++) assertEquals(0, d[j], "padding after END at " + j);
        return m;
    }

    private static void checkHeader(byte[] d, int secs) {
        assertEquals(1, d[0], "op BOOTREQUEST");
        assertEquals(1, d[1], "htype Ethernet");
        assertEquals(6, d[2], "hlen");
        assertEquals(0, d[3], "hops");
        assertEquals("1234abcd", HEX.formatHex(d, 4, 8), "xid");
        assertEquals(secs, ((d[8] & 0xff) << 8) | (d[9] & 0xff), "secs");
        assertEquals("8000", HEX.formatHex(d, 10, 12), "flags: BROADCAST");
        assertEquals("00000000000000000000000000000000", HEX.formatHex(d, 12, 28), "ciaddr yiaddr siaddr giaddr");
        assertEquals("aa0086e23572", HEX.formatHex(d, 28, 34), "chaddr = the guest's MAC");
        for (int i = 34; i < 236; i++) assertEquals(0, d[i], "chaddr padding, sname, file are zero at " + i);
        assertTrue(d.length >= 300, "BOOTP minimum size");
    }

    private static void checkPxeOptions(Map<Integer, byte[]> o) {
        assertEquals("01aa0086e23572", HEX.formatHex(o.get(61)), "client identifier 01+MAC");
        assertEquals("05dc", HEX.formatHex(o.get(57)), "max message size 1500");
        assertEquals("PXEClient:Arch:00000:UNDI:002001", new String(o.get(60), StandardCharsets.US_ASCII));
        assertEquals("0000", HEX.formatHex(o.get(93)), "arch x86 BIOS");
        assertEquals("010201", HEX.formatHex(o.get(94)), "UNDI 2.1");
        assertEquals("00" + UUID_FIXED.toString().replace("-", ""), HEX.formatHex(o.get(97)), "type 0 + UUID");
        List<Integer> prl = new java.util.ArrayList<>();
        for (byte b : o.get(55)) prl.add(b & 0xff);
        assertTrue(prl.containsAll(List.of(1, 3, 6, 12, 15, 28, 43, 60, 66, 67, 209, 210)), "parameter list " + prl);
    }

    @Test
    void discover() throws Exception {
        byte[] d = DhcpMessages.encode(DhcpMessages.discover(MAC, UUID_FIXED, XID, 0));
        checkHeader(d, 0);
        Map<Integer, byte[]> o = options(d);
        assertEquals("01", HEX.formatHex(o.get(53)), "DHCPDISCOVER");
        checkPxeOptions(o);
        assertEquals(List.of(53, 61, 57, 60, 93, 94, 97, 55), List.copyOf(o.keySet()), "options and their order");
        GoldenHex.check("discover.hex", d);
    }

    @Test
    void request() throws Exception {
        byte[] d = DhcpMessages.encode(DhcpMessages.request(MAC, UUID_FIXED, XID, 3, ip("10.213.0.77"), ip("10.213.0.1")));
        checkHeader(d, 3);
        Map<Integer, byte[]> o = options(d);
        assertEquals("03", HEX.formatHex(o.get(53)), "DHCPREQUEST");
        assertEquals("0ad5004d", HEX.formatHex(o.get(50)), "requested address");
        assertEquals("0ad50001", HEX.formatHex(o.get(54)), "server identifier");
        checkPxeOptions(o);
        assertEquals(List.of(53, 61, 50, 54, 57, 60, 93, 94, 97, 55), List.copyOf(o.keySet()));
        GoldenHex.check("request.hex", d);
    }

    @Test
    void uuidDerivedFromTheMacIsAVersion1UuidWithTheMacAsNode() {
        UUID u = DhcpMessages.uuidFor(MAC);
        assertEquals("00000000-0000-1000-8000-aa0086e23572", u.toString());
        assertEquals(1, u.version());
        assertEquals(2, u.variant());
        assertEquals(u, DhcpClient.Settings.defaults(MAC).effectiveUuid());
        assertEquals(UUID_FIXED, DhcpClient.Settings.defaults(MAC).withUuid(UUID_FIXED).effectiveUuid());
    }

    @Test
    void secsIsClampedToSixteenBits() {
        byte[] d = DhcpMessages.encode(DhcpMessages.discover(MAC, UUID_FIXED, XID, 1_000_000));
        assertEquals("ffff", HEX.formatHex(d, 8, 10));
    }
}
