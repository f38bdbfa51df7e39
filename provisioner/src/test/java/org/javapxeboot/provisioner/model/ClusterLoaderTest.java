package org.javapxeboot.provisioner.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.StringReader;
import java.util.List;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(30)
class ClusterLoaderTest {

    static final String SEED = """
            defaults: { bootloader: /usr/bin/javapxeboot, kickstart: sl-basic.ks }
            domains:
              cagnode50:
                memory: 512          # MiB
                vcpus: 1
                vif: [ "mac=AA:00:86:e2:35:72" ]
                bootloader: /usr/bin/javapxeboot
                bootargs: "vif[0]"
                auto: true
                disk:
                  - { type: file, path: /var/xen-grid/cagnode50/fs/disk, device: sda, size: 10GiB, rw: w }
                  - { type: lvm, hostdevice: xenvg, hostvol: cagnode50-swap, device: hda3, size: 6GiB, rw: w }
            """;

    static Cluster load(String yaml) throws ModelException {
        return ClusterLoader.load("t.yaml", new StringReader(yaml));
    }

    static List<String> errors(String yaml) {
        ModelException e = assertThrows(ModelException.class, () -> load(yaml));
        return e.problems().stream().map(Problem::toString).collect(Collectors.toList());
    }

    static void assertHas(List<String> lines, String expected) {
        assertTrue(lines.stream().anyMatch(l -> l.contains(expected)), "no line containing [" + expected + "] in\n"
                + String.join("\n", lines));
    }

    /** Given the bytes (apply's stamp read them for its key), the loader plans from them, not from a second read of the file. */
    @Test
    void loadsTheBytesItIsGivenAndNamesTheFile(@org.junit.jupiter.api.io.TempDir java.nio.file.Path dir) throws Exception {
        java.nio.file.Path f = java.nio.file.Files.writeString(dir.resolve("c.yaml"), "domains: {}\n# since edited\n");
        Cluster c = ClusterLoader.load(f, SEED.getBytes(java.nio.charset.StandardCharsets.UTF_8));
        assertEquals("cagnode50", c.guests().get(0).name());
        assertEquals(new Location(f.toString(), 11, 9), c.guests().get(0).disks().get(0).where());
        ModelException e = assertThrows(ModelException.class, () -> ClusterLoader.load(f, new byte[] {(byte) 0xff, 'a'}));
        assertEquals(f + ":1:1: error: file is not valid UTF-8", e.problems().get(0).toString());
    }

    @Test
    void readsTheSeedExample() throws Exception {
        Cluster c = load(SEED);
        Guest g = c.guests().get(0);
        assertEquals("cagnode50", g.name());
        assertEquals(512, g.memoryMiB());
        assertEquals("aa:00:86:e2:35:72", g.bootMac());
        assertEquals(2, g.disks().size());
        Disk file = g.disks().get(0);
        assertEquals(Disk.Type.FILE, file.type());
        assertEquals(10L << 30, file.sizeBytes());
        assertEquals("sda", file.device());
        Disk lvm = g.disks().get(1);
        assertEquals("/dev/xenvg/cagnode50-swap", lvm.path());
        assertEquals("xenvg", lvm.vg());
        assertEquals("hda3", lvm.device());
        assertTrue(g.auto());
        assertEquals(Hypervisor.XEN, g.hypervisor());
        assertEquals("vif[0]", g.bootargs());
        assertEquals(new Location("t.yaml", 11, 9), file.where());
        assertEquals(ClusterLoader.DEFAULT_SERVER, c.server());
        assertTrue(c.warnings().isEmpty());
    }

    @Test
    void defaultsAreInheritedAndOverridden() throws Exception {
        Cluster c = load("""
                defaults: { memory: 1GiB, vcpus: 2, kickstart: debian-preseed.cfg, vars: { tz: UTC, lang: en } }
                domains:
                  a: { vif: ["mac=52:54:00:00:00:01"] }
                  b: { vif: ["mac=52:54:00:00:00:02"], vcpus: 4, kickstart: ~, vars: { tz: CET } }
                """);
        Guest a = c.guest("a").orElseThrow();
        Guest b = c.guest("b").orElseThrow();
        assertEquals(1024, a.memoryMiB());
        assertEquals(2, a.vcpus());
        assertEquals("debian-preseed.cfg", a.kickstart());
        assertEquals(4, b.vcpus());
        assertEquals(ClusterLoader.DEFAULT_KICKSTART, b.kickstart(), "explicit null restores the built-in default");
        assertEquals("CET", b.vars().get("tz"));
        assertEquals("en", b.vars().get("lang"));
        assertEquals(4, b.whereIs("vcpus").line());
        assertEquals(1, a.whereIs("vcpus").line(), "inherited fields point at the defaults");
    }

    @Test
    void domainsAsAListWithNames() throws Exception {
        Cluster c = load("""
                domains:
                  - { name: n1, vif: ["mac=52:54:00:00:00:01"] }
                  - { name: n2, vif: ["mac=52:54:00:00:00:02, bridge=xenbr0"] }
                """);
        assertEquals(List.of("n1", "n2"), c.guests().stream().map(Guest::name).toList());
        assertEquals("xenbr0", c.guests().get(1).vifs().get(0).bridge());
    }

    @Test
    void everyErrorAtOnceWithLocations() {
        List<String> e = errors("""
                domains:
                  a:
                    memroy: 512
                    vcpus: 0
                    vif: ["mac=52:54:00:00:00:01"]
                    disk:
                      - { type: file, path: /x/a, size: 10 }
                      - { type: lvm, hostdevice: vg, hostvol: snapshot1, size: 1GiB }
                      - { type: disk, path: /x/b }
                  b:
                    vif: ["mac=52:54:00:00:00:01"]
                    disk: [ { type: file, path: /x/a, size: 1GiB } ]
                    on_crash: restrat
                """);
        assertHas(e, "t.yaml:3:5: error: unknown key 'memroy' in domain 'a'; did you mean 'memory'?");
        assertHas(e, "t.yaml:4:12: error: 'vcpus' is 0; it must be from 1 to 512");
        assertHas(e, "t.yaml:7:41: error: size 10 is below 1MiB; a plain number is bytes: did you mean 10GiB?");
        assertHas(e, "t.yaml:8:47: error: LVM refuses logical volume names starting with 'snapshot'");
        assertHas(e, "t.yaml:9:17: error: 'type' must be one of file, lvm, phy, got 'disk'");
        assertHas(e, "t.yaml:11:11: error: MAC 52:54:00:00:00:01 is given to both 'a' (at 5:11) and 'b'");
        assertHas(e, "t.yaml:12:13: error: disk /x/a is given to both 'a' (at 7:9) and 'b'");
        assertHas(e, "t.yaml:13:15: error: 'on_crash' must be one of");
        assertHas(e, "did you mean 'restart'?");
    }

    @Test
    void duplicateKeysAreAllReported() {
        List<String> e = errors("""
                domains:
                  a:
                    memory: 512
                    vif: ["mac=52:54:00:00:00:01"]
                    memory: 1024
                    vcpus: 1
                    vcpus: 2
                """);
        assertHas(e, "t.yaml:5:5: error: duplicate key 'memory' in domain 'a' (first given at 3:5)");
        assertHas(e, "t.yaml:7:5: error: duplicate key 'vcpus' in domain 'a' (first given at 6:5)");
    }

    @Test
    void unsafeNamesAreRefused() {
        for (String name : List.of("'../etc'", "'a/b'", "'.hidden'", "'-rf'", "''")) {
            List<String> e = errors("domains:\n  " + name + ": { vif: [\"mac=52:54:00:00:00:01\"] }\n");
            assertTrue(e.get(0).startsWith("t.yaml:2:3: error: domain name"), name + " -> " + e);
        }
        assertHas(errors("domains:\n  - { name: ../x, vif: [\"mac=52:54:00:00:00:01\"] }\n"), "would not be a safe file name");
    }

    @Test
    void badLvmNames() {
        for (String lv : List.of("-lv", "..", "lv_mlog", "x_rimage_0", "pvmove0", "has space", "tilde~")) {
            List<String> e = errors("domains:\n  a:\n    vif: [\"mac=52:54:00:00:00:01\"]\n"
                    + "    disk: [ { type: lvm, hostdevice: vg0, hostvol: '" + lv + "', size: 1GiB } ]\n");
            assertHas(e, "t.yaml:4:");
            assertHas(e, "LVM");
        }
        assertHas(errors("domains:\n  a:\n    vif: [\"mac=52:54:00:00:00:01\"]\n"
                + "    disk: [ { type: lvm, hostdevice: '-vg', hostvol: lv, size: 1GiB } ]\n"), "LVM refuses volume group name '-vg'");
    }

    @Test
    void yaml11BooleansWarnForBooleanFieldsAndStayStringsElsewhere() throws Exception {
        Cluster c = load("""
                domains:
                  no:
                    vif: ["mac=52:54:00:00:00:01"]
                    auto: yes
                    bootargs: off
                """);
        Guest g = c.guests().get(0);
        assertEquals("no", g.name());
        assertTrue(g.auto());
        assertEquals("off", g.bootargs());
        assertEquals(1, c.warnings().size());
        assertEquals("t.yaml:4:11: warning: 'auto: yes' is read as true (YAML 1.1); write 'true'", c.warnings().get(0).toString());
        assertHas(errors("domains:\n  a: { vif: [\"mac=52:54:00:00:00:01\"], auto: maybe }\n"), "'auto' must be true or false");
    }

    @Test
    void billionLaughsIsRefused() {
        StringBuilder y = new StringBuilder("a: &a [\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\"]\n");
        for (char c = 'b'; c <= 'j'; c++) {
            char p = (char) (c - 1);
            y.append(c).append(": &").append(c).append(" [");
            for (int i = 0; i < 9; i++) {
                y.append(i == 0 ? "" : ",").append('*').append(p);
            }
            y.append("]\n");
        }
        List<String> e = errors(y.toString());
        assertHas(e, "aliases");
        assertEquals(1, e.size(), e.toString());
    }

    @Test
    void deepNestingIsRefused() {
        String y = "domains: " + "[".repeat(500) + "]".repeat(500) + "\n";
        assertHas(errors(y), "nesting deeper than 32 levels");
    }

    @Test
    void javaTagsAreRefused() {
        List<String> e = errors("""
                domains:
                  a:
                    vif: ["mac=52:54:00:00:00:01"]
                    extra: !!javax.script.ScriptEngineManager [!!java.net.URLClassLoader [[!!java.net.URL ["http://127.0.0.1/"]]]]
                """);
        assertHas(e, "t.yaml:4:12: error: tag 'tag:yaml.org,2002:javax.script.ScriptEngineManager' is not allowed");
        assertHas(errors("domains: !foo {}\n"), "tag '!foo' is not allowed");
    }

    @Test
    void hugeStringIsRefusedWithoutReadingItAll() {
        String y = "domains:\n  a:\n    vif: [\"mac=52:54:00:00:00:01\"]\n    extra: \"" + "x".repeat(10 * 1024 * 1024) + "\"\n";
        List<String> e = errors(y);
        assertHas(e, "longer than " + ClusterLoader.MAX_CHARS + " characters");
        String medium = "domains:\n  a:\n    vif: [\"mac=52:54:00:00:00:01\"]\n    extra: \"" + "x".repeat(5000) + "\"\n";
        assertHas(errors(medium), "t.yaml:4:12: error: 'extra' is 5000 characters long; the limit is 4096");
    }

    @Test
    void controlCharactersAndBadVifs() {
        List<String> e = errors("""
                domains:
                  a:
                    vif: ["mac=01:00:5e:00:00:01", "bridge=br0", "mac=52:54:00:00:00:09, brige=x", "mac=zz"]
                    extra: "a\\nb"
                """);
        assertHas(e, "multicast MAC");
        assertHas(e, "has no mac=");
        assertHas(e, "did you mean 'bridge'?");
        assertHas(e, "'zz' is not a MAC address");
        assertHas(e, "t.yaml:4:12: error: 'extra' contains a control character (\\x0a)");
    }

    @Test
    void diskRules() {
        List<String> e = errors("""
                domains:
                  a:
                    vif: ["mac=52:54:00:00:00:01"]
                    disk:
                      - { type: file, path: "/x/../etc/passwd", size: 1GiB }
                      - { type: file, path: "/x/a,b", size: 1GiB }
                      - { type: lvm, hostdevice: vg, hostvol: lv, path: /dev/vg/lv, size: 1GiB }
                      - { type: phy, path: /dev/sdb, create: true }
                      - { type: file, path: /x/nosize }
                      - { type: file, path: /x/c, size: 1GiB, device: sda, guestdevice: sdb }
                      - { type: file, path: /x/d, size: 10XB, rw: rw }
                """);
        assertHas(e, "contains '..'");
        assertHas(e, "contains ','");
        assertHas(e, "not 'path'");
        assertHas(e, "phy disks are existing devices");
        assertHas(e, "file disk has no 'size'");
        assertHas(e, "not both");
        assertHas(e, "unknown size unit 'XB'");
        assertHas(e, "'rw' must be one of r, w");
    }

    @Test
    void kvmNeedsKernelAndRamdisk() {
        assertHas(errors("domains:\n  k: { hypervisor: kvm, vif: [\"mac=52:54:00:00:00:01\"] }\n"), "direct kernel boot");
        assertHas(errors("domains:\n  k: { hypervisor: kvm, vif: [\"mac=52:54:00:00:00:01\"] }\n"), "or 'install_boot: network'");
    }

    @Test
    void networkInstallNeedsNoKernelAndOnlyOnKvmOrQemu() throws Exception {
        Guest g = load("domains:\n  k: { hypervisor: qemu, install_boot: network, console_log: logs/k.console,"
                + " vif: [\"mac=52:54:00:00:00:01\"] }\n").guests().get(0);
        assertTrue(g.networkInstall());
        assertEquals("logs/k.console", g.consoleLog());
        assertEquals(null, g.kernel());
        assertEquals("kernel", load("domains:\n  k: { hypervisor: kvm, kernel: /k, ramdisk: /r,"
                + " vif: [\"mac=52:54:00:00:00:01\"] }\n").guests().get(0).installBoot(), "the default");
        List<String> e = errors("domains:\n  x:\n    vif: [\"mac=aa:00:00:00:00:01\"]\n    install_boot: network\n"
                + "    console_log: /var/log/x.console\n");
        assertHas(e, "t.yaml:4:19: error: domain 'x' is xen: 'install_boot: network' is for kvm and qemu guests");
        assertHas(e, "t.yaml:5:18: error: domain 'x' is xen: 'console_log' is for kvm and qemu guests");
        assertHas(errors("domains:\n  k: { hypervisor: kvm, install_boot: pxe, vif: [\"mac=52:54:00:00:00:01\"] }\n"),
                "must be one of kernel, network");
        assertHas(errors("domains:\n  k: { hypervisor: kvm, install_boot: network, console_log: ../../etc/shadow,"
                + " vif: [\"mac=52:54:00:00:00:01\"] }\n"), "console_log: path '../../etc/shadow' contains '..'");
    }

    @Test
    void firmwareAndBootAreCheckedWhereTheyAreGiven() throws Exception {
        Guest g = load("domains:\n  u: { hypervisor: kvm, install_boot: network, firmware: uefi, boot: http,"
                + " vif: [\"mac=52:54:00:00:00:01\"] }\n").guests().get(0);
        assertTrue(g.uefi());
        assertEquals("http", g.boot());
        Guest plain = load("domains:\n  k: { hypervisor: kvm, install_boot: network, vif: [\"mac=52:54:00:00:00:01\"] }\n")
                .guests().get(0);
        assertEquals("bios", plain.firmware(), "the default");
        assertEquals("tftp", plain.boot(), "the default");
        assertFalse(plain.uefi());
        assertHas(errors("domains:\n  x:\n    vif: [\"mac=aa:00:00:00:00:01\"]\n    firmware: uefi\n"),
                "t.yaml:4:15: error: domain 'x' is xen: 'firmware: uefi' is for kvm and qemu guests");
        assertHas(errors("domains:\n  k:\n    hypervisor: kvm\n    install_boot: network\n    boot: http\n"
                + "    vif: [\"mac=52:54:00:00:00:01\"]\n"), "t.yaml:5:11: error: domain 'k': 'boot: http' needs 'firmware: uefi'");
        assertHas(errors("domains:\n  k:\n    hypervisor: kvm\n    kernel: /k\n    ramdisk: /r\n    firmware: uefi\n"
                + "    boot: http\n    vif: [\"mac=52:54:00:00:00:01\"]\n"), "t.yaml:7:11: error: domain 'k': 'boot: http'"
                + " is how a network install fetches the installer: give 'install_boot: network' too");
        assertHas(errors("defaults: { boot: http }\ndomains:\n  k: { hypervisor: kvm, install_boot: network,"
                + " vif: [\"mac=52:54:00:00:00:01\"] }\n"), "t.yaml:1:19: error: domain 'k': 'boot: http' needs");
        assertHas(errors("domains:\n  k: { hypervisor: kvm, install_boot: network, firmware: efi,"
                + " vif: [\"mac=52:54:00:00:00:01\"] }\n"), "must be one of bios, uefi");
    }

    @Test
    void defaultsCannotCarryPerGuestThings() {
        assertHas(errors("defaults: { vif: [\"mac=52:54:00:00:00:01\"] }\ndomains:\n  a: { vif: [\"mac=52:54:00:00:00:02\"] }\n"),
                "t.yaml:1:18: error: 'vif' cannot be given in defaults");
    }

    @Test
    void syntaxErrorsAreLocated() {
        List<String> e = errors("domains:\n  a: { vif: [\n");
        assertTrue(e.get(0).startsWith("t.yaml:3:1: error: YAML syntax"), e.toString());
        assertHas(errors(""), "empty");
        assertHas(errors("- 1\n"), "top level must be a mapping");
    }

    @Test
    void volumeGroups() throws Exception {
        Cluster c = load("volume_groups: { xenvg: { pvs: [/dev/loop7] } }\ndomains:\n  a: { vif: [\"mac=52:54:00:00:00:01\"] }\n");
        assertEquals(List.of("/dev/loop7"), c.volumeGroups().get("xenvg").pvs());
        assertHas(errors("volume_groups: { xenvg: { pvs: [/etc/passwd] } }\ndomains: {}\n"), "must be a device path under /dev/");
    }

    @Test
    void sizes() {
        assertEquals(10L << 30, Size.parse("10GiB"));
        assertEquals(10_000_000_000L, Size.parse("10GB"));
        assertEquals(6L << 30, Size.parse("6G"));
        assertEquals(1536L << 20, Size.parse("1.5GiB"));
        assertEquals(512L << 20, Size.parse("512 MiB"));
        assertEquals(3L << 40, Size.parse("3TiB"));
        assertEquals(3_000_000_000_000L, Size.parse("3TB"));
        assertEquals(4096, Size.parse("4096"));
        assertThrows(IllegalArgumentException.class, () -> Size.parse("1.5B"));
        assertThrows(IllegalArgumentException.class, () -> Size.parse("-1GiB"));
        assertThrows(IllegalArgumentException.class, () -> Size.parse("99999999TiB"));
        assertEquals("10GiB", Size.format(10L << 30));
        assertEquals("1000000000B", Size.format(1_000_000_000L));
    }

    @Test
    void suggestions() {
        assertEquals("memory", Suggest.nearest("memroy", Schema.DOMAIN.keys()).orElseThrow());
        assertEquals("hostvol", Suggest.nearest("hostvolume", Schema.DISK.keys()).orElseThrow());
        assertFalse(Suggest.nearest("zzzzzzzzz", Schema.DOMAIN.keys()).isPresent());
    }
}
