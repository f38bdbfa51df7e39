package org.javapxeboot.pxelinux;

import java.util.ArrayList;
import java.util.List;

/** Kernel command line tokens. */
final class Tokens {
    private Tokens() {}

    /** syslinux's my_isspace(): every control character and the space separate words. */
    static boolean isSpace(char c) { return c <= ' '; }

    /**
     * Splits a command line into words the way the Linux kernel's next_arg() does: whitespace
     * separates words except inside double quotes, so {@code foo="a  b"} stays one word, byte for byte.
     */
    static List<String> split(String s) {
        List<String> out = new ArrayList<>();
        if (s == null) return out;
        int i = 0, n = s.length();
        while (i < n) {
            while (i < n && isSpace(s.charAt(i))) i++;
            if (i >= n) break;
            int start = i;
            boolean quoted = false;
            while (i < n && (quoted || !isSpace(s.charAt(i)))) {
                if (s.charAt(i) == '"') quoted = !quoted;
                i++;
            }
            out.add(s.substring(start, i));
        }
        return out;
    }

    /** The key of a {@code key=value} word: everything before the FIRST {@code =} (never the last). */
    static String key(String word) {
        int eq = word.indexOf('=');
        return eq < 0 ? word : word.substring(0, eq);
    }

    /** The value after the first {@code =}, or null when the word has none. */
    static String value(String word) {
        int eq = word.indexOf('=');
        return eq < 0 ? null : word.substring(eq + 1);
    }
}
