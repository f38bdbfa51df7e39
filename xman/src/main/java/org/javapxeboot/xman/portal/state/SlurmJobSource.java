package org.javapxeboot.xman.portal.state;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import org.javapxeboot.xman.wire.Json;

/**
 * Slurm: {@code scontrol show node --json} ({@code {"nodes": [{"name": ..., "state": [...],
 * "alloc_cpus": N, "cpus": N}, ...], "errors": [...]}}). {@code state} is a list of flags in
 * Slurm 23 and later ({@code ["IDLE", "DRAIN"]}), a string in older releases ({@code "IDLE+DRAIN"},
 * {@code "DOWN*"}). DOWN, FAIL, NOT_RESPONDING, UNKNOWN, FUTURE, POWERED_DOWN: down; else DRAIN,
 * DRAINED, DRAINING, MAINTENANCE, REBOOT_ISSUED, POWERING_DOWN: offline; else online. Slurm's node
 * record lists no jobs: a node with {@code alloc_cpus} above 0, or ALLOCATED, MIXED or COMPLETING,
 * counts as holding one. {@code cpus} 0 means no resources assigned (absent: it has). A non-empty
 * {@code errors} list is the command's failure.
 */
public final class SlurmJobSource extends CommandJobSource {
    public static final List<String> COMMAND = List.of("scontrol", "show", "node", "--json");
    public static final Duration DEADLINE = Duration.ofSeconds(20);

    private static final Set<String> DOWN = Set.of("DOWN", "FAIL", "FAILING", "NOT_RESPONDING", "UNKNOWN", "FUTURE",
            "POWERED_DOWN", "POWER_DOWN");
    private static final Set<String> OFFLINE = Set.of("DRAIN", "DRAINED", "DRAINING", "MAINTENANCE", "REBOOT_ISSUED",
            "POWERING_DOWN");
    private static final Set<String> BUSY = Set.of("ALLOCATED", "MIXED", "COMPLETING");

    public SlurmJobSource(CommandRunner runner, List<String> argv, Duration deadline) {
        super(runner, argv, deadline);
    }

    /** {@code scontrol show node --json} from PATH, 20 s deadline. */
    public SlurmJobSource() {
        this(new ProcessCommandRunner(), COMMAND, DEADLINE);
    }

    @Override
    Map<String, NodeView> parseOutput(String origin, String output) throws JobSourceException {
        return parse(origin, output);
    }

    /** Pure: the command's JSON to nodes; {@code origin} starts every error message. */
    public static Map<String, NodeView> parse(String origin, String json) throws JobSourceException {
        Text.checkSize(origin, json);
        Map<String, Object> top;
        try {
            top = Json.parseObject(json);
        } catch (Json.ParseException e) {
            throw Text.json(origin, e);
        }
        if (top.get("errors") instanceof List<?> errors && !errors.isEmpty()) {
            Object first = errors.get(0);
            Object said = first instanceof Map<?, ?> m ? m.get("description") : first;
            throw new JobSourceException(origin + ": scontrol reports an error: " + Text.shown(String.valueOf(said)));
        }
        List<Map<?, ?>> list = Text.nodes(origin, top);
        NodeNames out = new NodeNames(origin);
        for (int i = 0; i < list.size(); i++) {
            String where = "nodes[" + i + "]";
            Map<?, ?> node = list.get(i);
            String name = Text.name(origin, where, node);
            where += " (" + Text.shown(name) + ")";
            List<String> flags = flags(origin, where, node.get("state"));
            NodeView.Availability a = flags.stream().anyMatch(DOWN::contains) ? NodeView.Availability.DOWN
                    : flags.stream().anyMatch(OFFLINE::contains) ? NodeView.Availability.OFFLINE : NodeView.Availability.ONLINE;
            long alloc = count(origin, where, node.get("alloc_cpus"), 0);
            long cpus = count(origin, where, node.get("cpus"), 1);
            boolean busy = alloc > 0 || flags.stream().anyMatch(BUSY::contains);
            out.add(where, name, new NodeView(a, busy ? 1 : 0, cpus > 0));
        }
        return out.result();
    }

    private static List<String> flags(String origin, String where, Object state) throws JobSourceException {
        List<String> raw = new ArrayList<>();
        if (state instanceof String s) {
            raw.addAll(List.of(s.split("\\+")));
        } else if (state instanceof List<?> l && l.stream().allMatch(x -> x instanceof String)) {
            l.forEach(x -> raw.add((String) x));
        } else {
            throw new JobSourceException(origin + ": " + where + ": \"state\" must be a string or an array of strings, got "
                    + Json.typeName(state));
        }
        List<String> flags = new ArrayList<>();
        for (String f : raw) {
            // sinfo-style suffixes: '*' not responding, '~' powered off, '#' powering up, '!' powering down, ...
            String base = f.trim().toUpperCase(Locale.ROOT).replaceAll("[*~#!%$@^-]+$", "");
            flags.add(base);
            if (f.trim().endsWith("*")) {
                flags.add("NOT_RESPONDING");
            }
        }
        return flags;
    }

    private static long count(String origin, String where, Object v, long absent) throws JobSourceException {
        if (v == null) {
            return absent;
        }
        if (v instanceof Map<?, ?> m && m.get("number") != null) {
            v = m.get("number"); // Slurm 24's {"set": true, "infinite": false, "number": N}
        }
        if (!(v instanceof Long n) || n < 0) {
            throw new JobSourceException(origin + ": " + where + ": a CPU count must be a whole number from 0, got "
                    + Text.shown(String.valueOf(v)));
        }
        return n;
    }
}
