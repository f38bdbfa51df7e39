package org.javapxeboot.boot;

import java.io.PrintStream;

/**
 * Diagnostics to stderr, which the toolstack shows on the guest console. Only the stanza goes to
 * --output. No logging framework: it would cost start-up time on every guest boot.
 *
 * <p>Messages carry text from the network (file names and labels from configs, DHCP strings, TFTP
 * error messages), so every line is passed through {@link #escape} here, at the sink: a hostile
 * server can neither send escape sequences to the admin's terminal nor forge a log line with a
 * newline.
 */
public final class Log {
    public enum Level { QUIET, NORMAL, VERBOSE }

    private final PrintStream err;
    private final Level level;
    private final long start = System.nanoTime();

    public Log(PrintStream err, Level level) {
        this.err = err;
        this.level = level;
    }

    public static Log silent() { return new Log(new PrintStream(java.io.OutputStream.nullOutputStream()), Level.QUIET); }

    /** A progress line, shown unless --quiet. */
    public void info(String msg) { if (level != Level.QUIET) err.println("javapxeboot: " + escape(msg)); }

    /** Detail, shown with -v, with the milliseconds since start so an admin sees where a boot spends its time. */
    public void debug(String msg) {
        if (level == Level.VERBOSE) err.println("javapxeboot: [" + (System.nanoTime() - start) / 1_000_000 + " ms] " + escape(msg));
    }

    public void warn(String msg) { err.println("javapxeboot: warning: " + escape(msg)); }

    /** The one-line error of a failed boot; always shown. */
    public void error(String msg) { err.println("javapxeboot: error: " + escape(msg)); }

    public boolean verbose() { return level == Level.VERBOSE; }

    /**
     * {@code text} made safe for one line of a terminal or a log: C0 and C1 control characters
     * (ESC, CSI U+009B, CR, LF, BEL...), DEL, Unicode format characters (bidi overrides) and line
     * separators become {@code \e}, {@code \n}, {@code \r}, {@code \t}, {@code \xNN} or
     * <code>&#92;u{NNNN}</code>; a backslash becomes {@code \\}, so that an escape in the output always
     * means an escaped character. Everything else, Latin-1 letters included, is left alone.
     */
    public static String escape(String text) {
        if (text == null) return "null";
        int i = 0;
        while (i < text.length() && !needsEscape(text.charAt(i))) i++;
        if (i == text.length()) return text;
        StringBuilder b = new StringBuilder(text.length() + 16).append(text, 0, i);
        for (; i < text.length(); i++) {
            char c = text.charAt(i);
            if (!needsEscape(c)) {
                b.append(c);
            } else if (c == '\\') {
                b.append("\\\\");
            } else if (c == '\n') {
                b.append("\\n");
            } else if (c == '\r') {
                b.append("\\r");
            } else if (c == '\t') {
                b.append("\\t");
            } else if (c == 0x1b) {
                b.append("\\e");
            } else if (c < 0x100) {
                b.append("\\x").append(HEX[c >> 4]).append(HEX[c & 15]);
            } else if (Character.isHighSurrogate(c) && i + 1 < text.length() && Character.isLowSurrogate(text.charAt(i + 1))
                    && Character.getType(text.codePointAt(i)) != Character.FORMAT) {
                b.append(c).append(text.charAt(++i)); // a paired surrogate: an ordinary supplementary character
            } else {
                int cp = text.codePointAt(i);
                if (Character.charCount(cp) == 2) i++;
                b.append("\\u{").append(Integer.toHexString(cp)).append('}');
            }
        }
        return b.toString();
    }

    private static final char[] HEX = "0123456789abcdef".toCharArray();

    private static boolean needsEscape(char c) {
        if (c >= 0x20 && c < 0x7f) return c == '\\';
        if (c < 0x20 || c < 0xa0) return true; // C0, DEL and C1 (0x9b is CSI on a UTF-8 terminal)
        int type = Character.getType(c);
        return type == Character.FORMAT || type == Character.LINE_SEPARATOR || type == Character.PARAGRAPH_SEPARATOR
                || type == Character.SURROGATE;
    }
}
