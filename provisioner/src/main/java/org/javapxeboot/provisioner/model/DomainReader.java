package org.javapxeboot.provisioner.model;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Pattern;
import org.javapxeboot.provisioner.model.DiskReader.RawDisk;
import org.javapxeboot.provisioner.model.YamlNodes.Value;
import org.javapxeboot.xman.wire.DomainMetadata;
import org.yaml.snakeyaml.nodes.MappingNode;
import org.yaml.snakeyaml.nodes.Node;
import org.yaml.snakeyaml.nodes.SequenceNode;

/**
 * Reads {@code domains:} (fields: {@link Schema#DOMAIN}, vif keys: {@link Schema#VIF}) into
 * {@link Guest}s: each field by the reader its schema kind names, then the defaults, the schema's
 * built-in defaults and the checks that need more than one field.
 */
final class DomainReader {
    private static final Pattern MAC = Pattern.compile("[0-9A-Fa-f]{2}([:-])[0-9A-Fa-f]{2}(\\1[0-9A-Fa-f]{2}){4}");
    private static final Pattern IFNAME = Pattern.compile("[A-Za-z0-9_.-]{1,15}");
    private static final Pattern VAR = Pattern.compile("[a-z][a-z0-9_]*");

    private final YamlNodes nodes;
    private final Problems problems;
    private final DiskReader disks;

    DomainReader(YamlNodes nodes) {
        this.nodes = nodes;
        this.problems = nodes.problems;
        this.disks = new DiskReader(nodes);
    }

    /** The fields of {@code defaults:}, parsed once so that a bad default is reported once, not once per guest. */
    Map<String, Object> defaults(Map<String, Value> defaults) {
        return new Fields(defaults, "defaults").all();
    }

    void readDomains(Node node, Map<String, Value> defaults, Map<String, Object> inherited, List<Guest> guests) {
        if (node instanceof MappingNode) {
            for (Map.Entry<String, Value> e : nodes.mapping(node, (Schema.Section) null, "domains").entrySet()) {
                Map<String, Value> fields = nodes.mapping(e.getValue().node(), Schema.DOMAIN, "domain '" + Names.printable(e.getKey()) + "'");
                if (fields.containsKey("name")) {
                    String n = nodes.string(fields.get("name").node(), "name");
                    if (n != null && !n.equals(e.getKey())) {
                        problems.error(fields.get("name").where(), "name '" + n + "' differs from the key '" + e.getKey()
                                + "' it is listed under; drop one");
                    }
                }
                domain(e.getKey(), nodes.at(e.getValue().key()), nodes.at(e.getValue().key()), fields, defaults, inherited, guests);
            }
        } else if (node instanceof SequenceNode s) {
            for (Node item : s.getValue()) {
                Map<String, Value> fields = nodes.mapping(item, Schema.DOMAIN, "domain");
                if (!fields.containsKey("name")) {
                    problems.error(nodes.at(item), "domain has no 'name'");
                    continue;
                }
                String n = nodes.string(fields.get("name").node(), "name");
                if (n != null) {
                    domain(n, fields.get("name").where(), nodes.at(item), fields, defaults, inherited, guests);
                }
            }
        } else {
            problems.error(nodes.at(node), "'domains' must be a mapping of name: {fields} (or a list of {name: ..., ...})");
        }
    }

    private void domain(String name, Location nameAt, Location where, Map<String, Value> own, Map<String, Value> defaults,
                        Map<String, Object> inherited, List<Guest> guests) {
        Names.domainProblem(name).ifPresent(p -> problems.error(nameAt, p));
        Map<String, Object> v = new LinkedHashMap<>(inherited);
        Map<String, Location> fieldsAt = new LinkedHashMap<>();
        defaults.forEach((k, val) -> fieldsAt.put(k, val.where()));
        Map<String, Object> mine = new Fields(own, "domain '" + name + "'").all();
        own.forEach((k, val) -> {
            fieldsAt.put(k, val.where());
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
        Hypervisor hv = (Hypervisor) v.getOrDefault("hypervisor", Schema.DOMAIN.defaultOf("hypervisor"));
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
            if (r.type() == null) {
                continue;
            }
            String device = r.device();
            if (device == null) {
                if (r.raw().containsKey("device") || r.raw().containsKey("guestdevice")) {
                    continue; // bad name already reported
                }
                String prefix = hv == Hypervisor.XEN ? "xvd" : "vd";
                do {
                    device = prefix + (char) ('a' + next++);
                } while (devices.containsKey(device) && next < 26);
            }
            Location prior = devices.putIfAbsent(device, r.where());
            if (prior != null) {
                problems.error(r.where(), "guest device '" + device + "' is used twice in domain '" + name + "' (also at "
                        + prior.line() + ":" + prior.column() + ")");
            }
            String path = r.type() == Disk.Type.LVM ? (r.vg() != null && r.lv() != null ? "/dev/" + r.vg() + "/" + r.lv() : null) : r.path();
            if (path == null) {
                continue;
            }
            boolean create = r.type() != Disk.Type.PHY && !Boolean.FALSE.equals(r.create());
            disks.add(new Disk(r.type(), path, r.vg(), r.lv(), device, r.size() == null ? 0 : r.size(),
                    !Boolean.FALSE.equals(r.writable()), create, r.where()));
        }
        String kernel = (String) v.get("kernel");
        String ramdisk = (String) v.get("ramdisk");
        String installBoot = (String) v.getOrDefault("install_boot", Schema.DOMAIN.defaultOf("install_boot"));
        String consoleLog = (String) v.get("console_log");
        if (hv == Hypervisor.XEN && "network".equals(installBoot)) {
            problems.error(fieldsAt.getOrDefault("install_boot", where), "domain '" + name + "' is xen: 'install_boot:"
                    + " network' is for kvm and qemu guests (a Xen PV guest network-boots through its bootloader)");
        } else if (hv != Hypervisor.XEN && "kernel".equals(installBoot) && (kernel == null || ramdisk == null)) {
            problems.error(where, "domain '" + name + "' is " + hv.yamlName() + ": it boots the installer by direct"
                    + " kernel boot, so give 'kernel' and 'ramdisk' (host paths), or 'install_boot: network'");
        }
        if (consoleLog != null) {
            Location at = fieldsAt.getOrDefault("console_log", where);
            if (hv == Hypervisor.XEN) {
                problems.error(at, "domain '" + name + "' is xen: 'console_log' is for kvm and qemu guests"
                        + " (xenconsoled keeps Xen guests' console logs)");
            } else {
                DiskReader.pathProblem(consoleLog).ifPresent(p -> problems.error(at, "console_log: " + p.replace("disk path", "path")));
            }
        }
        String firmware = (String) v.getOrDefault("firmware", Schema.DOMAIN.defaultOf("firmware"));
        String boot = (String) v.getOrDefault("boot", Schema.DOMAIN.defaultOf("boot"));
        if (hv == Hypervisor.XEN && Guest.UEFI.equals(firmware)) {
            problems.error(fieldsAt.getOrDefault("firmware", where), "domain '" + name + "' is xen: 'firmware: uefi'"
                    + " is for kvm and qemu guests (OVMF); a Xen PV guest has no firmware and boots through its bootloader");
        } else if (Guest.HTTP.equals(boot) && !Guest.UEFI.equals(firmware)) {
            problems.error(fieldsAt.getOrDefault("boot", where), "domain '" + name + "': 'boot: http' needs 'firmware:"
                    + " uefi' (OVMF's HTTP boot client); BIOS guests load pxelinux.0 over TFTP, and a Xen guest's"
                    + " bootloader fetches the http:// names its pxelinux entry gives");
        } else if (Guest.HTTP.equals(boot) && !"network".equals(installBoot)) {
            problems.error(fieldsAt.getOrDefault("boot", where), "domain '" + name + "': 'boot: http' is how a"
                    + " network install fetches the installer: give 'install_boot: network' too");
        }
        @SuppressWarnings("unchecked")
        Map<String, String> vars = (Map<String, String>) v.getOrDefault("vars", Map.of());
        @SuppressWarnings("unchecked")
        List<String> owners = (List<String>) v.getOrDefault("owners", Schema.DOMAIN.defaultOf("owners"));
        guests.add(new Guest(name,
                (Integer) v.getOrDefault("memory", Schema.DOMAIN.defaultOf("memory")),
                (Integer) v.getOrDefault("vcpus", Schema.DOMAIN.defaultOf("vcpus")),
                List.copyOf(vifs), List.copyOf(disks),
                (String) v.getOrDefault("bootloader", Schema.DOMAIN.defaultOf("bootloader")),
                (String) v.getOrDefault("bootargs", Schema.DOMAIN.defaultOf("bootargs")),
                kernel, ramdisk,
                (String) v.get("extra"),
                (String) v.getOrDefault("on_poweroff", Schema.DOMAIN.defaultOf("on_poweroff")),
                (String) v.getOrDefault("on_reboot", Schema.DOMAIN.defaultOf("on_reboot")),
                (String) v.getOrDefault("on_crash", Schema.DOMAIN.defaultOf("on_crash")),
                (Boolean) v.getOrDefault("auto", Schema.DOMAIN.defaultOf("auto")),
                (String) v.get("install_options"),
                (String) v.getOrDefault("kickstart", Schema.DOMAIN.defaultOf("kickstart")),
                hv,
                (String) v.getOrDefault("install_kernel", Schema.DOMAIN.defaultOf("install_kernel")),
                (String) v.getOrDefault("install_initrd", Schema.DOMAIN.defaultOf("install_initrd")),
                Map.copyOf(vars),
                (Integer) v.getOrDefault("priority", Schema.DOMAIN.defaultOf("priority")),
                owners, installBoot, consoleLog, firmware, boot, null,
                where, Map.copyOf(fieldsAt)));
    }

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
                Object v = parse(e.getKey(), e.getValue().node());
                if (v != null) {
                    values.put(e.getKey(), v);
                }
            }
            return values;
        }

        private Object parse(String field, Node n) {
            Schema.Field f = Schema.DOMAIN.field(field);
            switch (f.kind()) {
                case VARS:
                    return vars(n);
                case VIFS:
                    return vifs(n, context);
                case DISKS:
                    return disks.disks(n, context);
                case PRINCIPALS:
                    return owners(n);
                default:
                    Object v = nodes.value(f, n);
                    return v != null && field.equals("hypervisor")
                            ? Hypervisor.valueOf(((String) v).toUpperCase(Locale.ROOT)) : v;
            }
        }
    }

    private Map<String, String> vars(Node n) {
        Map<String, String> out = new LinkedHashMap<>();
        for (Map.Entry<String, Value> e : nodes.mapping(n, (Schema.Section) null, "vars").entrySet()) {
            if (!VAR.matcher(e.getKey()).matches()) {
                problems.error(nodes.at(e.getValue().key()), "template variable '" + Names.printable(e.getKey())
                        + "' must be lowercase letters, digits and _, starting with a letter");
                continue;
            }
            String v = nodes.string(e.getValue().node(), "vars." + e.getKey());
            if (v != null) {
                out.put(e.getKey(), v);
            }
        }
        return out;
    }

    /** {@code owners:}: principals as xmand compares them (DomainMetadata's rule), each once. */
    private List<String> owners(Node n) {
        List<String> out = new ArrayList<>();
        Map<String, Location> seen = new LinkedHashMap<>();
        for (Node item : nodes.list(n, "owners")) {
            String s = nodes.string(item, "owners");
            if (s == null) {
                continue;
            }
            Location at = nodes.at(item);
            if (!DomainMetadata.validOwner(s)) {
                problems.error(at, "owner '" + Names.printable(s) + "' is not a Kerberos principal: write"
                        + " name@REALM or name/instance@REALM (letters, digits, . _ + -), e.g. alice@EXAMPLE.ORG");
                continue;
            }
            Location prior = seen.putIfAbsent(s, at);
            if (prior != null) {
                problems.error(at, "owner '" + s + "' is listed twice (also at " + prior.line() + ":" + prior.column() + ")");
                continue;
            }
            out.add(s);
        }
        return out;
    }

    private List<Vif> vifs(Node n, String context) {
        List<Vif> out = new ArrayList<>();
        for (Node item : nodes.list(n, "vif")) {
            String s = nodes.string(item, "vif");
            if (s == null) {
                continue;
            }
            Location where = nodes.at(item);
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
                if (!Schema.VIF.keys().contains(key)) {
                    problems.error(where, "vif '" + s + "': unknown key '" + key + "'"
                            + Suggest.nearest(key, Schema.VIF.keys()).map(x -> "; did you mean '" + x + "'?").orElse(""));
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
}
