package org.javapxeboot.pxelinux;

import java.net.Inet4Address;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.regex.Pattern;

import org.javapxeboot.net.MacAddress;

/**
 * The config files pxelinux tries, in order (syslinux doc/pxelinux.txt): the client UUID, {@code 01-}
 * and the MAC, the IP address in upper-case hex shortened one digit at a time, then {@code default}, all
 * under {@code pathPrefix + "pxelinux.cfg/"}. DHCP option 209 (a config file named by the server) is
 * tried before these by the caller.
 */
public final class ConfigSearch {
    private static final Pattern UUID_DASHED =
            Pattern.compile("[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}");
    private static final Pattern UUID_PLAIN = Pattern.compile("[0-9a-fA-F]{32}");

    private ConfigSearch() {}

    /**
     * @param pathPrefix prefix prepended by concatenation (null or "" for none)
     * @param uuidOrNull the client UUID (DHCP option 97), dashed or 32 hex digits, any case; null if none
     * @param mac        the client MAC
     * @param ipOrNull   the client's IPv4 address, null if unknown
     * @throws IllegalArgumentException if the UUID is not a UUID (the message quotes it)
     */
    public static List<String> candidates(String pathPrefix, String uuidOrNull, MacAddress mac, Inet4Address ipOrNull) {
        Objects.requireNonNull(mac, "mac");
        String base = (pathPrefix == null ? "" : pathPrefix) + "pxelinux.cfg/";
        List<String> out = new ArrayList<>();
        if (uuidOrNull != null) out.add(base + normalizeUuid(uuidOrNull));
        out.add(base + mac.pxelinuxName());
        if (ipOrNull != null) {
            String hex = HexFormat.of().withUpperCase().formatHex(ipOrNull.getAddress());
            for (int len = hex.length(); len >= 1; len--) out.add(base + hex.substring(0, len));
        }
        out.add(base + "default");
        return out;
    }

    /** The lower-case dashed form pxelinux looks up ({@code b8945908-d6a6-41a9-611d-74a6ab80b83d}). */
    public static String normalizeUuid(String uuid) {
        String s = uuid.trim();
        if (UUID_PLAIN.matcher(s).matches()) {
            s = s.substring(0, 8) + "-" + s.substring(8, 12) + "-" + s.substring(12, 16) + "-"
                    + s.substring(16, 20) + "-" + s.substring(20);
        } else if (!UUID_DASHED.matcher(s).matches()) {
            throw new IllegalArgumentException("'" + uuid + "' is not a UUID (expected 32 hex digits, e.g. b8945908-d6a6-41a9-611d-74a6ab80b83d)");
        }
        return s.toLowerCase(Locale.ROOT);
    }
}
