package org.javapxeboot.xman.portal.state;

import java.util.HashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * Finds the batch node that a domain is, by name. The rule: a node whose name is the domain's name
 * (ignoring case, as DNS does), else the one node whose name is the domain's name followed by a
 * dot and more (the domain's DNS name: domain {@code skirit80-1}, node
 * {@code skirit80-1.ics.muni.cz}). Two nodes that both extend the name make it ambiguous: the
 * domain then has no node rather than a guessed one. Built once per poll; lookups are O(1), so
 * a fleet of 2 000 domains costs 2 000 lookups, not 2 000 x 2 000 comparisons.
 */
public final class NodeIndex {
    private static final NodeView AMBIGUOUS = new NodeView(NodeView.Availability.DOWN, 0, false);

    private final Map<String, NodeView> exact = new HashMap<>();
    private final Map<String, NodeView> prefixes = new HashMap<>();

    private NodeIndex(Map<String, NodeView> nodes) {
        for (Map.Entry<String, NodeView> e : nodes.entrySet()) {
            String name = e.getKey().toLowerCase(Locale.ROOT);
            exact.merge(name, e.getValue(), (a, b) -> AMBIGUOUS);
            for (int dot = name.indexOf('.'); dot > 0; dot = name.indexOf('.', dot + 1)) {
                prefixes.merge(name.substring(0, dot), e.getValue(), (a, b) -> AMBIGUOUS);
            }
        }
    }

    public static NodeIndex of(Map<String, NodeView> nodes) {
        return new NodeIndex(nodes);
    }

    /** The node that domain {@code name} is, or empty when the batch system does not know it (or it is ambiguous). */
    public Optional<NodeView> find(String name) {
        String n = name.toLowerCase(Locale.ROOT);
        NodeView v = exact.get(n);
        if (v == null) {
            v = prefixes.get(n);
        }
        return v == null || v == AMBIGUOUS ? Optional.empty() : Optional.of(v);
    }
}
