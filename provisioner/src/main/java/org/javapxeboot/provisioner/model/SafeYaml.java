package org.javapxeboot.provisioner.model;

import java.io.StringReader;
import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Set;
import org.yaml.snakeyaml.DumperOptions;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.constructor.SafeConstructor;
import org.yaml.snakeyaml.error.Mark;
import org.yaml.snakeyaml.error.MarkedYAMLException;
import org.yaml.snakeyaml.error.YAMLException;
import org.yaml.snakeyaml.nodes.MappingNode;
import org.yaml.snakeyaml.nodes.Node;
import org.yaml.snakeyaml.nodes.NodeTuple;
import org.yaml.snakeyaml.nodes.SequenceNode;
import org.yaml.snakeyaml.nodes.Tag;
import org.yaml.snakeyaml.representer.Representer;

/**
 * SnakeYAML, composing only: the node tree of a document within the limits of
 * {@link ClusterLoader} (aliases, nesting, size), with plain data tags only. Nothing is
 * constructed from tags.
 */
final class SafeYaml {
    private static final int MAX_CHARS = ClusterLoader.MAX_CHARS;
    private static final int MAX_ALIASES = ClusterLoader.MAX_ALIASES;
    private static final int MAX_DEPTH = ClusterLoader.MAX_DEPTH;
    private static final Set<Tag> ALLOWED_TAGS = Set.of(Tag.STR, Tag.INT, Tag.BOOL, Tag.FLOAT, Tag.NULL, Tag.MAP,
            Tag.SEQ, Tag.TIMESTAMP);

    private final YamlNodes nodes;
    private final String file;
    private final Problems problems;

    SafeYaml(YamlNodes nodes) {
        this.nodes = nodes;
        this.file = nodes.file;
        this.problems = nodes.problems;
    }

    /** The document's root node, tags checked (bad ones reported); null for an empty document. */
    Node compose(String text) throws ModelException {
        LoaderOptions opts = new LoaderOptions();
        opts.setAllowDuplicateKeys(false);
        opts.setMaxAliasesForCollections(MAX_ALIASES);
        opts.setAllowRecursiveKeys(false);
        opts.setNestingDepthLimit(MAX_DEPTH);
        opts.setCodePointLimit(MAX_CHARS);
        opts.setMergeOnCompose(false);
        // Compose never constructs, but deny every global tag anyway should anyone call load().
        opts.setTagInspector(tag -> false);
        Yaml yaml = new Yaml(new SafeConstructor(opts), new Representer(new DumperOptions()), new DumperOptions(), opts);
        Node root;
        try {
            root = yaml.compose(new StringReader(text));
        } catch (MarkedYAMLException e) {
            Mark m = e.getProblemMark() != null ? e.getProblemMark() : e.getContextMark();
            throw new ModelException(at(m), yamlMessage(e));
        } catch (YAMLException e) {
            throw new ModelException(locateLimit(yaml, text), limitMessage(e.getMessage()));
        }
        if (root != null) {
            checkTags(root);
        }
        return root;
    }

    private Location at(Mark m) {
        return nodes.at(m);
    }

    private Location at(Node n) {
        return nodes.at(n);
    }

    private static String yamlMessage(MarkedYAMLException e) {
        String problem = e.getProblem() == null ? "" : e.getProblem();
        if (problem.startsWith("Global tag is not allowed: ")) {
            return tagMessage(problem.substring("Global tag is not allowed: ".length()));
        }
        String context = e.getContext() == null ? "" : e.getContext();
        String msg = (context.isEmpty() ? problem : context + ": " + problem).replace('\n', ' ').trim();
        return "YAML syntax: " + limitMessage(msg);
    }

    /**
     * SnakeYAML's alias and depth limits throw without a position. Walk the parser's events (which
     * do not expand aliases, so this is cheap) to find where the limit was crossed.
     */
    private Location locateLimit(Yaml yaml, String text) {
        int aliases = 0;
        int depth = 0;
        Set<String> collectionAnchors = new java.util.HashSet<>();
        try {
            for (org.yaml.snakeyaml.events.Event e : yaml.parse(new StringReader(text))) {
                if (e instanceof org.yaml.snakeyaml.events.AliasEvent a) {
                    // SnakeYAML counts aliases to collections only; scalar aliases cannot blow up
                    if (collectionAnchors.contains(a.getAnchor()) && ++aliases > MAX_ALIASES) {
                        return at(e.getStartMark());
                    }
                } else if (e instanceof org.yaml.snakeyaml.events.CollectionStartEvent c) {
                    if (c.getAnchor() != null) {
                        collectionAnchors.add(c.getAnchor());
                    }
                    if (++depth > MAX_DEPTH) {
                        return at(e.getStartMark());
                    }
                } else if (e instanceof org.yaml.snakeyaml.events.CollectionEndEvent) {
                    depth--;
                }
            }
        } catch (YAMLException ignored) {
            // the parser has its own depth limit; fall back to the start of the file
        }
        return new Location(file, 1, 1);
    }

    private static String limitMessage(String m) {
        String msg = m == null ? "unreadable YAML" : m.replace('\n', ' ');
        if (msg.contains("exceeds the limit")) {
            return "the file is longer than " + MAX_CHARS + " characters; refusing to read it";
        }
        if (msg.contains("Number of aliases")) {
            return "more than " + MAX_ALIASES + " aliases to collections (a 'billion laughs' expansion?); refusing";
        }
        if (msg.contains("Nesting Depth exceeded")) {
            return "nesting deeper than " + MAX_DEPTH + " levels; refusing";
        }
        return msg;
    }

    private static String tagMessage(String tag) {
        return "tag '" + Names.printable(tag) + "' is not allowed: only plain strings, numbers, booleans, lists and"
                + " mappings are read (tags could construct objects)";
    }

    /** Every node's tag must be a plain data tag: a tag that names a type could construct objects. */
    private void checkTags(Node root) {
        IdentityHashMap<Node, Boolean> seen = new IdentityHashMap<>();
        List<Node> stack = new ArrayList<>();
        stack.add(root);
        while (!stack.isEmpty()) {
            Node n = stack.remove(stack.size() - 1);
            if (seen.put(n, Boolean.TRUE) != null) {
                continue;
            }
            Tag t = n.getTag();
            if (t.equals(Tag.MERGE)) {
                problems.error(at(n), "merge keys (<<) are not supported; put shared values in 'defaults:'");
            } else if (!ALLOWED_TAGS.contains(t)) {
                problems.error(at(n), tagMessage(t.getValue()));
            }
            if (n instanceof MappingNode m) {
                for (NodeTuple tu : m.getValue()) {
                    stack.add(tu.getKeyNode());
                    stack.add(tu.getValueNode());
                }
            } else if (n instanceof SequenceNode s) {
                stack.addAll(s.getValue());
            }
        }
    }

    /** The entries of a mapping, first occurrence of each key; duplicates and unknown keys reported. */
}
