package org.javapxeboot.xman.portal.state;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.FileTime;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.javapxeboot.xman.wire.Json;

/**
 * The batch system's view from a JSON file, for tests and for sites whose scheduler is neither PBS
 * nor Slurm (a cron job writes the file):
 *
 * <pre>{@code
 * {"nodes": [
 *   {"name": "skirit80-1.ics.muni.cz", "state": "busy", "jobs": 2, "resources": true},
 *   {"name": "skirit80-2.ics.muni.cz", "state": "offline"}
 * ]}
 * }</pre>
 *
 * {@code name} and {@code state} are required; {@code state} is {@code free} (online, no job),
 * {@code busy} (online, jobs running), {@code offline} or {@code down}. {@code jobs}: 0 .. 1000000,
 * default 0 (1 for busy; free with jobs is refused). {@code resources}: default true. Other keys
 * are refused (a typo should not read as a default). The file is read again only when its
 * modification time or size changed; a bad file is an error and the previous answer is not reused.
 */
public final class JsonFileJobSource implements JobSource {
    private static final Set<String> KEYS = Set.of("name", "state", "jobs", "resources");

    private final Path file;
    private FileTime readTime;
    private long readSize = -1;
    private Map<String, NodeView> last;

    public JsonFileJobSource(Path file) {
        this.file = file;
    }

    @Override
    public synchronized Map<String, NodeView> nodes() throws JobSourceException {
        BasicFileAttributes a;
        try {
            a = Files.readAttributes(file, BasicFileAttributes.class);
        } catch (IOException e) {
            last = null;
            throw new JobSourceException(file + ": cannot read: " + Text.shown(e.toString()));
        }
        if (last != null && a.lastModifiedTime().equals(readTime) && a.size() == readSize) {
            return last;
        }
        if (a.size() > MAX_BYTES) {
            last = null;
            throw new JobSourceException(file + ": is over " + (MAX_BYTES >> 20) + " MiB; refused");
        }
        last = null;
        String text;
        try {
            text = Files.readString(file, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new JobSourceException(file + ": cannot read: " + Text.shown(e.toString()));
        }
        Map<String, NodeView> nodes = parse(file.toString(), text);
        readTime = a.lastModifiedTime();
        readSize = a.size();
        last = nodes;
        return nodes;
    }

    @Override
    public String describe() {
        return file.toString();
    }

    /** Pure: the file's text to nodes; {@code origin} starts every error message. */
    public static Map<String, NodeView> parse(String origin, String json) throws JobSourceException {
        Text.checkSize(origin, json);
        Map<String, Object> top;
        try {
            top = Json.parseObject(json);
        } catch (Json.ParseException e) {
            throw Text.json(origin, e);
        }
        List<Map<?, ?>> list = Text.nodes(origin, top);
        NodeNames out = new NodeNames(origin);
        for (int i = 0; i < list.size(); i++) {
            String where = "nodes[" + i + "]";
            Map<?, ?> node = list.get(i);
            for (Object k : node.keySet()) {
                if (!KEYS.contains(k)) {
                    throw new JobSourceException(origin + ": " + where + ": unknown key \"" + Text.shown(String.valueOf(k))
                            + "\"; known: jobs, name, resources, state");
                }
            }
            String name = Text.name(origin, where, node);
            where += " (" + Text.shown(name) + ")";
            Object state = node.get("state");
            NodeView.Availability a;
            if ("free".equals(state) || "busy".equals(state)) {
                a = NodeView.Availability.ONLINE;
            } else if ("offline".equals(state)) {
                a = NodeView.Availability.OFFLINE;
            } else if ("down".equals(state)) {
                a = NodeView.Availability.DOWN;
            } else {
                throw new JobSourceException(origin + ": " + where + ": \"state\" must be free, busy, offline or down, got "
                        + (state instanceof String s ? "'" + Text.shown(s) + "'" : Json.typeName(state)));
            }
            Object j = node.containsKey("jobs") ? node.get("jobs") : (Object) ("busy".equals(state) ? 1L : 0L);
            if (!(j instanceof Long jobs) || jobs < 0 || jobs > NodeView.MAX_JOBS) {
                throw new JobSourceException(origin + ": " + where + ": \"jobs\" must be a whole number from 0 to "
                        + NodeView.MAX_JOBS + ", got " + Text.shown(String.valueOf(j)));
            }
            if ("free".equals(state) && jobs > 0) {
                throw new JobSourceException(origin + ": " + where + ": state free with " + jobs + " jobs; write busy");
            }
            Object r = node.containsKey("resources") ? node.get("resources") : Boolean.TRUE;
            if (!(r instanceof Boolean resources)) {
                throw new JobSourceException(origin + ": " + where + ": \"resources\" must be true or false, got "
                        + Json.typeName(r));
            }
            out.add(where, name, new NodeView(a, (int) (long) jobs, resources));
        }
        return out.result();
    }
}
