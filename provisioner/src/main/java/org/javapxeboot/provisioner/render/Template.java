package org.javapxeboot.provisioner.render;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * A deliberately tiny template language for kickstarts and preseeds: {@code ${name}} is replaced
 * by a variable, {@code $${} writes a literal {@code ${}, and every other character (a lone
 * {@code $}, shell's {@code $HOME}) is copied as is. Variable names are lowercase letters, digits
 * and underscores. An undefined variable or an unterminated {@code ${} is an error naming the
 * template's {@code file:line:col}; all of them are reported at once.
 *
 * <p>Parsed once ({@link #parse}), rendered many times ({@link #render}).
 */
public final class Template {
    private final String file;
    private final List<Object> parts; // String literal or Ref
    private final List<String> errors;

    private record Ref(String name, int line, int col) {
    }

    private Template(String file, List<Object> parts, List<String> errors) {
        this.file = file;
        this.parts = parts;
        this.errors = errors;
    }

    public static Template parse(String file, String text) throws RenderException {
        List<Object> parts = new ArrayList<>();
        List<String> errors = new ArrayList<>();
        StringBuilder lit = new StringBuilder();
        int line = 1;
        int col = 1;
        int i = 0;
        while (i < text.length()) {
            char c = text.charAt(i);
            if (c == '$' && text.startsWith("$${", i)) {
                lit.append("${");
                i += 3;
                col += 3;
                continue;
            }
            if (c == '$' && text.startsWith("${", i)) {
                int end = text.indexOf('}', i + 2);
                int nl = text.indexOf('\n', i + 2);
                if (end < 0 || (nl >= 0 && nl < end)) {
                    errors.add(file + ":" + line + ":" + col + ": unterminated '${' (write '$${' for a literal '${')");
                    lit.append(c);
                    i++;
                    col++;
                    continue;
                }
                String name = text.substring(i + 2, end);
                if (!name.matches("[a-z][a-z0-9_]*")) {
                    errors.add(file + ":" + line + ":" + col + ": '${" + name + "}' is not a variable name"
                            + " (lowercase letters, digits, _)");
                } else {
                    if (lit.length() > 0) {
                        parts.add(lit.toString());
                        lit.setLength(0);
                    }
                    parts.add(new Ref(name, line, col));
                }
                col += end + 1 - i;
                i = end + 1;
                continue;
            }
            lit.append(c);
            if (c == '\n') {
                line++;
                col = 1;
            } else {
                col++;
            }
            i++;
        }
        if (lit.length() > 0) {
            parts.add(lit.toString());
        }
        if (!errors.isEmpty()) {
            throw new RenderException(String.join("\n", errors));
        }
        return new Template(file, List.copyOf(parts), errors);
    }

    /** The variables the template uses. */
    public Set<String> variables() {
        Set<String> out = new TreeSet<>();
        for (Object p : parts) {
            if (p instanceof Ref r) {
                out.add(r.name);
            }
        }
        return out;
    }

    public String render(Map<String, String> vars) throws RenderException {
        StringBuilder b = new StringBuilder();
        List<String> missing = new ArrayList<>();
        for (Object p : parts) {
            if (p instanceof Ref r) {
                String v = vars.get(r.name);
                if (v == null) {
                    missing.add(file + ":" + r.line + ":" + r.col + ": undefined variable '${" + r.name + "}'; defined: "
                            + String.join(", ", new TreeSet<>(vars.keySet())));
                } else {
                    b.append(v);
                }
            } else {
                b.append((String) p);
            }
        }
        if (!missing.isEmpty()) {
            throw new RenderException(String.join("\n", missing));
        }
        return b.toString();
    }
}
