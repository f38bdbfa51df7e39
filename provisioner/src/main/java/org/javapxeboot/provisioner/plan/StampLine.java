package org.javapxeboot.provisioner.plan;

/**
 * A line apply printed, kept on one line of the stamp ({@link ApplyStamp}) and printed again by a
 * no-op: backslash and newline escaped, and nothing but text coming back (the stamp is a file;
 * what it says is printed to the terminal of whoever runs apply).
 */
final class StampLine {
    private StampLine() {
    }

    /** A printed line on one stamp line: backslash and newline escaped. */
    static String encode(String line) {
        return line.replace("\\", "\\\\").replace("\n", "\\n");
    }

    /** {@link #encode}'s inverse, in one scan; null for anything encode cannot have written or with a control character. */
    static String decode(String s) {
        StringBuilder b = new StringBuilder(s.length());
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == '\\') {
                if (++i == s.length()) {
                    return null;
                }
                char d = s.charAt(i);
                if (d == 'n') {
                    b.append('\n');
                } else if (d == '\\') {
                    b.append('\\');
                } else {
                    return null;
                }
            } else if (c < 0x20 || (c >= 0x7f && c <= 0x9f)) {
                return null; // printed to the terminal of whoever runs apply: nothing but text
            } else {
                b.append(c);
            }
        }
        return b.toString();
    }
}
