package org.javapxeboot.provisioner.model;

import java.io.IOException;
import java.io.Reader;
import java.io.StringReader;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;
import org.javapxeboot.provisioner.model.YamlNodes.Value;
import org.yaml.snakeyaml.nodes.Node;

/**
 * Reads the provisioner YAML safely and reports every problem at once.
 *
 * <p>SnakeYAML only composes the node tree ({@link SafeYaml}); nothing is constructed from tags.
 * The loader walks the nodes itself ({@link YamlNodes}), so every value keeps its line and column
 * and the reader decides what each scalar means: a string field takes the text as written
 * ({@code name: no} is the string "no", not YAML 1.1's false), a boolean field accepts true/false
 * and reads YAML 1.1's yes/no/on/off with a warning. Which keys exist, how each is read, its range,
 * choices and default come from {@link Schema}. Limits against hostile input: the file size
 * ({@link #MAX_CHARS}), aliases ({@link #MAX_ALIASES}, against "billion laughs"), nesting
 * ({@link #MAX_DEPTH}) and each value ({@link #MAX_VALUE}).
 */
public final class ClusterLoader {
    public static final int MAX_CHARS = 4 * 1024 * 1024;
    public static final int MAX_ALIASES = 20;
    public static final int MAX_DEPTH = 32;
    public static final int MAX_VALUE = 4096;
    public static final String DEFAULT_SERVER = Schema.DEFAULT_SERVER;
    public static final String DEFAULT_KICKSTART = (String) Schema.DOMAIN.defaultOf("kickstart");
    public static final long MIN_DISK = 1L << 20;

    private static final Pattern URL = Pattern.compile("https?://[A-Za-z0-9.\\[\\]:-]+(:[0-9]{1,5})?(/[A-Za-z0-9._~/-]*)?");

    private final Problems problems = new Problems();
    private final String file;
    private final YamlNodes nodes;

    /** Reads and checks {@code path}; throws with every problem found. */
    public static Cluster load(Path path) throws ModelException {
        try {
            if (Files.size(path) > 4L * MAX_CHARS) {
                throw new ModelException(new Location(path.toString(), 1, 1),
                        "file is " + Files.size(path) + " bytes; the limit is " + MAX_CHARS + " characters");
            }
            return load(path, Files.readAllBytes(path));
        } catch (IOException e) {
            throw new ModelException(new Location(path.toString(), 0, 0), "cannot read: " + e.getMessage());
        }
    }

    /**
     * Checks {@code bytes}, read from {@code path} by the caller (who may need to know exactly
     * which bytes were planned from: apply's stamp); locations name {@code path}.
     */
    public static Cluster load(Path path, byte[] bytes) throws ModelException {
        if (bytes.length > 4L * MAX_CHARS) {
            throw new ModelException(new Location(path.toString(), 1, 1),
                    "file is " + bytes.length + " bytes; the limit is " + MAX_CHARS + " characters");
        }
        String text;
        try {
            text = StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                    .decode(java.nio.ByteBuffer.wrap(bytes)).toString();
        } catch (CharacterCodingException e) {
            throw new ModelException(new Location(path.toString(), 1, 1), "file is not valid UTF-8");
        }
        return load(path.toString(), new StringReader(text));
    }

    /** Reads a document named {@code fileName} (used in locations) from {@code reader}. */
    public static Cluster load(String fileName, Reader reader) throws ModelException {
        return new ClusterLoader(fileName).read(reader);
    }

    private ClusterLoader(String file) {
        this.file = file;
        this.nodes = new YamlNodes(file, problems);
    }

    private Cluster read(Reader reader) throws ModelException {
        // Bounded read first: SnakeYAML enforces its code point limit only while scanning, which
        // takes tens of seconds on a 10 MB scalar before it gives up.
        StringBuilder text = new StringBuilder();
        char[] buf = new char[65536];
        try {
            int n;
            while ((n = reader.read(buf)) > 0) {
                text.append(buf, 0, n);
                if (text.length() > MAX_CHARS) {
                    int line = 1;
                    int col = 1;
                    for (int i = 0; i < MAX_CHARS; i++) {
                        if (text.charAt(i) == '\n') {
                            line++;
                            col = 1;
                        } else {
                            col++;
                        }
                    }
                    throw new ModelException(new Location(file, line, col),
                            "the file is longer than " + MAX_CHARS + " characters; refusing to read it");
                }
            }
        } catch (IOException e) {
            throw new ModelException(new Location(file, 0, 0), "cannot read: " + e.getMessage());
        }
        return compose(text.toString());
    }

    private Cluster compose(String text) throws ModelException {
        Node root = new SafeYaml(nodes).compose(text);
        if (root == null) {
            throw new ModelException(new Location(file, 1, 1), "the file is empty; expected a 'domains:' mapping");
        }
        Map<String, Value> top = nodes.mapping(root, Schema.TOP, "top level");
        String server = DEFAULT_SERVER;
        if (top.containsKey("server")) {
            Value v = top.get("server");
            String s = nodes.string(v.node(), "server");
            if (s != null) {
                if (!URL.matcher(s).matches()) {
                    problems.error(v.where(), "server '" + Names.printable(s)
                            + "' is not an http URL like http://192.0.2.1:8069 (guests fetch /ks/NAME.ks from it)");
                } else {
                    server = s.endsWith("/") ? s.substring(0, s.length() - 1) : s;
                }
            }
        }
        Map<String, VolumeGroup> vgs = new LinkedHashMap<>();
        if (top.containsKey("volume_groups")) {
            readVolumeGroups(top.get("volume_groups").node(), vgs);
        }
        DomainReader domains = new DomainReader(nodes);
        Map<String, Value> defaults = new LinkedHashMap<>();
        Map<String, Object> inherited = Map.of();
        if (top.containsKey("defaults")) {
            defaults.putAll(nodes.mapping(top.get("defaults").node(), Schema.DOMAIN, "defaults"));
            for (Schema.Field f : Schema.DOMAIN.fields()) {
                Value bad = f.perGuest() ? defaults.remove(f.name()) : null;
                if (bad != null) {
                    problems.error(bad.where(), "'" + f.name() + "' cannot be given in defaults: it belongs to one guest");
                }
            }
            inherited = domains.defaults(defaults);
        }
        List<Guest> guests = new ArrayList<>();
        if (!top.containsKey("domains")) {
            problems.error(nodes.at(root.getStartMark()), "no 'domains:' given; nothing to provision");
        } else {
            domains.readDomains(top.get("domains").node(), defaults, inherited, guests);
        }
        crossChecks(guests, vgs);
        problems.throwIfErrors();
        return new Cluster(file, server, List.copyOf(guests), Map.copyOf(vgs), problems.warnings());
    }

    private void readVolumeGroups(Node node, Map<String, VolumeGroup> vgs) {
        for (Map.Entry<String, Value> e : nodes.mapping(node, (Schema.Section) null, "volume_groups").entrySet()) {
            Location where = nodes.at(e.getValue().key());
            Names.vgProblem(e.getKey()).ifPresent(p -> problems.error(where, p));
            Map<String, Value> f = nodes.mapping(e.getValue().node(), Schema.VOLUME_GROUP, "volume group '" + e.getKey() + "'");
            List<String> pvs = new ArrayList<>();
            boolean badPv = false;
            if (!f.containsKey("pvs")) {
                problems.error(where, "volume group '" + e.getKey() + "' has no 'pvs' (the physical volumes to create it on)");
            } else {
                for (Node pv : nodes.list(f.get("pvs").node(), "pvs")) {
                    String p = nodes.string(pv, "pvs");
                    if (p == null) {
                        continue;
                    }
                    if (!p.startsWith("/dev/") || p.contains("..")) {
                        problems.error(nodes.at(pv), "physical volume '" + Names.printable(p) + "' must be a device path under /dev/");
                        badPv = true;
                    } else {
                        pvs.add(p);
                    }
                }
                if (pvs.isEmpty() && !badPv) {
                    problems.error(f.get("pvs").where(), "volume group '" + e.getKey() + "' needs at least one physical volume");
                }
            }
            vgs.put(e.getKey(), new VolumeGroup(e.getKey(), List.copyOf(pvs), where));
        }
    }

    // ---- across guests ----

    private void crossChecks(List<Guest> guests, Map<String, VolumeGroup> vgs) {
        Map<String, Guest> names = new LinkedHashMap<>();
        Map<String, Guest> macs = new LinkedHashMap<>();
        Map<String, Location> macAt = new LinkedHashMap<>();
        Map<String, Guest> paths = new LinkedHashMap<>();
        Map<String, Location> pathAt = new LinkedHashMap<>();
        for (Guest g : guests) {
            Guest prior = names.putIfAbsent(g.name(), g);
            if (prior != null) {
                problems.error(g.where(), "domain '" + g.name() + "' is given twice (also at " + prior.where().line()
                        + ":" + prior.where().column() + ")");
            }
            for (Vif v : g.vifs()) {
                Guest other = macs.putIfAbsent(v.mac(), g);
                if (other != null) {
                    Location first = macAt.get(v.mac());
                    problems.error(v.where(), "MAC " + v.mac() + " is given to both '" + other.name() + "' (at "
                            + first.line() + ":" + first.column() + ") and '" + g.name() + "'"
                            + (other == g ? " twice" : ""));
                } else {
                    macAt.put(v.mac(), v.where());
                }
            }
            for (Disk d : g.disks()) {
                String key = d.type() == Disk.Type.LVM ? d.path() : Path.of(d.path()).normalize().toString();
                Guest other = paths.putIfAbsent(key, g);
                if (other != null) {
                    Location first = pathAt.get(key);
                    problems.error(d.where(), "disk " + key + " is given to both '" + other.name() + "' (at "
                            + first.line() + ":" + first.column() + ") and '" + g.name() + "'"
                            + (other == g ? " twice" : "") + "; two guests writing one disk corrupt it");
                } else {
                    pathAt.put(key, d.where());
                }
            }
        }
    }
}
