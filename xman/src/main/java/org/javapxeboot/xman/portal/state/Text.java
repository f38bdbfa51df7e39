package org.javapxeboot.xman.portal.state;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.javapxeboot.xman.text.Escape;
import org.javapxeboot.xman.wire.Json;

/** Helpers the sources share for what they say about hostile text. */
final class Text {
    private static final Pattern JSON_AT = Pattern.compile("JSON (\\d+):(\\d+): (.*)", Pattern.DOTALL);

    private Text() {
    }

    /** A value from a source as an error message may quote it: one line, control characters escaped, at most 80 characters. */
    static String shown(String s) {
        if (s == null) {
            return "(none)";
        }
        String one = Escape.line(s);
        return one.length() > 80 ? one.substring(0, 80) + "..." : one;
    }

    static void checkSize(String origin, String text) throws JobSourceException {
        if (text.length() > JobSource.MAX_BYTES) {
            throw new JobSourceException(origin + ": output is over " + (JobSource.MAX_BYTES >> 20) + " MiB; refused");
        }
    }

    /** {@code origin: line L:C: message} from the JSON parser's {@code JSON L:C: message}. */
    static JobSourceException json(String origin, Json.ParseException e) {
        Matcher m = JSON_AT.matcher(e.getMessage());
        return new JobSourceException(origin + ": " + (m.matches()
                ? "line " + m.group(1) + ":" + m.group(2) + ": " + m.group(3) : e.getMessage()));
    }

    /** The "nodes" array of a job source's JSON answer, each entry an object; an error names the entry. */
    static List<Map<?, ?>> nodes(String origin, Map<String, Object> top) throws JobSourceException {
        if (!(top.get("nodes") instanceof List<?> list)) {
            throw new JobSourceException(origin + ": \"nodes\" must be an array, got " + Json.typeName(top.get("nodes")));
        }
        List<Map<?, ?>> out = new ArrayList<>(list.size());
        for (int i = 0; i < list.size(); i++) {
            if (!(list.get(i) instanceof Map<?, ?> node)) {
                throw new JobSourceException(origin + ": nodes[" + i + "] must be an object");
            }
            out.add(node);
        }
        return out;
    }

    /** A node entry's "name" ({@code where} names the entry in the error). */
    static String name(String origin, String where, Map<?, ?> node) throws JobSourceException {
        if (!(node.get("name") instanceof String name)) {
            throw new JobSourceException(origin + ": " + where + ": \"name\" must be a string");
        }
        return name;
    }
}
