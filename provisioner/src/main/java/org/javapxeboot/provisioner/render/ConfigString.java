package org.javapxeboot.provisioner.render;

/**
 * Quoted strings for xl.cfg and legacy xm configs. Both read the same escapes: xm configs are
 * Python source, and libxlu's {@code xlu__cfgl_dequote} (tools/libs/util/libxlu_cfg.c) accepts
 * {@code \" \' \\ \a \b \f \n \r \t \v \xHH}. So one quoting serves both, and no value can end a
 * string early or start a new setting.
 */
public final class ConfigString {
    private ConfigString() {
    }

    /** {@code value} between {@code quote} characters ('"' or '\''), escaped. */
    public static String quote(String value, char quote) {
        StringBuilder b = new StringBuilder(value.length() + 2).append(quote);
        for (int i = 0; i < value.length(); i++) {
            char c = value.charAt(i);
            if (c == '\\' || c == quote) {
                b.append('\\').append(c);
            } else if (c == '\n') {
                b.append("\\n");
            } else if (c == '\r') {
                b.append("\\r");
            } else if (c == '\t') {
                b.append("\\t");
            } else if (c < 0x20 || c == 0x7f) {
                b.append(String.format("\\x%02x", (int) c));
            } else {
                b.append(c);
            }
        }
        return b.append(quote).toString();
    }

    public static String dq(String value) {
        return quote(value, '"');
    }

    public static String sq(String value) {
        return quote(value, '\'');
    }
}
