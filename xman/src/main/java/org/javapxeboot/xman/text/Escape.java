package org.javapxeboot.xman.text;

/**
 * Names that reach a log or a terminal come from others: a domain name, a Kerberos principal, a
 * libvirt message, a path. A raw ESC would let them drive the admin's terminal (retitle it, hide
 * lines, fake a prompt) and a raw newline would forge a log line, so every control character
 * (C0, DEL and the C1 range, which some terminals also obey) is written as {@code \xNN}.
 */
public final class Escape {
    private Escape() {}

    public static boolean control(char c) {
        return c < 0x20 || (c >= 0x7f && c <= 0x9f);
    }

    /** One line: every control character, newline included, as \xNN. */
    public static String line(String s) {
        return escape(s, false);
    }

    /** Several lines (describe's XML): newlines and tabs kept, every other control character as \xNN. */
    public static String text(String s) {
        return escape(s, true);
    }

    private static String escape(String s, boolean keepLines) {
        if (s == null) return null;
        StringBuilder sb = null;
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            boolean esc = control(c) && !(keepLines && (c == '\n' || c == '\t'));
            if (esc && sb == null) sb = new StringBuilder(s.length() + 8).append(s, 0, i);
            if (sb == null) continue;
            if (esc) sb.append(String.format("\\x%02x", (int) c));
            else sb.append(c);
        }
        return sb == null ? s : sb.toString();
    }
}
