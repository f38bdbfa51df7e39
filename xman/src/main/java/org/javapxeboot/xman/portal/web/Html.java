package org.javapxeboot.xman.portal.web;

import org.javapxeboot.xman.text.Escape;

import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;

/**
 * A page under construction: markup goes in through {@link #raw} (constants of this package
 * only), every other value through {@link #text}, which escapes it for element content and
 * double-quoted attributes alike. Names come from domains and hosts others control.
 */
final class Html {
    private final StringBuilder sb = new StringBuilder(4096);

    Html raw(String markup) {
        sb.append(markup);
        return this;
    }

    Html text(Object value) {
        escape(sb, value == null ? "" : String.valueOf(value));
        return this;
    }

    /** {@code <tag attrs>value</tag>}: the value escaped. */
    Html el(String open, String close, Object value) {
        return raw(open).text(value).raw(close);
    }

    static String escape(String s) {
        StringBuilder b = new StringBuilder(s.length() + 16);
        escape(b, s);
        return b.toString();
    }

    private static void escape(StringBuilder b, String s) {
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '&' -> b.append("&amp;");
                case '<' -> b.append("&lt;");
                case '>' -> b.append("&gt;");
                case '"' -> b.append("&quot;");
                case '\'' -> b.append("&#39;");
                default -> {
                    // Control characters (other than newline and tab) are not text: show them as \xNN.
                    if (Escape.control(c) && c != '\n' && c != '\t') b.append(String.format("\\x%02x", (int) c));
                    else b.append(c);
                }
            }
        }
    }

    /** One URL path segment: percent-encoded (then escaped again where it goes into an attribute). */
    static String segment(String s) {
        return URLEncoder.encode(s, StandardCharsets.UTF_8).replace("+", "%20");
    }

    @Override
    public String toString() {
        return sb.toString();
    }
}
