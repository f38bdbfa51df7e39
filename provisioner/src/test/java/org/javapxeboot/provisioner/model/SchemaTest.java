package org.javapxeboot.provisioner.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.StringReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/**
 * The schema table is the one place the YAML's keys are written: the reference in
 * README.md ("The YAML file") is rendered from it, the loader accepts exactly its keys, and an unknown key
 * is answered with a suggestion from it.
 */
class SchemaTest {
    static final Path DOC = Path.of("..", "README.md");
    static final String BEGIN = "<!-- schema:begin -->\n";
    static final String END = "<!-- schema:end -->";

    @Test
    void theReadmesYamlReferenceIsRenderedFromTheSchema() throws Exception {
        String doc = Files.readString(DOC, StandardCharsets.UTF_8);
        int b = doc.indexOf(BEGIN);
        int e = doc.indexOf(END);
        assertTrue(b >= 0 && e > b, DOC + " has no " + BEGIN.strip() + " ... " + END + " block for the YAML reference");
        String want = Schema.markdown();
        if (Boolean.getBoolean("golden.update")) {
            Files.writeString(DOC, doc.substring(0, b + BEGIN.length()) + want + doc.substring(e), StandardCharsets.UTF_8);
            return;
        }
        assertEquals(want, doc.substring(b + BEGIN.length(), e), "the YAML reference in " + DOC + " differs from"
                + " model/Schema.java; regenerate it with: mvn -pl provisioner test -Dtest=SchemaTest -Dgolden.update=true");
    }

    // ---- every key of the table is read by the loader ----

    static final String VIF = "mac=52:54:00:00:00:01";

    /** A valid value for a field, chosen by its kind (and, where the kind is not enough, its name). */
    static String sample(Schema.Section s, Schema.Field f) {
        switch (f.name()) {
            case "name": return "a";
            case "domains": return "{a: {vif: [\"" + VIF + "\"]}}";
            case "defaults": return "{memory: 1GiB}";
            case "volume_groups": return "{vg0: {pvs: [/dev/sdb]}}";
            case "path": return "/srv/b.img";
            case "device": case "guestdevice": return "xvdc";
            case "bridge": return "xenbr0";
            case "ip": return "192.0.2.5";
            case "mac": return "AA-00-86-E2-35-72";
            default: break;
        }
        switch (f.kind()) {
            case TEXT: case VIF_OPTION: return "x";
            case INTEGER: return String.valueOf(f.max());
            case MEMORY: return "1GiB";
            case BOOLEAN: return "true";
            case CHOICE: return f.choices().get(0);
            case TEMPLATE: return "sl-basic.ks";
            case SIZE: return "2GiB";
            case URL: return "http://192.0.2.1:8069";
            case LIST: return "[/dev/sdb]";
            case VARS: return "{x: y}";
            case VIFS: return "[\"" + VIF + "\"]";
            case DISKS: return "[{type: file, path: /srv/a.img, size: 1GiB}]";
            case PRINCIPALS: return "[alice@EXAMPLE.ORG, host/skirit80.ics.muni.cz@META]";
            default: throw new AssertionError("no sample for kind " + f.kind() + " of " + s.name() + "." + f.name());
        }
    }

    static String flow(Map<String, String> m) {
        return m.entrySet().stream().map(e -> e.getKey() + ": " + e.getValue()).collect(Collectors.joining(", ", "{", "}"));
    }

    /** A whole document in which {@code key: value} sits in {@code section}, everything else minimal and valid. */
    static String document(Schema.Section section, String key, String value) {
        Map<String, String> top = new LinkedHashMap<>();
        Map<String, String> domain = new LinkedHashMap<>();
        domain.put("vif", "[\"" + VIF + "\"]");
        Map<String, String> disk = new LinkedHashMap<>(Map.of("type", "file", "path", "/srv/a.img", "size", "1GiB"));
        Map<String, String> vg = new LinkedHashMap<>(Map.of("pvs", "[/dev/sdb]"));
        String vif = VIF;
        if (section == Schema.TOP) {
            top.put(key, value);
        } else if (section == Schema.DOMAIN) {
            if (key.equals("console_log")) { // kvm and qemu guests only
                domain.put("hypervisor", "qemu");
                domain.put("install_boot", "network");
            }
            domain.put(key, value);
        } else if (section == Schema.DISK) {
            if (key.equals("hostdevice") || key.equals("hostvol")) {
                disk = new LinkedHashMap<>(Map.of("type", "lvm", "hostdevice", "vg0", "hostvol", "lv0", "size", "1GiB"));
            }
            disk.put(key, value);
            domain.put("disk", "[" + flow(disk) + "]");
        } else if (section == Schema.VIF) {
            vif = key.equals("mac") ? "mac=" + value : VIF + ", " + key + "=" + value;
            domain.put("vif", "[\"" + vif + "\"]");
        } else if (section == Schema.VOLUME_GROUP) {
            vg.put(key, value);
            top.put("volume_groups", "{vg0: " + flow(vg) + "}");
        } else {
            throw new AssertionError(section.name());
        }
        top.putIfAbsent("domains", "{a: " + flow(domain) + "}");
        return top.entrySet().stream().map(e -> e.getKey() + ": " + e.getValue() + "\n").collect(Collectors.joining());
    }

    static List<Problem> problems(String yaml) {
        try {
            ClusterLoader.load("s.yaml", new StringReader(yaml));
            return List.of();
        } catch (ModelException e) {
            return e.problems();
        }
    }

    @Test
    void everyFieldOfTheTableIsAcceptedByTheLoader() {
        int fields = 0;
        for (Schema.Section s : Schema.SECTIONS) {
            for (Schema.Field f : s.fields()) {
                String yaml = document(s, f.name(), sample(s, f));
                List<Problem> p = problems(yaml);
                assertEquals(List.of(), p, s.name() + "." + f.name() + " in:\n" + yaml);
                fields++;
            }
        }
        assertEquals(Schema.SECTIONS.stream().mapToInt(s -> s.fields().size()).sum(), fields);
    }

    @Test
    void theDefaultsOfTheTableAreWhatAGuestGets() throws Exception {
        Guest g = ClusterLoader.load("s.yaml", new StringReader(document(Schema.DOMAIN, "vcpus", "1"))).guests().get(0);
        assertEquals(Schema.DOMAIN.defaultOf("memory"), g.memoryMiB());
        assertEquals(Schema.DOMAIN.defaultOf("bootloader"), g.bootloader());
        assertEquals(Schema.DOMAIN.defaultOf("kickstart"), g.kickstart());
        assertEquals(Schema.DOMAIN.defaultOf("on_crash"), g.onCrash());
        assertEquals(Schema.DOMAIN.defaultOf("hypervisor"), g.hypervisor());
        assertEquals(Schema.DOMAIN.defaultOf("install_initrd"), g.installInitrd());
    }

    static final Map<Schema.Section, String> CONTEXT = Map.of(Schema.TOP, "top level", Schema.DOMAIN, "domain 'a'",
            Schema.DISK, "disk of domain 'a'", Schema.VOLUME_GROUP, "volume group 'vg0'");

    @Test
    void everyMistypedKeyGetsASuggestionFromTheTable() {
        for (Schema.Section s : Schema.SECTIONS) {
            for (Schema.Field f : s.fields()) {
                String typo = f.name() + "x";
                String suggestion = Suggest.nearest(typo, s.keys()).orElseThrow(() -> new AssertionError(typo));
                assertTrue(s.keys().contains(suggestion));
                String yaml = document(s, typo, s == Schema.VIF ? "x" : sample(s, f));
                String want = s == Schema.VIF
                        ? "vif '" + VIF + ", " + typo + "=x': unknown key '" + typo + "'; did you mean '" + suggestion + "'?"
                        : "unknown key '" + typo + "' in " + CONTEXT.get(s) + "; did you mean '" + suggestion + "'?";
                List<Problem> p = problems(yaml);
                if (p.stream().noneMatch(x -> x.message().equals(want))) {
                    fail("expected \"" + want + "\" for\n" + yaml + "got " + p);
                }
            }
        }
    }

    @Test
    void aKeyNothingIsNearListsTheKnownKeysOfTheTable() {
        for (Schema.Section s : List.of(Schema.TOP, Schema.DOMAIN, Schema.DISK, Schema.VOLUME_GROUP)) {
            String yaml = document(s, "zzzzzzzzzzzz", "1");
            String want = "unknown key 'zzzzzzzzzzzz' in " + CONTEXT.get(s) + "; known keys: "
                    + String.join(", ", new TreeSet<>(s.keys()));
            assertTrue(problems(yaml).stream().anyMatch(x -> x.message().equals(want)), want + " for\n" + yaml);
        }
    }
}
