package org.javapxeboot.xen;

import java.math.BigDecimal;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import org.javapxeboot.net.MacAddress;

/** The value syntaxes of the bootloader's options, each with the usage message for a bad value. */
final class OptionValues {
    private OptionValues() {}

    static MacAddress parseMac(String text, String where) throws UsageException {
        try {
            return MacAddress.parse(text);
        } catch (IllegalArgumentException e) {
            throw new UsageException(where + ": " + e.getMessage());
        }
    }

    /** A dotted quad, parsed without any name lookup. */
    static Inet4Address parseIpv4(String v, String opt) throws UsageException {
        String[] parts = v.trim().split("\\.", -1);
        String bad = opt + ": '" + v + "' is not an IPv4 address (expected a.b.c.d)";
        if (parts.length != 4) throw new UsageException(bad);
        byte[] b = new byte[4];
        for (int i = 0; i < 4; i++) {
            if (!parts[i].matches("[0-9]{1,3}")) throw new UsageException(bad);
            int n = Integer.parseInt(parts[i]);
            if (n > 255) throw new UsageException(bad);
            b[i] = (byte) n;
        }
        try {
            return (Inet4Address) InetAddress.getByAddress(b);
        } catch (UnknownHostException e) {
            throw new UsageException(bad);
        }
    }

    static int parseInt(String v, String opt, int min, int max) throws UsageException {
        try {
            int n = Integer.parseInt(v.trim());
            if (n >= min && n <= max) return n;
        } catch (NumberFormatException e) {
            // fall through to the message below
        }
        throw new UsageException(opt + ": '" + v + "' is not a whole number from " + min + " to " + max);
    }

    static Duration parseSeconds(String v, String opt) throws UsageException {
        try {
            BigDecimal s = new BigDecimal(v.trim());
            if (s.signum() > 0 && s.compareTo(BigDecimal.valueOf(86400)) <= 0) {
                return Duration.ofNanos(s.movePointRight(9).longValue());
            }
        } catch (NumberFormatException e) {
            // fall through
        }
        throw new UsageException(opt + ": '" + v + "' is not a number of seconds above 0 (at most 86400)");
    }

    /** Bytes, optionally with a binary suffix: K/KiB, M/MiB, G/GiB. */
    static long parseSize(String v, String opt) throws UsageException {
        String s = v.trim();
        String upper = s.toUpperCase(Locale.ROOT);
        long unit = 1;
        for (String[] suf : new String[][] {{"KIB", "1024"}, {"MIB", "1048576"}, {"GIB", "1073741824"},
                {"K", "1024"}, {"M", "1048576"}, {"G", "1073741824"}}) {
            if (upper.endsWith(suf[0])) {
                unit = Long.parseLong(suf[1]);
                s = s.substring(0, s.length() - suf[0].length()).trim();
                break;
            }
        }
        try {
            long n = Long.parseLong(s);
            if (n > 0 && n <= Long.MAX_VALUE / unit) return n * unit;
        } catch (NumberFormatException e) {
            // fall through
        }
        throw new UsageException(opt + ": '" + v + "' is not a size in bytes (e.g. 536870912 or 512M)");
    }

    /** One of {@code choices}, exactly; else a UsageException naming the option. */
    static String parseChoice(String v, String opt, String... choices) throws UsageException {
        for (String c : choices) if (c.equals(v)) return c;
        throw new UsageException(opt + ": expected " + String.join(" or ", choices) + ", not '" + v + "'");
    }

    /** A comma-separated list of host names or addresses (letters, digits, '.', ':', '-'), or "any". */
    static List<String> parseHosts(String v, String opt) throws UsageException {
        List<String> hosts = new java.util.ArrayList<>();
        for (String h : v.split(",")) {
            String t = h.trim();
            if (t.isEmpty()) continue;
            for (int i = 0; i < t.length(); i++) {
                char c = t.charAt(i);
                if (!(Character.isLetterOrDigit(c) && c < 128) && c != '.' && c != ':' && c != '-') {
                    throw new UsageException(opt + ": '" + t + "' is not a host name or address");
                }
            }
            hosts.add(t);
        }
        return List.copyOf(hosts);
    }
}
