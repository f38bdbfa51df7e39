package org.javapxeboot.dhcp;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The one option codec: what pxe-mock writes the bootloader reads back, byte for byte. */
class DhcpTlvTest {

    private static Map<Integer, byte[]> read(byte[] field) {
        Map<Integer, byte[]> m = new LinkedHashMap<>();
        int bad = DhcpTlv.walk(field, (code, b, at, len) -> m.put(code, java.util.Arrays.copyOfRange(b, at, at + len)));
        assertEquals(-1, bad);
        return m;
    }

    private static byte[] ascii(String s) { return s.getBytes(StandardCharsets.US_ASCII); }

    @Test void encodeThenWalkGivesTheOptionsBack() {
        Map<Integer, byte[]> in = new LinkedHashMap<>();
        in.put(66, ascii("tftp"));
        in.put(209, ascii("pxelinux.cfg/x"));
        in.put(210, new byte[0]);
        byte[] wire = DhcpTlv.encode(in);
        assertArrayEquals(new byte[] {66, 4, 't', 'f', 't', 'p', (byte) 209, 14}, java.util.Arrays.copyOf(wire, 8));
        assertEquals((byte) 255, wire[wire.length - 1], "END");
        Map<Integer, byte[]> out = read(wire);
        assertEquals(List.of(66, 209, 210), new ArrayList<>(out.keySet()));
        for (int k : in.keySet()) assertArrayEquals(in.get(k), out.get(k));
    }

    @Test void padIsSkippedAndEndStops() {
        byte[] f = {0, 0, 1, 1, 7, (byte) 255, 3, 1, 9};
        assertEquals(List.of(1), new ArrayList<>(read(f).keySet()));
    }

    @Test void anOptionRunningPastTheFieldIsNamed() {
        byte[] f = {1, 1, 7, 67, 9, 'a'};
        List<Integer> seen = new ArrayList<>();
        assertEquals(67, DhcpTlv.walk(f, (code, b, at, len) -> seen.add(code)));
        assertEquals(List.of(1), seen, "nothing after the bad option is visited");
        assertEquals(5, DhcpTlv.walk(new byte[] {5}, (code, b, at, len) -> seen.add(code)), "a code without its length byte");
    }

    @Test void packFillsFileThenSnameWithWholeOptions() {
        Map<Integer, byte[]> opts = new LinkedHashMap<>();
        opts.put(67, new byte[100]);
        opts.put(209, new byte[40]);
        byte[][] both = DhcpTlv.pack(opts, DhcpOptions.OVERLOAD_FILE | DhcpOptions.OVERLOAD_SNAME);
        assertEquals(103, both[0].length, "67 fits the 128-byte file field with its END");
        assertEquals(43, both[1].length, "209 does not fit after it: it goes to sname");
        assertArrayEquals(opts.get(67), read(both[0]).get(67));
        assertArrayEquals(opts.get(209), read(both[1]).get(209));
        assertNull(DhcpTlv.pack(opts, DhcpOptions.OVERLOAD_FILE), "140 bytes of options do not fit 128");
        byte[][] sname = DhcpTlv.pack(Map.of(66, ascii("s")), DhcpOptions.OVERLOAD_SNAME);
        assertNull(sname[0]);
        assertArrayEquals(new byte[] {66, 1, 's', (byte) 255}, sname[1]);
    }

    @Test void pxeBootItemGoldenBytes() {
        // PXE 2.1 §2.2.5: sub-option 71, length 4, server type, layer 0, END; a PXE boot server reads exactly this.
        assertArrayEquals(new byte[] {71, 4, (byte) 0x80, 0x01, 0, 0, (byte) 255}, DhcpOptions.pxeBootItem(0x8001, 0));
        Map<Integer, byte[]> back = read(DhcpOptions.pxeBootItem(7, 2));
        assertArrayEquals(new byte[] {0, 7, 0, 2}, back.get(DhcpOptions.PXE_BOOT_ITEM));
    }

    @Test void sharedFacts() {
        assertEquals("DISCOVER", DhcpOptions.messageTypeName(1));
        assertEquals("INFORM", DhcpOptions.messageTypeName(8));
        assertNull(DhcpOptions.messageTypeName(0));
        assertNull(DhcpOptions.messageTypeName(9));
        assertTrue(DhcpOptions.requests(DhcpOptions.PARAMETER_REQUEST_LIST, 67));
        assertTrue(DhcpOptions.requests(DhcpOptions.PARAMETER_REQUEST_LIST, 209), "codes above 127 are unsigned");
        assertFalse(DhcpOptions.requests(DhcpOptions.PARAMETER_REQUEST_LIST, 150));
        assertFalse(DhcpOptions.requests(null, 67));
    }
}
