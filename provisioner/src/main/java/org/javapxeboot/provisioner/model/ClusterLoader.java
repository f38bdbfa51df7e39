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
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Pattern;
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
import org.yaml.snakeyaml.nodes.ScalarNode;
import org.yaml.snakeyaml.nodes.SequenceNode;
import org.yaml.snakeyaml.nodes.Tag;
import org.yaml.snakeyaml.representer.Representer;

/**
 * Reads the provisioner YAML safely and reports every problem at once.
 *
 * <p>SnakeYAML only composes the node tree ({@link Yaml#compose}); nothing is constructed from
 * tags. This class walks the nodes itself, so every value keeps its {@link Mark} and the reader
 * decides what each scalar means: a string field takes the text as written ({@code name: no} is the
 * string "no", not YAML 1.1's false), a boolean field accepts true/false and reads YAML 1.1's
 * yes/no/on/off with a warning. Limits against hostile input: the file size
 * ({@link #MAX_CHARS}), aliases ({@link #MAX_ALIASES}, against "billion laughs"), nesting
 * ({@link #MAX_DEPTH}) and each value ({@link #MAX_VALUE}).
 */
public final class ClusterLoader {
    public static final int MAX_CHARS = 4 * 1024 * 1024;
    public static final int MAX_ALIASES = 20;
    public static final int MAX_DEPTH = 32;
    public static final int MAX_VALUE = 4096;
    public static final String DEFAULT_SERVER = "http://127.0.0.1:8069";

    static final Set<String> TOP = Set.of("defaults", "domains", "volume_groups", "server");
    static final Set<String> DOMAIN = Set.of("name", "memory", "vcpus", "vif", "disk", "bootloader", "bootargs",
            "kernel", "ramdisk", "extra", "on_poweroff", "on_reboot", "on_crash", "auto", "install_options",
            "kickstart", "hypervisor", "install_kernel", "install_initrd", "vars");
    /** Fields that name one guest's own things and therefore cannot come from {@code defaults}. */
    static final Set<String> NOT_INHERITED = Set.of("name", "vif", "disk");
    static final Set<String> DISK = Set.of("type", "path", "hostdevice", "hostvol", "device", "guestdevice", "size",
            "rw", "create");
    static final Set<String> VG = Set.of("pvs");
    static final Set<String> VIF_KEYS = Set.of("mac", "bridge", "model", "vifname", "ip", "script", "type", "rate",
            "backend");
    static final List<String> LIFECYCLE = List.of("destroy", "restart", "preserve", "rename-restart");
    static final List<String> CRASH = List.of("destroy", "restart", "preserve", "rename-restart", "coredump-destroy",
            "coredump-restart");

    public static final String DEFAULT_BOOTLOADER = "/usr/bin/javapxeboot";
    public static final String DEFAULT_KICKSTART = "sl-basic.ks";
    public static final String DEFAULT_INSTALL_KERNEL = "images/vmlinuz";
    public static final String DEFAULT_INSTALL_INITRD = "images/initrd.img";
    public static final int DEFAULT_MEMORY = 512;
    public static final int DEFAULT_VCPUS = 1;
    public static final long MIN_DISK = 1L << 20;

    private static final Set<Tag> ALLOWED_TAGS = Set.of(Tag.STR, Tag.INT, Tag.BOOL, Tag.FLOAT, Tag.NULL, Tag.MAP,
            Tag.SEQ, Tag.TIMESTAMP);
    private static final Pattern MAC = Pattern.compile("[0-9A-Fa-f]{2}([:-])[0-9A-Fa-f]{2}(\\1[0-9A-Fa-f]{2}){4}");
    private static final Pattern IFNAME = Pattern.compile("[A-Za-z0-9_.-]{1,15}");
    private static final Pattern DIGITS = Pattern.compile("[0-9]+");
    private static final Pattern VAR = Pattern.compile("[a-z][a-z0-9_]*");
    private static final Pattern URL = Pattern.compile("https?://[A-Za-z0-9.\\[\\]:-]+(:[0-9]{1,5})?(/[A-Za-z0-9._~/-]*)?");

    private final Problems problems = new Problems();
    private String file;

    /** Reads and checks {@code path}; throws with every problem found. */
    public static Cluster load(Path path) throws ModelException {
        String text;
        try {
            if (Files.size(path) > 4L * MAX_CHARS) {
                throw new ModelException(new Location(path.toString(), 1, 1),
                        "file is " + Files.size(path) + " bytes; the limit is " + MAX_CHARS + " characters");
            }
            text = StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                    .decode(java.nio.ByteBuffer.wrap(Files.readAllBytes(path))).toString();
        } catch (CharacterCodingException e) {
            throw new ModelException(new Location(path.toString(), 1, 1), "file is not valid UTF-8");
        } catch (IOException e) {
            throw new ModelException(new Location(path.toString(), 0, 0), "cannot read: " + e.getMessage());
        }
        return load(path.toString(), new StringReader(text));
    }

    /** Reads a document named {@code fileName} (used in locations) from {@code reader}. */
    public static Cluster load(String fileName, Reader reader) throws ModelException {
        return new ClusterLoader(fileName).read(reader);
    }

    private ClusterLoader(String file) {
        this.file = file;
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
        return compose(new StringReader(text.toString()));
    }

    private Cluster compose(Reader reader) throws ModelException {
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
            root = yaml.compose(reader);
        } catch (MarkedYAMLException e) {
            Mark m = e.getProblemMark() != null ? e.getProblemMark() : e.getContextMark();
            throw new ModelException(at(m), yamlMessage(e));
        } catch (YAMLException e) {
            throw new ModelException(new Location(file, 1, 1), limitMessage(e.getMessage()));
        }
        if (root == null) {
            throw new ModelException(new Location(file, 1, 1), "the file is empty; expected a 'domains:' mapping");
        }
        checkTags(root);
        Map<String, Value> top = mapping(root, TOP, "top level");
        String server = DEFAULT_SERVER;
        if (top.containsKey("server")) {
            Value v = top.get("server");
            String s = string(v.node, "server");
            if (s != null) {
                if (!URL.matcher(s).matches()) {
                    problems.error(v.where, "server '" + Names.printable(s)
                            + "' is not an http URL like http://192.0.2.1:8069 (guests fetch /ks/NAME.ks from it)");
                } else {
                    server = s.endsWith("/") ? s.substring(0, s.length() - 1) : s;
                }
            }
        }
        Map<String, VolumeGroup> vgs = new LinkedHashMap<>();
        if (top.containsKey("volume_groups")) {
            readVolumeGroups(top.get("volume_groups").node, vgs);
        }
        Map<String, Value> defaults = new LinkedHashMap<>();
        Map<String, Object> inherited = Map.of();
        if (top.containsKey("defaults")) {
            defaults.putAll(mapping(top.get("defaults").node, DOMAIN, "defaults"));
            for (String k : NOT_INHERITED) {
                Value bad = defaults.remove(k);
                if (bad != null) {
                    problems.error(bad.where, "'" + k + "' cannot be given in defaults: it belongs to one guest");
                }
            }
            // Parsed once, so that a bad default is reported once, not once per guest.
            inherited = new Fields(defaults, "defaults").all();
        }
        List<Guest> guests = new ArrayList<>();
        if (!top.containsKey("domains")) {
            problems.error(at(root.getStartMark()), "no 'domains:' given; nothing to provision");
        } else {
            readDomains(top.get("domains").node, defaults, inherited, guests);
        }
        crossChecks(guests, vgs);
        problems.throwIfErrors();
        return new Cluster(file, server, List.copyOf(guests), Map.copyOf(vgs), problems.warnings());
    }

    // ---- structure ----

    private record Value(Node key, Node node, Location where) {
    }

    private Location at(Mark m) {
        return m == null ? new Location(file, 1, 1) : new Location(file, m.getLine() + 1, m.getColumn() + 1);
    }

    private Location at(Node n) {
        return at(n.getStartMark());
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
    private Map<String, Value> mapping(Node node, Set<String> known, String context) {
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
                        + " (first given at " + prior.where.line() + ":" + prior.where.column() + ")");
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

    private static boolean isNull(Node n) {
        return n instanceof ScalarNode s && s.getTag().equals(Tag.NULL);
    }

    /** A scalar's text exactly as written, or null for YAML null; errors for lists/mappings and control characters. */
    private String string(Node n, String field) {
        if (!(n instanceof ScalarNode s)) {
            problems.error(at(n), "'" + field + "' must be a single value, not a " + (n instanceof SequenceNode ? "list" : "mapping"));
            return null;
        }
        if (s.getTag().equals(Tag.NULL)) {
            return null;
        }
        String v = s.getValue();
        if (v.length() > MAX_VALUE) {
            problems.error(at(n), "'" + field + "' is " + v.length() + " characters long; the limit is " + MAX_VALUE);
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

    private Integer integer(Node n, String field, int min, int max) {
        String s = string(n, field);
        if (s == null) {
            return null;
        }
        if (!DIGITS.matcher(s).matches() || s.length() > 9) {
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

    private Integer memory(Node n) {
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

    private Boolean bool(Node n, String field) {
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

    private String oneOf(Node n, String field, List<String> allowed) {
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

    private List<Node> list(Node n, String field) {
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
    private final class Fields {
        final Map<String, Value> raw;
        final String context;
        final Map<String, Object> values = new LinkedHashMap<>();

        Fields(Map<String, Value> raw, String context) {
            this.raw = raw;
            this.context = context;
        }

        Map<String, Object> all() {
            for (Map.Entry<String, Value> e : raw.entrySet()) {
                Object v = parse(e.getKey(), e.getValue().node);
                if (v != null) {
                    values.put(e.getKey(), v);
                }
            }
            return values;
        }

        private Object parse(String field, Node n) {
            switch (field) {
                case "memory":
                    return memory(n);
                case "vcpus":
                    return integer(n, field, 1, 512);
                case "auto":
                    return bool(n, field);
                case "on_poweroff": case "on_reboot":
                    return oneOf(n, field, LIFECYCLE);
                case "on_crash":
                    return oneOf(n, field, CRASH);
                case "hypervisor":
                    String h = oneOf(n, field, List.of("xen", "kvm", "qemu"));
                    return h == null ? null : Hypervisor.valueOf(h.toUpperCase(Locale.ROOT));
                case "kickstart": {
                    String k = string(n, field);
                    if (k != null) {
                        Optional<String> p = Names.templateProblem(k);
                        if (p.isPresent()) {
                            problems.error(at(n), p.get());
                            return null;
                        }
                    }
                    return k;
                }
                case "vars":
                    return vars(n);
                case "vif":
                    return vifs(n, context);
                case "disk":
                    return disks(n, context);
                default:
                    return string(n, field);
            }
        }
    }

    private Map<String, String> vars(Node n) {
        Map<String, String> out = new LinkedHashMap<>();
        for (Map.Entry<String, Value> e : mapping(n, null, "vars").entrySet()) {
            if (!VAR.matcher(e.getKey()).matches()) {
                problems.error(at(e.getValue().key), "template variable '" + Names.printable(e.getKey())
                        + "' must be lowercase letters, digits and _, starting with a letter");
                continue;
            }
            String v = string(e.getValue().node, "vars." + e.getKey());
            if (v != null) {
                out.put(e.getKey(), v);
            }
        }
        return out;
    }

    private List<Vif> vifs(Node n, String context) {
        List<Vif> out = new ArrayList<>();
        for (Node item : list(n, "vif")) {
            String s = string(item, "vif");
            if (s == null) {
                continue;
            }
            Location where = at(item);
            Map<String, String> opts = new LinkedHashMap<>();
            boolean ok = true;
            for (String part : s.split(",")) {
                String p = part.trim();
                if (p.isEmpty()) {
                    continue;
                }
                int eq = p.indexOf('='); // split on the first '=' only: values may contain '='
                if (eq <= 0) {
                    problems.error(where, "vif '" + s + "': '" + p + "' is not key=value (e.g. mac=aa:00:86:e2:35:72)");
                    ok = false;
                    continue;
                }
                String key = p.substring(0, eq).trim();
                String val = p.substring(eq + 1).trim();
                if (!VIF_KEYS.contains(key)) {
                    problems.error(where, "vif '" + s + "': unknown key '" + key + "'"
                            + Suggest.nearest(key, VIF_KEYS).map(x -> "; did you mean '" + x + "'?").orElse(""));
                    ok = false;
                    continue;
                }
                if (val.isEmpty() || val.contains("'") || val.contains("\"") || val.contains("\\")) {
                    problems.error(where, "vif '" + s + "': value of '" + key + "' must be non-empty, without quotes or backslashes");
                    ok = false;
                    continue;
                }
                if (opts.put(key, val) != null) {
                    problems.error(where, "vif '" + s + "': '" + key + "' given twice");
                    ok = false;
                }
            }
            String mac = opts.get("mac");
            if (mac == null) {
                if (ok) {
                    problems.error(where, "vif '" + s + "' has no mac=...: the guest PXE-boots by its MAC, so give one");
                }
                continue;
            }
            if (!MAC.matcher(mac).matches()) {
                problems.error(where, "vif '" + s + "': '" + mac + "' is not a MAC address like aa:00:86:e2:35:72");
                continue;
            }
            String norm = mac.toLowerCase(Locale.ROOT).replace('-', ':');
            if ((Integer.parseInt(norm.substring(0, 2), 16) & 1) != 0) {
                problems.error(where, "vif '" + s + "': " + norm + " is a multicast MAC; a guest needs a unicast one"
                        + " (first octet even, e.g. aa or 52)");
                continue;
            }
            opts.put("mac", norm);
            String bridge = opts.get("bridge");
            if (bridge != null && !IFNAME.matcher(bridge).matches()) {
                // Linux interface names: at most 15 bytes (IFNAMSIZ - 1), no '/', ':' or spaces
                problems.error(where, "vif '" + s + "': bridge '" + bridge + "' is not a Linux interface name"
                        + " (letters, digits, _ . -, at most 15)");
                continue;
            }
            if (ok) {
                out.add(new Vif(norm, opts.get("bridge"), java.util.Collections.unmodifiableMap(opts), where));
            }
        }
        return out;
    }

    /** A disk as read, before the per-guest defaults (device names) are filled in. */
    private record RawDisk(Disk.Type type, String path, String vg, String lv, String device, Long size,
                           Boolean writable, Boolean create, Location where, Map<String, Value> raw) {
    }

    private List<RawDisk> disks(Node n, String context) {
        List<RawDisk> out = new ArrayList<>();
        for (Node item : list(n, "disk")) {
            Map<String, Value> d = mapping(item, DISK, "disk of " + context);
            Location where = at(item);
            String typeText = d.containsKey("type") ? oneOf(d.get("type").node, "type", List.of("file", "lvm", "phy")) : null;
            if (!d.containsKey("type")) {
                problems.error(where, "disk has no 'type' (file, lvm or phy)");
            }
            Disk.Type type = typeText == null ? null : Disk.Type.valueOf(typeText.toUpperCase(Locale.ROOT));
            String path = d.containsKey("path") ? string(d.get("path").node, "path") : null;
            String vg = d.containsKey("hostdevice") ? string(d.get("hostdevice").node, "hostdevice") : null;
            String lv = d.containsKey("hostvol") ? string(d.get("hostvol").node, "hostvol") : null;
            String device = null;
            if (d.containsKey("device") && d.containsKey("guestdevice")) {
                problems.error(d.get("guestdevice").where, "give 'device' or 'guestdevice', not both (they are the same field)");
            }
            Value devValue = d.containsKey("device") ? d.get("device") : d.get("guestdevice");
            if (devValue != null) {
                device = string(devValue.node, "device");
                if (device != null) {
                    Optional<String> p = Names.guestDeviceProblem(device);
                    if (p.isPresent()) {
                        problems.error(devValue.where, p.get());
                        device = null;
                    }
                }
            }
            Long size = null;
            if (d.containsKey("size")) {
                String s = string(d.get("size").node, "size");
                if (s != null) {
                    try {
                        size = Size.parse(s);
                        if (size < MIN_DISK) {
                            problems.error(d.get("size").where, "size " + s + " is below 1MiB"
                                    + (DIGITS.matcher(s).matches() ? "; a plain number is bytes: did you mean " + s + "GiB?" : ""));
                            size = null;
                        }
                    } catch (IllegalArgumentException e) {
                        problems.error(d.get("size").where, e.getMessage());
                    }
                }
            }
            Boolean writable = null;
            if (d.containsKey("rw")) {
                String rw = oneOf(d.get("rw").node, "rw", List.of("r", "w"));
                writable = rw == null ? null : rw.equals("w");
            }
            Boolean create = d.containsKey("create") ? bool(d.get("create").node, "create") : null;
            if (type != null) {
                checkDisk(type, path, vg, lv, size, create, where, d);
            }
            out.add(new RawDisk(type, path, vg, lv, device, size, writable, create, where, d));
        }
        return out;
    }

    private void checkDisk(Disk.Type type, String path, String vg, String lv, Long size, Boolean create, Location where,
                           Map<String, Value> d) {
        switch (type) {
            case FILE:
            case PHY:
                if (path == null) {
                    problems.error(where, type.name().toLowerCase(Locale.ROOT) + " disk has no 'path'");
                } else {
                    pathProblem(path).ifPresent(p -> problems.error(d.get("path").where, p));
                    if (type == Disk.Type.PHY && !path.startsWith("/dev/")) {
                        problems.error(d.get("path").where, "phy disk path '" + path + "' must be a block device under /dev/");
                    }
                }
                for (String k : List.of("hostdevice", "hostvol")) {
                    if (d.containsKey(k)) {
                        problems.error(d.get(k).where, "'" + k + "' is for lvm disks; this disk is " + type.name().toLowerCase(Locale.ROOT));
                    }
                }
                break;
            case LVM:
                if (d.containsKey("path")) {
                    problems.error(d.get("path").where, "lvm disks take 'hostdevice' (the VG) and 'hostvol' (the LV),"
                            + " not 'path' (it is /dev/VG/LV)");
                }
                if (vg == null) {
                    problems.error(where, "lvm disk has no 'hostdevice' (the volume group)");
                } else {
                    Names.vgProblem(vg).ifPresent(p -> problems.error(d.get("hostdevice").where, p));
                }
                if (lv == null) {
                    problems.error(where, "lvm disk has no 'hostvol' (the logical volume)");
                } else {
                    Names.lvProblem(lv).ifPresent(p -> problems.error(d.get("hostvol").where, p));
                }
                break;
            default:
                throw new IllegalStateException(type.name());
        }
        if (type == Disk.Type.PHY) {
            if (Boolean.TRUE.equals(create)) {
                problems.error(d.get("create").where, "phy disks are existing devices and cannot be created");
            }
        } else if (!Boolean.FALSE.equals(create) && size == null && !d.containsKey("size")) {
            problems.error(where, type.name().toLowerCase(Locale.ROOT) + " disk has no 'size' (needed to create it;"
                    + " or say create: false if it exists)");
        }
    }

    static Optional<String> pathProblem(String path) {
        if (path.isEmpty()) {
            return Optional.of("disk path is empty");
        }
        if (path.contains(",")) {
            // xm's disk spec "file:/path,sda,w" is comma separated; a comma would split the path
            return Optional.of("disk path '" + path + "' contains ',' which xm's disk syntax cannot carry");
        }
        for (String seg : path.split("/")) {
            if (seg.equals("..")) {
                return Optional.of("disk path '" + path + "' contains '..'; give the path without it");
            }
        }
        if (path.startsWith("-")) {
            return Optional.of("disk path '" + path + "' starts with '-' and would read as an option");
        }
        return Optional.empty();
    }

    private void readDomains(Node node, Map<String, Value> defaults, Map<String, Object> inherited, List<Guest> guests) {
        if (node instanceof MappingNode) {
            for (Map.Entry<String, Value> e : mapping(node, null, "domains").entrySet()) {
                Map<String, Value> fields = mapping(e.getValue().node, DOMAIN, "domain '" + Names.printable(e.getKey()) + "'");
                if (fields.containsKey("name")) {
                    String n = string(fields.get("name").node, "name");
                    if (n != null && !n.equals(e.getKey())) {
                        problems.error(fields.get("name").where, "name '" + n + "' differs from the key '" + e.getKey()
                                + "' it is listed under; drop one");
                    }
                }
                domain(e.getKey(), at(e.getValue().key), at(e.getValue().key), fields, defaults, inherited, guests);
            }
        } else if (node instanceof SequenceNode s) {
            for (Node item : s.getValue()) {
                Map<String, Value> fields = mapping(item, DOMAIN, "domain");
                if (!fields.containsKey("name")) {
                    problems.error(at(item), "domain has no 'name'");
                    continue;
                }
                String n = string(fields.get("name").node, "name");
                if (n != null) {
                    domain(n, fields.get("name").where, at(item), fields, defaults, inherited, guests);
                }
            }
        } else {
            problems.error(at(node), "'domains' must be a mapping of name: {fields} (or a list of {name: ..., ...})");
        }
    }

    private void domain(String name, Location nameAt, Location where, Map<String, Value> own, Map<String, Value> defaults,
                        Map<String, Object> inherited, List<Guest> guests) {
        Names.domainProblem(name).ifPresent(p -> problems.error(nameAt, p));
        Map<String, Object> v = new LinkedHashMap<>(inherited);
        Map<String, Location> fieldsAt = new LinkedHashMap<>();
        defaults.forEach((k, val) -> fieldsAt.put(k, val.where));
        Map<String, Object> mine = new Fields(own, "domain '" + name + "'").all();
        own.forEach((k, val) -> {
            fieldsAt.put(k, val.where);
            if (!mine.containsKey(k)) {
                v.remove(k); // an explicit null (or a bad value, already reported) overrides the default
            }
        });
        v.putAll(mine);
        if (v.containsKey("vars") && inherited.containsKey("vars") && mine.containsKey("vars")) {
            @SuppressWarnings("unchecked")
            Map<String, String> merged = new LinkedHashMap<>((Map<String, String>) inherited.get("vars"));
            @SuppressWarnings("unchecked")
            Map<String, String> m = (Map<String, String>) mine.get("vars");
            merged.putAll(m);
            v.put("vars", merged);
        }
        Hypervisor hv = (Hypervisor) v.getOrDefault("hypervisor", Hypervisor.XEN);
        @SuppressWarnings("unchecked")
        List<Vif> vifs = (List<Vif>) v.getOrDefault("vif", List.of());
        if (vifs.isEmpty() && !own.containsKey("vif")) {
            problems.error(where, "domain '" + name + "' has no 'vif': give at least one \"mac=...\" to PXE-boot from");
        }
        @SuppressWarnings("unchecked")
        List<RawDisk> raw = (List<RawDisk>) v.getOrDefault("disk", List.of());
        List<Disk> disks = new ArrayList<>();
        Map<String, Location> devices = new LinkedHashMap<>();
        int next = 0;
        for (RawDisk r : raw) {
            if (r.type == null) {
                continue;
            }
            String device = r.device;
            if (device == null) {
                if (r.raw.containsKey("device") || r.raw.containsKey("guestdevice")) {
                    continue; // bad name already reported
                }
                String prefix = hv == Hypervisor.XEN ? "xvd" : "vd";
                do {
                    device = prefix + (char) ('a' + next++);
                } while (devices.containsKey(device) && next < 26);
            }
            Location prior = devices.putIfAbsent(device, r.where);
            if (prior != null) {
                problems.error(r.where, "guest device '" + device + "' is used twice in domain '" + name + "' (also at "
                        + prior.line() + ":" + prior.column() + ")");
            }
            String path = r.type == Disk.Type.LVM ? (r.vg != null && r.lv != null ? "/dev/" + r.vg + "/" + r.lv : null) : r.path;
            if (path == null) {
                continue;
            }
            boolean create = r.type != Disk.Type.PHY && !Boolean.FALSE.equals(r.create);
            disks.add(new Disk(r.type, path, r.vg, r.lv, device, r.size == null ? 0 : r.size,
                    !Boolean.FALSE.equals(r.writable), create, r.where));
        }
        String kernel = (String) v.get("kernel");
        String ramdisk = (String) v.get("ramdisk");
        if (hv != Hypervisor.XEN && (kernel == null || ramdisk == null)) {
            problems.error(where, "domain '" + name + "' is " + hv.yamlName() + ": it boots the installer by direct"
                    + " kernel boot, so give 'kernel' and 'ramdisk' (host paths)");
        }
        @SuppressWarnings("unchecked")
        Map<String, String> vars = (Map<String, String>) v.getOrDefault("vars", Map.of());
        guests.add(new Guest(name,
                (Integer) v.getOrDefault("memory", DEFAULT_MEMORY),
                (Integer) v.getOrDefault("vcpus", DEFAULT_VCPUS),
                List.copyOf(vifs), List.copyOf(disks),
                (String) v.getOrDefault("bootloader", DEFAULT_BOOTLOADER),
                (String) v.getOrDefault("bootargs", "vif[0]"),
                kernel, ramdisk,
                (String) v.get("extra"),
                (String) v.getOrDefault("on_poweroff", "destroy"),
                (String) v.getOrDefault("on_reboot", "restart"),
                (String) v.getOrDefault("on_crash", "restart"),
                (Boolean) v.getOrDefault("auto", false),
                (String) v.get("install_options"),
                (String) v.getOrDefault("kickstart", DEFAULT_KICKSTART),
                hv,
                (String) v.getOrDefault("install_kernel", DEFAULT_INSTALL_KERNEL),
                (String) v.getOrDefault("install_initrd", DEFAULT_INSTALL_INITRD),
                Map.copyOf(vars), where, Map.copyOf(fieldsAt)));
    }

    private void readVolumeGroups(Node node, Map<String, VolumeGroup> vgs) {
        for (Map.Entry<String, Value> e : mapping(node, null, "volume_groups").entrySet()) {
            Location where = at(e.getValue().key);
            Names.vgProblem(e.getKey()).ifPresent(p -> problems.error(where, p));
            Map<String, Value> f = mapping(e.getValue().node, VG, "volume group '" + e.getKey() + "'");
            List<String> pvs = new ArrayList<>();
            boolean badPv = false;
            if (!f.containsKey("pvs")) {
                problems.error(where, "volume group '" + e.getKey() + "' has no 'pvs' (the physical volumes to create it on)");
            } else {
                for (Node pv : list(f.get("pvs").node, "pvs")) {
                    String p = string(pv, "pvs");
                    if (p == null) {
                        continue;
                    }
                    if (!p.startsWith("/dev/") || p.contains("..")) {
                        problems.error(at(pv), "physical volume '" + Names.printable(p) + "' must be a device path under /dev/");
                        badPv = true;
                    } else {
                        pvs.add(p);
                    }
                }
                if (pvs.isEmpty() && !badPv) {
                    problems.error(f.get("pvs").where, "volume group '" + e.getKey() + "' needs at least one physical volume");
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
