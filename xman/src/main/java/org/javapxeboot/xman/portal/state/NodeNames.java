package org.javapxeboot.xman.portal.state;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.regex.Pattern;

/** Collects a source's nodes: host names only, each once, at most {@link JobSource#MAX_NODES}. */
final class NodeNames {
    /** A host name (RFC 1123 letters, digits, '-', '.') or a scheduler's node name ('_'); at most 253 characters. */
    private static final Pattern NAME = Pattern.compile("[A-Za-z0-9_][A-Za-z0-9_.-]{0,252}");

    private final String origin;
    private final Map<String, NodeView> nodes = new LinkedHashMap<>();

    NodeNames(String origin) {
        this.origin = origin;
    }

    void add(String where, String name, NodeView view) throws JobSourceException {
        if (name == null || !NAME.matcher(name).matches()) {
            throw new JobSourceException(origin + ": " + where + ": node name '" + Text.shown(name)
                    + "' is not a host name (letters, digits, _ . -, at most 253)");
        }
        if (nodes.putIfAbsent(name, view) != null) {
            throw new JobSourceException(origin + ": " + where + ": node '" + name + "' is listed twice");
        }
        if (nodes.size() > JobSource.MAX_NODES) {
            throw new JobSourceException(origin + ": more than " + JobSource.MAX_NODES + " nodes");
        }
    }

    Map<String, NodeView> result() {
        return java.util.Collections.unmodifiableMap(nodes);
    }
}
