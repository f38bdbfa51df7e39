package org.javapxeboot.provisioner.model;

import java.math.BigDecimal;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Disk sizes with units. Binary units (KiB, MiB, GiB, TiB, and the LVM/dd style K, M, G, T) are
 * powers of 1024; decimal units (kB, MB, GB, TB) are powers of 1000, as the SI and disk vendors use
 * them; a plain number or B is bytes. Fractions are allowed when the result is a whole byte count
 * ({@code 1.5GiB}).
 */
public final class Size {
    private static final Pattern SYNTAX = Pattern.compile("([0-9]+(?:\\.[0-9]+)?)\\s*([A-Za-z]*)");
    private static final Map<String, Long> UNITS = Map.ofEntries(
            Map.entry("", 1L), Map.entry("b", 1L),
            Map.entry("k", 1L << 10), Map.entry("kib", 1L << 10),
            Map.entry("m", 1L << 20), Map.entry("mib", 1L << 20),
            Map.entry("g", 1L << 30), Map.entry("gib", 1L << 30),
            Map.entry("t", 1L << 40), Map.entry("tib", 1L << 40),
            Map.entry("kb", 1000L), Map.entry("mb", 1000_000L),
            Map.entry("gb", 1000_000_000L), Map.entry("tb", 1000_000_000_000L));

    private Size() {
    }

    /** Bytes, or IllegalArgumentException with a sentence saying what is accepted. */
    public static long parse(String text) {
        Matcher m = SYNTAX.matcher(text.trim());
        if (!m.matches()) {
            throw new IllegalArgumentException("'" + text + "' is not a size; write e.g. 10GiB, 512MiB, 20GB or a byte count");
        }
        Long unit = UNITS.get(m.group(2).toLowerCase(Locale.ROOT));
        if (unit == null) {
            throw new IllegalArgumentException("unknown size unit '" + m.group(2)
                    + "' in '" + text + "'; use B, KiB, MiB, GiB, TiB (1024) or kB, MB, GB, TB (1000)");
        }
        BigDecimal bytes = new BigDecimal(m.group(1)).multiply(BigDecimal.valueOf(unit));
        try {
            return bytes.longValueExact();
        } catch (ArithmeticException e) {
            throw new IllegalArgumentException("'" + text + "' is not a whole number of bytes or is too large");
        }
    }

    /** Human form, exact when possible: 10GiB, 512MiB, 1000000000B. */
    public static String format(long bytes) {
        String[] names = {"TiB", "GiB", "MiB", "KiB"};
        int[] shifts = {40, 30, 20, 10};
        for (int i = 0; i < names.length; i++) {
            long unit = 1L << shifts[i];
            if (bytes >= unit && bytes % unit == 0) {
                return (bytes / unit) + names[i];
            }
        }
        return bytes + "B";
    }
}
