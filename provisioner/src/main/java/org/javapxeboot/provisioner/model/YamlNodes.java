package org.javapxeboot.provisioner.model;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Pattern;
import org.yaml.snakeyaml.error.Mark;
import org.yaml.snakeyaml.nodes.MappingNode;
import org.yaml.snakeyaml.nodes.Node;
import org.yaml.snakeyaml.nodes.NodeTuple;
import org.yaml.snakeyaml.nodes.ScalarNode;
import org.yaml.snakeyaml.nodes.SequenceNode;
import org.yaml.snakeyaml.nodes.Tag;

/**
 * Reads values out of a composed node tree, each at its own line and column, reporting what is
 * wrong to one {@link Problems}. The readers for the scalar kinds of {@link Schema.Kind} live here;
 * {@link #value} picks one from a schema field.
 */
final class YamlNodes {
    static final Pattern DIGITS = Pattern.compile("[0-9]+");

    /** A mapping entry: its key node, its value node and where the value is. */
    record Value(Node key, Node node, Location where) {
    }

    final String file;
    final Problems problems;

    YamlNodes(String file, Problems problems) {
        this.file = file;
        this.problems = problems;
    }

    Location at(Mark m) {
        return m == null ? new Location(file, 1, 1) : new Location(file, m.getLine() + 1, m.getColumn() + 1);
    }

    Location at(Node n) {
        return at(n.getStartMark());
    }

    /** The entries of a mapping whose keys are those of {@code section} ({@code null}: any key). */
    Map<String, Value> mapping(Node node, Schema.Section section, String context) {
        return mapping(node, section == null ? null : section.keys(), context);
    }

    /**
     * Reads a value of one of the scalar kinds (text, integer, memory, boolean, choice, template
     * name, size); null when absent, null, or wrong (then reported).
     */
    Object value(Schema.Field f, Node n) {
        switch (f.kind()) {
            case INTEGER:
                return integer(n, f.name(), f.min(), f.max());
            case MEMORY:
                return memory(n);
            case BOOLEAN:
                return bool(n, f.name());
            case CHOICE:
                return oneOf(n, f.name(), f.choices());
            case TEMPLATE: {
                String k = string(n, f.name());
                if (k != null) {
                    Optional<String> p = Names.templateProblem(k);
                    if (p.isPresent()) {
                        problems.error(at(n), p.get());
                        return null;
                    }
                }
                return k;
            }
            default:
                return string(n, f.name());
        }
    }

    Map<String, Value> mapping(Node node, Set<String> known, String context) {
        Map<String, Value> out = new LinkedHashMap<>();
        if (!(node instanceof MappingNode m)) {
            if (!isNull(node)) {
                problems.error(at(node), context + " must be a mapping (key: value lines)");
            }
            return out;
        }
        for (NodeTuple t : m.getValue()) {
            if (!(t.getKeyNode() instanceof ScalarNode k)) {
                problems.error(at(t.getKeyNode()), "keys must be plain words in " + context);
                continue;
            }
            String key = k.getValue();
            Value prior = out.get(key);
            if (prior != null) {
                problems.error(at(k), "duplicate key '" + Names.printable(key) + "' in " + context
                        + " (first given at " + at(prior.key()).line() + ":" + at(prior.key()).column() + ")");
                continue;
            }
            if (known != null && !known.contains(key)) {
                if (t.getKeyNode().getTag().equals(Tag.MERGE)) {
                    continue; // reported by checkTags
                }
                Optional<String> near = Suggest.nearest(key, known);
                problems.error(at(k), "unknown key '" + Names.printable(key) + "' in " + context
                        + near.map(s -> "; did you mean '" + s + "'?").orElse("; known keys: " + String.join(", ",
                        new java.util.TreeSet<>(known))));
                continue;
            }
            out.put(key, new Value(k, t.getValueNode(), at(t.getValueNode())));
        }
        return out;
    }

    static boolean isNull(Node n) {
        return n instanceof ScalarNode s && s.getTag().equals(Tag.NULL);
    }

    /** A scalar's text exactly as written, or null for YAML null; errors for lists/mappings and control characters. */
    String string(Node n, String field) {
        if (!(n instanceof ScalarNode s)) {
            problems.error(at(n), "'" + field + "' must be a single value, not a " + (n instanceof SequenceNode ? "list" : "mapping"));
            return null;
        }
        if (s.getTag().equals(Tag.NULL)) {
            return null;
        }
        String v = s.getValue();
        if (v.length() > ClusterLoader.MAX_VALUE) {
            problems.error(at(n), "'" + field + "' is " + v.length() + " characters long; the limit is " + ClusterLoader.MAX_VALUE);
            return null;
        }
        for (int i = 0; i < v.length(); i++) {
            char c = v.charAt(i);
            if (c < 0x20 || c == 0x7f) {
                problems.error(at(n), "'" + field + "' contains a control character (\\x"
                        + String.format("%02x", (int) c) + "): configs and kernel command lines are single lines");
                return null;
            }
        }
        return v;
    }

    Integer integer(Node n, String field, int min, int max) {
        String s = string(n, field);
        if (s == null) {
            return null;
        }
        // a sign only where the range has negatives: "vcpus: -1" still reads "must be a whole number from 1"
        String digits = min < 0 && s.startsWith("-") ? s.substring(1) : s;
        if (!DIGITS.matcher(digits).matches() || digits.length() > 9) {
            problems.error(at(n), "'" + field + "' must be a whole number from " + min + " to " + max + ", got '"
                    + Names.printable(s) + "'");
            return null;
        }
        int v = Integer.parseInt(s);
        if (v < min || v > max) {
            problems.error(at(n), "'" + field + "' is " + v + "; it must be from " + min + " to " + max);
            return null;
        }
        return v;
    }

    Integer memory(Node n) {
        String s = string(n, "memory");
        if (s == null) {
            return null;
        }
        long mib;
        if (DIGITS.matcher(s).matches() && s.length() <= 9) {
            mib = Long.parseLong(s); // ncm-xen: a plain number is MiB
        } else {
            try {
                long bytes = Size.parse(s);
                if (bytes % (1L << 20) != 0) {
                    problems.error(at(n), "memory " + s + " is not a whole number of MiB");
                    return null;
                }
                mib = bytes >> 20;
            } catch (IllegalArgumentException e) {
                problems.error(at(n), "memory: " + e.getMessage() + " (a plain number is MiB)");
                return null;
            }
        }
        if (mib < 16 || mib > (1 << 22)) {
            problems.error(at(n), "memory is " + mib + " MiB; it must be from 16 MiB to 4 TiB");
            return null;
        }
        return (int) mib;
    }

    Boolean bool(Node n, String field) {
        String s = string(n, field);
        if (s == null) {
            return null;
        }
        switch (s.toLowerCase(Locale.ROOT)) {
            case "true":
                return true;
            case "false":
                return false;
            case "yes": case "on": case "y":
                // YAML 1.1 reads these as true; YAML 1.2 and most people's tools do not. Accept, but say so.
                problems.warning(at(n), "'" + field + ": " + s + "' is read as true (YAML 1.1); write 'true'");
                return true;
            case "no": case "off": case "n":
                problems.warning(at(n), "'" + field + ": " + s + "' is read as false (YAML 1.1); write 'false'");
                return false;
            default:
                problems.error(at(n), "'" + field + "' must be true or false, got '" + Names.printable(s) + "'");
                return null;
        }
    }

    String oneOf(Node n, String field, List<String> allowed) {
        String s = string(n, field);
        if (s == null) {
            return null;
        }
        if (!allowed.contains(s)) {
            Optional<String> near = Suggest.nearest(s, allowed);
            problems.error(at(n), "'" + field + "' must be one of " + String.join(", ", allowed) + ", got '"
                    + Names.printable(s) + "'" + near.map(x -> "; did you mean '" + x + "'?").orElse(""));
            return null;
        }
        return s;
    }

    List<Node> list(Node n, String field) {
        if (n instanceof SequenceNode s) {
            return s.getValue();
        }
        if (isNull(n)) {
            return List.of();
        }
        problems.error(at(n), "'" + field + "' must be a list ([a, b] or '- ' lines)");
        return List.of();
    }

    // ---- domains ----

    /** Parses a domain's (or the defaults') fields once; a missing or null field is absent from the result. */
}
