package org.javapxeboot.xen;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.Locale;

/**
 * The three stanza formats pygrub writes (tools/pygrub/src/pygrub: format_sxp, format_simple) and the
 * toolstacks read: xend reads sxp, libxl reads simple0 (libxl_bootloader.c parse_bootloader_result).
 *
 * <p>Bytes: a char up to U+00FF is written as that one byte, so config text (decoded as ISO-8859-1)
 * goes out exactly as it came in; a char above U+00FF (only possible from {@code --args}) is written as
 * UTF-8.
 */
public enum OutputFormat {
    /**
     * {@code linux (kernel PATH)(ramdisk PATH)(args 'ARGS')}, no trailing newline, as pygrub. pygrub wraps
     * args in double quotes without escaping; we use single quotes and escape {@code \} and {@code '}
     * with a backslash, which xend's sxp.Parser (state_string/state_escape) reads back exactly. Paths
     * are quoted the same way only when they are not plain sxp atoms (xend's atomp()). {@code (ramdisk)}
     * only with a ramdisk and {@code (args)} only with arguments, as pygrub.
     */
    SXP,
    /** {@code kernel PATH\n}, {@code ramdisk PATH\n} if any, {@code args ARGS\n} if non-empty, then {@code \n}. */
    SIMPLE,
    /** As {@link #SIMPLE} with NUL for newline: what libxl asks for with {@code --output-format=simple0}. */
    SIMPLE0;

    /** The stanza as bytes; throws IllegalArgumentException when a value contains the format's separator. */
    public byte[] render(Stanza s) {
        StringBuilder b = new StringBuilder();
        if (this == SXP) {
            b.append("linux (kernel ").append(sxpValue(s.kernel())).append(')');
            if (s.ramdisk() != null && !s.ramdisk().isEmpty()) b.append("(ramdisk ").append(sxpValue(s.ramdisk())).append(')');
            if (!s.args().isEmpty()) b.append("(args ").append(sxpString(s.args())).append(')');
        } else {
            char sep = this == SIMPLE ? '\n' : '\0';
            line(b, "kernel", s.kernel(), sep);
            if (s.ramdisk() != null && !s.ramdisk().isEmpty()) line(b, "ramdisk", s.ramdisk(), sep);
            if (!s.args().isEmpty()) line(b, "args", s.args(), sep);
            b.append(sep);
        }
        return bytes(b);
    }

    /** The lower-case name used on the command line. */
    public String optionName() { return name().toLowerCase(Locale.ROOT); }

    /** Parses {@code sxp}, {@code simple} or {@code simple0} (any case). */
    public static OutputFormat parse(String name) {
        if (name != null) {
            for (OutputFormat f : values()) if (f.optionName().equalsIgnoreCase(name.trim())) return f;
        }
        throw new IllegalArgumentException("unknown output format '" + name + "' (expected sxp, simple or simple0)");
    }

    private void line(StringBuilder b, String key, String value, char sep) {
        if (value.indexOf(sep) >= 0) {
            throw new IllegalArgumentException("the " + key + " value contains a " + (sep == '\n' ? "newline" : "NUL byte")
                    + ", which the " + optionName() + " output format cannot carry: '" + printable(value) + "'");
        }
        b.append(key).append(' ').append(value).append(sep);
    }

    /** xend's sxp.atomp(): such a value needs no quotes. */
    private static boolean isAtom(String v) {
        if (v.isEmpty()) return false;
        for (int i = 0; i < v.length(); i++) {
            char c = v.charAt(i);
            boolean ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || ".-_:/~".indexOf(c) >= 0;
            if (!ok) return false;
        }
        return true;
    }

    private static String sxpValue(String v) { return isAtom(v) ? v : sxpString(v); }

    private static String sxpString(String v) {
        StringBuilder b = new StringBuilder(v.length() + 2).append('\'');
        for (int i = 0; i < v.length(); i++) {
            char c = v.charAt(i);
            if (c == '\\' || c == '\'') b.append('\\');
            b.append(c);
        }
        return b.append('\'').toString();
    }

    private static byte[] bytes(CharSequence s) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(s.length() + 16);
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c <= 0xFF) {
                out.write(c);
            } else {
                int end = Character.isHighSurrogate(c) && i + 1 < s.length() ? i + 2 : i + 1;
                out.writeBytes(s.subSequence(i, end).toString().getBytes(StandardCharsets.UTF_8));
                i = end - 1;
            }
        }
        return out.toByteArray();
    }

    private static String printable(String v) {
        return v.replace("\\", "\\\\").replace("\n", "\\n").replace("\0", "\\0");
    }
}
