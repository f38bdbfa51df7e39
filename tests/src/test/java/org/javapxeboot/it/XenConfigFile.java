package org.javapxeboot.it;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Reads the xl.cfg and xm configs {@code provision apply} writes, as the toolstacks would: one
 * {@code key = value} per line, a value being a number, a quoted string ({@code "..."} or
 * {@code '...'}, with the escapes libxlu and Python share: {@code \" \' \\ \a \b \f \n \r \t \v \xHH})
 * or a list of quoted strings ({@code [ "a", "b" ]}). {@code #} starts a comment outside a string.
 * Anything else is refused with its line number: the test must see what xl or xend would see, not
 * a guess.
 */
final class XenConfigFile {
    private final Map<String, Object> values = new LinkedHashMap<>();

    private XenConfigFile() {
    }

    static XenConfigFile parse(String text) {
        XenConfigFile f = new XenConfigFile();
        String[] lines = text.split("\n", -1);
        for (int n = 0; n < lines.length; n++) {
            Cursor c = new Cursor(lines[n], n + 1);
            c.blanks();
            if (c.end()) continue;
            int k = c.pos;
            while (!c.end() && (Character.isLetterOrDigit(c.peek()) || c.peek() == '_')) c.pos++;
            String key = lines[n].substring(k, c.pos);
            if (key.isEmpty()) throw c.error("a setting name");
            c.blanks();
            c.expect('=');
            c.blanks();
            Object value;
            if (c.peek() == '[') {
                c.pos++;
                List<String> items = new ArrayList<>();
                c.blanks();
                while (c.peek() != ']') {
                    if (!items.isEmpty()) {
                        c.expect(',');
                        c.blanks();
                    }
                    items.add(c.string());
                    c.blanks();
                }
                c.pos++;
                value = List.copyOf(items);
            } else if (c.peek() == '"' || c.peek() == '\'') {
                value = c.string();
            } else {
                int v = c.pos;
                while (!c.end() && Character.isDigit(c.peek())) c.pos++;
                if (v == c.pos) throw c.error("a number, a quoted string or a list");
                value = Long.parseLong(lines[n].substring(v, c.pos));
            }
            c.blanks();
            if (!c.end()) throw c.error("the end of the line");
            if (f.values.put(key, value) != null) throw new IllegalArgumentException("line " + (n + 1) + ": '" + key + "' set twice");
        }
        return f;
    }

    /** A string setting; fails when it is missing or not a string. */
    String string(String key) {
        Object v = values.get(key);
        if (!(v instanceof String s)) throw new IllegalArgumentException("'" + key + "' is not a string setting: " + v);
        return s;
    }

    /** A list setting; fails when it is missing or not a list. */
    @SuppressWarnings("unchecked")
    List<String> list(String key) {
        Object v = values.get(key);
        if (!(v instanceof List<?> l)) throw new IllegalArgumentException("'" + key + "' is not a list setting: " + v);
        return (List<String>) l;
    }

    boolean has(String key) {
        return values.containsKey(key);
    }

    private static final class Cursor {
        final String s;
        final int line;
        int pos;

        Cursor(String s, int line) {
            this.s = s;
            this.line = line;
        }

        boolean end() {
            return pos >= s.length() || s.charAt(pos) == '#';
        }

        char peek() {
            return pos < s.length() ? s.charAt(pos) : '\n';
        }

        void blanks() {
            while (pos < s.length() && (s.charAt(pos) == ' ' || s.charAt(pos) == '\t')) pos++;
        }

        void expect(char c) {
            if (peek() != c) throw error("'" + c + "'");
            pos++;
        }

        String string() {
            char q = peek();
            if (q != '"' && q != '\'') throw error("a quoted string");
            pos++;
            StringBuilder b = new StringBuilder();
            while (true) {
                if (pos >= s.length()) throw error("the closing " + q);
                char c = s.charAt(pos++);
                if (c == q) return b.toString();
                if (c != '\\') {
                    b.append(c);
                    continue;
                }
                if (pos >= s.length()) throw error("an escaped character");
                char e = s.charAt(pos++);
                switch (e) {
                    case '"', '\'', '\\' -> b.append(e);
                    case 'a' -> b.append('\u0007');
                    case 'b' -> b.append('\b');
                    case 'f' -> b.append('\f');
                    case 'n' -> b.append('\n');
                    case 'r' -> b.append('\r');
                    case 't' -> b.append('\t');
                    case 'v' -> b.append('\u000b');
                    case 'x' -> {
                        if (pos + 2 > s.length()) throw error("two hex digits");
                        b.append((char) Integer.parseInt(s.substring(pos, pos + 2), 16));
                        pos += 2;
                    }
                    default -> throw error("a known escape, not \\" + e);
                }
            }
        }

        IllegalArgumentException error(String expected) {
            return new IllegalArgumentException("line " + line + ", column " + (pos + 1) + ": expected " + expected + " in: " + s);
        }
    }
}
