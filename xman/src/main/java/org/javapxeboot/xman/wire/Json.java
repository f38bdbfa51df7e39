package org.javapxeboot.xman.wire;

import org.javapxeboot.xman.text.Escape;

import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A small strict JSON (RFC 8259) codec: objects become {@code LinkedHashMap<String,Object>}, arrays
 * {@code List<Object>}, numbers {@code Long} (or {@code Double} with a fraction/exponent), plus
 * String, Boolean and null. Written here rather than pulling a library because the protocol needs
 * only flat objects, and the parser must refuse hostile input (deep nesting, duplicate keys,
 * trailing garbage) with a located message.
 */
public final class Json {
    /** Nesting deeper than this is refused: the protocol never nests more than 3 levels. */
    public static final int MAX_DEPTH = 32;

    private Json() {}

    public static final class ParseException extends Exception {
        public ParseException(String message) { super(message); }
    }

    public static Object parse(String text) throws ParseException {
        Parser p = new Parser(text);
        p.ws();
        Object v = p.value(0);
        p.ws();
        if (p.pos != text.length()) throw p.error("unexpected " + p.what() + " after the JSON value");
        return v;
    }

    /** Parses a JSON object; anything else is a ParseException. */
    @SuppressWarnings("unchecked")
    public static Map<String, Object> parseObject(String text) throws ParseException {
        Object v = parse(text);
        if (!(v instanceof Map)) throw new ParseException("expected a JSON object, got " + typeName(v));
        return (Map<String, Object>) v;
    }

    public static String typeName(Object v) {
        if (v == null) return "null";
        if (v instanceof Map) return "an object";
        if (v instanceof List) return "an array";
        if (v instanceof String) return "a string";
        if (v instanceof Boolean) return "a boolean";
        return "a number";
    }

    /**
     * A value that writes itself as JSON through {@link #write(StringBuilder, Object)} (its parts
     * quoted and checked as any other's), without building the maps and boxes it would be otherwise:
     * a daemon's large answers (a {@code list} of a hundred domains) are written this way.
     */
    public interface Written {
        void writeJson(StringBuilder sb);
    }

    public static String write(Object v) {
        StringBuilder sb = new StringBuilder(256);
        write(sb, v);
        return sb.toString();
    }

    /** Appends {@code v} to {@code sb} as JSON: null, String, Boolean, a whole number, a finite double, Map, Collection, Enum or {@link Written}. */
    public static void write(StringBuilder sb, Object v) {
        if (v == null) sb.append("null");
        else if (v instanceof String) quote(sb, (String) v);
        else if (v instanceof Boolean || v instanceof Long || v instanceof Integer || v instanceof Short) sb.append(v);
        else if (v instanceof Double || v instanceof Float) {
            double d = ((Number) v).doubleValue();
            if (Double.isNaN(d) || Double.isInfinite(d)) throw new IllegalArgumentException("JSON has no " + d);
            sb.append(Double.toString(d)); // "1.5", "1.0E20": both JSON numbers
        } else if (v instanceof Map) {
            sb.append('{');
            boolean first = true;
            for (Map.Entry<?, ?> e : ((Map<?, ?>) v).entrySet()) {
                if (!first) sb.append(',');
                first = false;
                quote(sb, String.valueOf(e.getKey()));
                sb.append(':');
                write(sb, e.getValue());
            }
            sb.append('}');
        } else if (v instanceof Collection) {
            sb.append('[');
            boolean first = true;
            for (Object o : (Collection<?>) v) {
                if (!first) sb.append(',');
                first = false;
                write(sb, o);
            }
            sb.append(']');
        } else if (v instanceof Enum) quote(sb, ((Enum<?>) v).name());
        else if (v instanceof Written) ((Written) v).writeJson(sb);
        else throw new IllegalArgumentException("cannot write " + v.getClass().getName() + " as JSON");
    }

    /** Appends {@code s} to {@code sb} as a JSON string. */
    public static void quote(StringBuilder sb, String s) {
        sb.append('"');
        // The leading run of printable ASCII that needs no escape (most strings: names, states, UUIDs) at once.
        int plain = 0;
        while (plain < s.length() && printable(s.charAt(plain))) plain++;
        sb.append(s, 0, plain);
        for (int i = plain; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '"': sb.append("\\\""); break;
                case '\\': sb.append("\\\\"); break;
                case '\n': sb.append("\\n"); break;
                case '\r': sb.append("\\r"); break;
                case '\t': sb.append("\\t"); break;
                default:
                    // Escape controls, and < > & so a body pasted into HTML or XML stays inert.
                    if (Escape.control(c) || c == '<' || c == '>' || c == '&' || c == 0x2028 || c == 0x2029) {
                        sb.append(String.format("\\u%04x", (int) c));
                    } else sb.append(c);
            }
        }
        sb.append('"');
    }

    /** Printable ASCII that quote writes as itself. */
    private static boolean printable(char c) {
        return c >= 0x20 && c < 0x7f && c != '"' && c != '\\' && c != '<' && c != '>' && c != '&';
    }

    private static final class Parser {
        final String s;
        int pos;

        Parser(String s) { this.s = s; }

        ParseException error(String msg) {
            int line = 1, col = 1;
            for (int i = 0; i < pos && i < s.length(); i++) {
                if (s.charAt(i) == '\n') { line++; col = 1; } else col++;
            }
            return new ParseException("JSON " + line + ":" + col + ": " + msg);
        }

        String what() {
            if (pos >= s.length()) return "end of input";
            char c = s.charAt(pos);
            return c < 0x20 ? String.format("control character U+%04X", (int) c) : "'" + c + "'";
        }

        void ws() {
            while (pos < s.length()) {
                char c = s.charAt(pos);
                if (c == ' ' || c == '\t' || c == '\n' || c == '\r') pos++; else break;
            }
        }

        Object value(int depth) throws ParseException {
            if (depth > MAX_DEPTH) throw error("nested deeper than " + MAX_DEPTH + " levels");
            if (pos >= s.length()) throw error("unexpected end of input, expected a value");
            char c = s.charAt(pos);
            switch (c) {
                case '{': return object(depth);
                case '[': return array(depth);
                case '"': return string();
                case 't': return literal("true", Boolean.TRUE);
                case 'f': return literal("false", Boolean.FALSE);
                case 'n': return literal("null", null);
                default:
                    if (c == '-' || (c >= '0' && c <= '9')) return number();
                    throw error("unexpected " + what() + ", expected a value");
            }
        }

        Object literal(String word, Object v) throws ParseException {
            if (!s.startsWith(word, pos)) throw error("unexpected " + what() + ", expected a value");
            pos += word.length();
            return v;
        }

        Map<String, Object> object(int depth) throws ParseException {
            Map<String, Object> m = new LinkedHashMap<>();
            pos++;
            ws();
            if (pos < s.length() && s.charAt(pos) == '}') { pos++; return m; }
            while (true) {
                ws();
                if (pos >= s.length() || s.charAt(pos) != '"') throw error("unexpected " + what() + ", expected a key string");
                int keyAt = pos;
                String k = string();
                ws();
                if (pos >= s.length() || s.charAt(pos) != ':') throw error("unexpected " + what() + ", expected ':'");
                pos++;
                ws();
                Object v = value(depth + 1);
                if (m.containsKey(k)) { pos = keyAt; throw error("duplicate key \"" + k + "\""); }
                m.put(k, v);
                ws();
                if (pos < s.length() && s.charAt(pos) == ',') { pos++; continue; }
                if (pos < s.length() && s.charAt(pos) == '}') { pos++; return m; }
                throw error("unexpected " + what() + ", expected ',' or '}'");
            }
        }

        List<Object> array(int depth) throws ParseException {
            List<Object> l = new ArrayList<>();
            pos++;
            ws();
            if (pos < s.length() && s.charAt(pos) == ']') { pos++; return l; }
            while (true) {
                ws();
                l.add(value(depth + 1));
                ws();
                if (pos < s.length() && s.charAt(pos) == ',') { pos++; continue; }
                if (pos < s.length() && s.charAt(pos) == ']') { pos++; return l; }
                throw error("unexpected " + what() + ", expected ',' or ']'");
            }
        }

        String string() throws ParseException {
            pos++;
            StringBuilder sb = new StringBuilder();
            while (true) {
                if (pos >= s.length()) throw error("unterminated string");
                char c = s.charAt(pos);
                if (c == '"') { pos++; return sb.toString(); }
                if (c < 0x20) throw error("unescaped " + what() + " in a string");
                if (c != '\\') { sb.append(c); pos++; continue; }
                pos++;
                if (pos >= s.length()) throw error("unterminated escape");
                char e = s.charAt(pos++);
                switch (e) {
                    case '"': sb.append('"'); break;
                    case '\\': sb.append('\\'); break;
                    case '/': sb.append('/'); break;
                    case 'b': sb.append('\b'); break;
                    case 'f': sb.append('\f'); break;
                    case 'n': sb.append('\n'); break;
                    case 'r': sb.append('\r'); break;
                    case 't': sb.append('\t'); break;
                    case 'u':
                        if (pos + 4 > s.length()) throw error("short \\u escape");
                        try {
                            sb.append((char) Integer.parseInt(s.substring(pos, pos + 4), 16));
                        } catch (NumberFormatException ex) {
                            throw error("bad \\u escape");
                        }
                        pos += 4;
                        break;
                    default:
                        pos--;
                        throw error("bad escape \\" + e);
                }
            }
        }

        Object number() throws ParseException {
            int start = pos;
            if (s.charAt(pos) == '-') pos++;
            int digits = pos;
            while (pos < s.length() && Character.isDigit(s.charAt(pos))) pos++;
            if (pos == digits) throw error("bad number");
            if (s.charAt(digits) == '0' && pos - digits > 1) { pos = digits; throw error("leading zero in a number"); }
            boolean frac = false;
            if (pos < s.length() && s.charAt(pos) == '.') {
                frac = true;
                pos++;
                int d = pos;
                while (pos < s.length() && Character.isDigit(s.charAt(pos))) pos++;
                if (pos == d) throw error("bad number: no digits after '.'");
            }
            if (pos < s.length() && (s.charAt(pos) == 'e' || s.charAt(pos) == 'E')) {
                frac = true;
                pos++;
                if (pos < s.length() && (s.charAt(pos) == '+' || s.charAt(pos) == '-')) pos++;
                int d = pos;
                while (pos < s.length() && Character.isDigit(s.charAt(pos))) pos++;
                if (pos == d) throw error("bad number: no digits in the exponent");
            }
            String num = s.substring(start, pos);
            if (frac) return Double.parseDouble(num);
            try {
                return Long.parseLong(num);
            } catch (NumberFormatException ex) {
                pos = start;
                throw error("number " + num + " is out of range");
            }
        }
    }
}
