package org.javapxeboot.net;

import java.util.Arrays;
import java.util.HexFormat;
import java.util.Locale;

/** An Ethernet MAC address (6 bytes). Immutable. */
public final class MacAddress {
    private final byte[] bytes;

    private MacAddress(byte[] bytes) { this.bytes = bytes; }

    public static MacAddress of(byte[] bytes) {
        if (bytes.length != 6) throw new IllegalArgumentException("a MAC address has 6 bytes, not " + bytes.length);
        return new MacAddress(bytes.clone());
    }

    /**
     * Parses {@code aa:bb:cc:dd:ee:ff}, {@code aa-bb-cc-dd-ee-ff} or {@code aabbccddeeff}, any case; each
     * colon-separated part may have one digit ({@code 0:16:3e:1:2:3}, as xm configs sometimes carry).
     *
     * @throws IllegalArgumentException with a message that quotes the input
     */
    public static MacAddress parse(String text) {
        String s = text.trim();
        String[] parts;
        if (s.indexOf(':') >= 0) parts = s.split(":", -1);
        else if (s.indexOf('-') >= 0) parts = s.split("-", -1);
        else if (s.length() == 12) {
            parts = new String[6];
            for (int i = 0; i < 6; i++) parts[i] = s.substring(2 * i, 2 * i + 2);
        } else parts = new String[0];
        if (parts.length != 6) throw new IllegalArgumentException("'" + text + "' is not a MAC address (expected six hex bytes like aa:00:86:e2:35:72)");
        byte[] b = new byte[6];
        for (int i = 0; i < 6; i++) {
            String p = parts[i];
            if (p.isEmpty() || p.length() > 2 || !p.chars().allMatch(c -> Character.digit(c, 16) >= 0)) {
                throw new IllegalArgumentException("'" + text + "' is not a MAC address: '" + p + "' is not a hex byte");
            }
            b[i] = (byte) Integer.parseInt(p, 16);
        }
        return new MacAddress(b);
    }

    public byte[] bytes() { return bytes.clone(); }

    /** Lower-case, colon-separated: {@code aa:00:86:e2:35:72}. */
    @Override public String toString() { return join(':'); }

    /** Lower-case with the given separator. */
    public String join(char sep) {
        return HexFormat.ofDelimiter(String.valueOf(sep)).withLowerCase().formatHex(bytes);
    }

    /** pxelinux's per-host config name: ARP type 1 then the MAC, lower-case, dash-separated ({@code 01-aa-00-...}). */
    public String pxelinuxName() { return "01-" + join('-'); }

    public boolean isMulticast() { return (bytes[0] & 1) != 0; }

    @Override public boolean equals(Object o) { return o instanceof MacAddress m && Arrays.equals(bytes, m.bytes); }

    @Override public int hashCode() { return Arrays.hashCode(bytes); }

    /** Upper-case colon form, as Xen configs usually print it. */
    public String toUpperString() { return toString().toUpperCase(Locale.ROOT); }
}
