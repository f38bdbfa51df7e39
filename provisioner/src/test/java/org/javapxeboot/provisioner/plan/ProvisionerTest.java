package org.javapxeboot.provisioner.plan;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.StringReader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.javapxeboot.provisioner.Fixtures;
import org.javapxeboot.provisioner.model.Cluster;
import org.javapxeboot.provisioner.model.ClusterLoader;
import org.javapxeboot.provisioner.model.Disk;
import org.javapxeboot.provisioner.model.Guest;
import org.javapxeboot.provisioner.render.Kickstart;
import org.javapxeboot.provisioner.render.PxelinuxEntry;
import org.javapxeboot.provisioner.storage.FileDisks;
import org.javapxeboot.provisioner.storage.Lvm;
import org.javapxeboot.provisioner.storage.LvmSimulator;
import org.javapxeboot.xman.vm.LibvirtVmControl;
import org.javapxeboot.xman.vm.VmControl;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** plan/apply against libvirt's test driver (a fresh node per test) and a real folder. */
@Timeout(60)
class ProvisionerTest {

    static final String YAML = "server: http://127.0.0.1:8069\n"
            + "defaults:\n" + Fixtures.VARS
            + "domains:\n"
            + "  g1:\n"
            + "    auto: true\n"
            + "    vif: [\"mac=52:54:00:00:00:01, bridge=xenbr0\"]\n"
            + "    disk: [ { type: file, path: disks/g1.img, size: 16MiB } ]\n"
            + "  g2:\n"
            + "    hypervisor: qemu\n"
            + "    kernel: /boot/vmlinuz\n"
            + "    ramdisk: /boot/initrd.img\n"
            + "    kickstart: debian-preseed.cfg\n"
            + "    vif: [\"mac=52:54:00:00:00:02\"]\n"
            + "    disk: [ { type: file, path: disks/g2.img, size: 8MiB } ]\n";

    @TempDir Path dir;
    Path out;
    LibvirtVmControl vm;
    Layout layout;

    @BeforeEach
    void host() throws Exception {
        Path node = dir.resolve("node.xml");
        Files.writeString(node, "<node/>\n");
        vm = new LibvirtVmControl("test://" + node);
        out = dir.resolve("out");
        layout = Layout.of(out, null);
    }

    @AfterEach
    void close() {
        vm.close();
    }

    Cluster load(String yaml) throws Exception {
        return ClusterLoader.load("c.yaml", new StringReader(yaml));
    }

    Provisioner provisioner(Cluster c, Provisioner.Options o, FileDisks files, Lvm lvm, VmControl control) {
        return new Provisioner(c, layout, new Kickstart(Fixtures.TEMPLATES), lvm, files, control, o, Reporter.SILENT);
    }

    Provisioner provisioner(Cluster c) {
        return provisioner(c, Provisioner.Options.DEFAULT, new FileDisks(), null, vm);
    }

    static List<String> kinds(List<Action> actions) {
        return actions.stream().map(a -> a.kind().name() + " " + a.guest()).collect(Collectors.toList());
    }

    @Test
    void planTouchesNothing() throws Exception {
        Provisioner.Plan plan = provisioner(load(YAML)).plan();
        assertTrue(plan.hasChanges());
        assertFalse(Files.exists(out), "plan must not create the output folder");
        assertTrue(vm.list().isEmpty());
        assertEquals("Plan: 12 to create, 1 to change, 2 to start, 0 differing (left alone); 0 of 2 guest(s) unchanged.",
                plan.summary());
    }

    @Test
    void applyThenApplyAgainChangesNothing() throws Exception {
        Cluster c = load(YAML);
        Report first = provisioner(c).apply();
        assertTrue(first.ok(), first.failures().toString());
        assertEquals(first.plan().actions().size(), first.done().size());
        assertTrue(Files.exists(out.resolve("disks/g1.img")));
        assertEquals(16L << 20, Files.size(out.resolve("disks/g1.img")));
        assertTrue(Files.exists(out.resolve("xen/g1.cfg")));
        assertFalse(Files.exists(out.resolve("xen/g2.cfg")), "no Xen configs for a qemu guest");
        assertTrue(Files.readString(layout.pxelinux(c.guest("g1").orElseThrow())).contains(PxelinuxEntry.MARK_INSTALL));
        assertEquals(VmControl.DomainState.RUNNING, vm.lookup("g1").state());
        assertTrue(vm.lookup("g1").autostart());
        assertFalse(vm.lookup("g2").autostart());

        Provisioner.Plan again = provisioner(c).plan();
        assertFalse(again.hasChanges(), again.actions().toString());
        assertEquals(2, again.unchangedGuests());
        Report second = provisioner(c).apply();
        assertTrue(second.ok());
        assertEquals(List.of(), second.done());
    }

    @Test
    void aStoppedGuestIsStartedAndAChangedYamlRedefines() throws Exception {
        Cluster c = load(YAML);
        provisioner(c).apply();
        vm.destroy("g2");
        Cluster bigger = load(YAML.replace("  g1:\n", "  g1:\n    memory: 1024\n"));
        Provisioner.Plan plan = provisioner(bigger).plan();
        // g2 (qemu) ran its installer and stopped without an ack: it is kept on its disk (its saved
        // definition is brought in line with that) and started from its disk, never the installer
        assertEquals(List.of("UPDATE_FILE g1", "UPDATE_FILE g1", "REDEFINE g1", "UPDATE_FILE g1", "DIFFERS g2",
                "REDEFINE g2", "UPDATE_FILE g2", "START g2"), kinds(plan.actions()));
        Report rb = provisioner(bigger).apply();
        assertTrue(rb.ok(), rb.failures().toString());
        assertEquals(512L << 10, vm.lookup("g1").maxMemoryKiB(), "a running guest keeps its memory until it restarts");
        vm.destroy("g1");
        assertEquals(1024L << 10, vm.lookup("g1").maxMemoryKiB(), "the new definition applies from the next boot");
        assertEquals(VmControl.DomainState.RUNNING, vm.lookup("g2").state());
        assertFalse(vm.describe("g2").contains("<kernel>"), vm.describe("g2"));
    }

    /**
     * The installer ran, the ack was missed, the guest is shut off; the admin changes its YAML (or
     * deletes OUT/libvirt/NAME.xml): apply keeps it on its disk (its kickstart's clearpart would
     * wipe it). Only --reinstall NAME defines the installer again and starts it.
     */
    @Test
    void aGuestOnItsDiskWithoutAnAckIsNeverReinstalledUnlessAsked() throws Exception {
        Cluster c = load(YAML);
        assertTrue(provisioner(c).apply().ok());
        assertTrue(vm.describe("g2").contains("<kernel>"), "the installer runs");
        vm.destroy("g2"); // the installer finished; its ack never arrived
        Files.delete(layout.domainXml(c.guest("g2").orElseThrow()));
        Cluster changed = load(YAML.replace("    kickstart: debian-preseed.cfg\n", "    kickstart: debian-preseed.cfg\n    memory: 1024\n"));
        Provisioner.Plan plan = provisioner(changed).plan();
        Action kept = plan.actions().stream().filter(a -> a.kind() == Action.Kind.DIFFERS).findFirst().orElseThrow();
        assertEquals("g2", kept.guest());
        assertTrue(kept.detail().contains("kept on its disk; --reinstall g2 to reinstall"), kept.toString());
        assertTrue(plan.actions().stream().anyMatch(a -> a.kind() == Action.Kind.START && a.detail().equals("boots its disk")),
                plan.actions().toString());
        assertTrue(provisioner(changed).apply().ok());
        assertEquals(VmControl.DomainState.RUNNING, vm.lookup("g2").state());
        assertFalse(vm.describe("g2").contains("<kernel>"), "started from its disk, not the installer: " + vm.describe("g2"));
        assertFalse(provisioner(changed).plan().hasChanges(), provisioner(changed).plan().actions().toString());

        vm.destroy("g2");
        Provisioner.Options again = new Provisioner.Options(false, false, true, java.util.Set.of("g2"));
        Provisioner.Plan re = provisioner(changed, again, new FileDisks(), null, vm).plan();
        assertEquals(List.of("REDEFINE g2", "UPDATE_FILE g2", "START g2"), kinds(re.actions()));
        assertEquals("boots the installer", re.actions().get(2).detail());
        assertTrue(provisioner(changed, again, new FileDisks(), null, vm).apply().ok());
        assertTrue(vm.describe("g2").contains("<kernel>"), "--reinstall runs the installer: " + vm.describe("g2"));
        assertFalse(vm.describeInactive("g2").contains("<kernel>"), "and its next boot is the disk again");
        assertFalse(provisioner(changed).plan().hasChanges(), "the installer runs: nothing to change");
    }

    @Test
    void neverLosesADisk() throws Exception {
        Path g1 = Files.createDirectories(out.resolve("disks")).resolve("g1.img");
        byte[] data = new byte[32 << 20];
        data[0] = 42;
        data[data.length - 1] = 7;
        Files.write(g1, data); // larger than the YAML's 16MiB
        Path g2 = out.resolve("disks/g2.img");
        Files.write(g2, new byte[] {1, 2, 3}); // smaller than the YAML's 8MiB
        Cluster c = load(YAML);
        Report r = provisioner(c).apply();
        assertTrue(r.ok(), r.failures().toString());
        assertArrayEquals(data, Files.readAllBytes(g1), "a larger disk is never shrunk");
        assertArrayEquals(new byte[] {1, 2, 3}, Files.readAllBytes(g2), "a smaller disk is not grown without --grow");
        List<Action> differs = r.plan().actions().stream().filter(a -> a.kind() == Action.Kind.DIFFERS).toList();
        assertEquals(2, differs.size());
        assertTrue(differs.get(0).toString().contains("is 32MiB, YAML says 16MiB; never shrunk"), differs.get(0).toString());
        assertTrue(differs.get(1).toString().contains("--grow grows it"), differs.get(1).toString());

        Provisioner.Options grow = new Provisioner.Options(true, false, true);
        Report whileRunning = provisioner(c, grow, new FileDisks(), null, vm).apply();
        assertTrue(whileRunning.ok());
        assertArrayEquals(new byte[] {1, 2, 3}, Files.readAllBytes(g2), "never grown under a running guest");
        assertTrue(whileRunning.plan().actions().stream().anyMatch(a -> a.toString().contains("not grown while the guest runs")),
                whileRunning.plan().actions().toString());
        vm.destroy("g2");
        Report grown = provisioner(c, grow, new FileDisks(), null, vm).apply();
        assertTrue(grown.ok());
        assertEquals(8L << 20, Files.size(g2));
        byte[] head = new byte[3];
        System.arraycopy(Files.readAllBytes(g2), 0, head, 0, 3);
        assertArrayEquals(new byte[] {1, 2, 3}, head, "growing keeps the data");
        assertArrayEquals(data, Files.readAllBytes(g1), "--grow still never shrinks");
    }

    @Test
    void fullDiskStopsThatGuestLeavesNothingHalfDoneAndASecondRunRecovers() throws Exception {
        Cluster c = load(YAML);
        FileDisks full = new FileDisks((file, from, to, pre, what, progress) -> {
            if (what.endsWith("g1.img")) {
                file.write(java.nio.ByteBuffer.wrap(new byte[4096]), 0);
                throw new IOException("No space left on device");
            }
            FileDisks.extendSparse(file, to);
        });
        Report r = provisioner(c, Provisioner.Options.DEFAULT, full, null, vm).apply();
        assertFalse(r.ok());
        assertEquals(1, r.failures().size());
        String f = r.failures().get(0);
        assertTrue(f.startsWith("c.yaml:5:3: g1: " + out.resolve("disks/g1.img") + ": creating 16MiB failed: No space left"
                + " on device; the partial file was removed"), f);
        assertFalse(Files.exists(out.resolve("disks/g1.img")));
        assertFalse(Files.exists(out.resolve("xen/g1.cfg")), "g1 stopped at its first failure");
        assertThrows(org.javapxeboot.xman.vm.VirtException.class, () -> vm.lookup("g1"));
        assertTrue(r.done().stream().allMatch(a -> a.guest().equals("g2")), "exactly what was done: all of g2");
        assertEquals(VmControl.DomainState.RUNNING, vm.lookup("g2").state());

        Report again = provisioner(c).apply();
        assertTrue(again.ok());
        assertTrue(again.done().stream().allMatch(a -> a.guest().equals("g1")), again.done().toString());
        assertFalse(provisioner(c).plan().hasChanges());
    }

    /** libvirt's own validation refuses the XML: the guest is stopped before its configs are written. */
    @Test
    void libvirtRefusingTheXmlIsLocatedAndNothingClaimsTheDomain() throws Exception {
        Cluster ok = load(YAML);
        Guest g1 = ok.guest("g1").orElseThrow();
        // built directly: the loader itself refuses duplicate guest devices, libvirt must too
        Disk d = g1.disks().get(0);
        Guest bad = new Guest(g1.name(), g1.memoryMiB(), g1.vcpus(), g1.vifs(),
                List.of(d, new Disk(Disk.Type.FILE, d.path() + "2", null, null, d.device(), d.sizeBytes(), true, true, d.where())),
                g1.bootloader(), g1.bootargs(), null, null, null, "destroy", "restart", "restart", false, null,
                g1.kickstart(), g1.hypervisor(), g1.installKernel(), g1.installInitrd(), g1.vars(), 0, List.of(), "kernel", null, g1.where(), g1.fields());
        Cluster c = new Cluster("c.yaml", ok.server(), List.of(bad, ok.guest("g2").orElseThrow()), Map.of(), List.of());
        Report r = provisioner(c).apply();
        assertEquals(1, r.failures().size());
        assertTrue(r.failures().get(0).startsWith("c.yaml:5:3: g1: define: XML error: target 'xvda' duplicated"),
                r.failures().get(0));
        assertFalse(Files.exists(out.resolve("xen/g1.cfg")));
        assertFalse(Files.exists(layout.pxelinux(bad)), "no pxelinux entry for a guest libvirt does not have");
        assertEquals(VmControl.DomainState.RUNNING, vm.lookup("g2").state());
        // the disks made before the refusal are listed as done, and kept
        assertTrue(r.done().stream().anyMatch(a -> a.kind() == Action.Kind.CREATE_DISK && a.guest().equals("g1")));
        // fixed YAML: the second run recovers
        Report again = provisioner(ok).apply();
        assertTrue(again.ok(), again.failures().toString());
        assertEquals(VmControl.DomainState.RUNNING, vm.lookup("g1").state());
    }

    /** A kickstart an older version wrote 0644 (same content) is rewritten 0640: plan shows it. */
    @Test
    void anUnchangedKickstartWithTheWrongModeIsRewritten() throws Exception {
        Cluster c = load(YAML);
        assertTrue(provisioner(c).apply().ok());
        Path ks = layout.kickstart("g1");
        String content = Files.readString(ks);
        Files.setPosixFilePermissions(ks, java.nio.file.attribute.PosixFilePermissions.fromString("rw-r--r--"));
        Provisioner.Plan plan = provisioner(c).plan();
        assertEquals(List.of("UPDATE_FILE g1"), kinds(plan.actions()));
        assertEquals("mode 0644, wants 0640", plan.actions().get(0).detail());
        assertTrue(provisioner(c).apply().ok());
        assertEquals("rw-r-----", java.nio.file.attribute.PosixFilePermissions.toString(Files.getPosixFilePermissions(ks)));
        assertEquals(content, Files.readString(ks));
        assertFalse(provisioner(c).plan().hasChanges());
    }

    @Test
    void ackedGuestsKeepLocalBootAndKvmBootsItsDisk() throws Exception {
        Cluster c = load(YAML);
        provisioner(c).apply();
        Files.createDirectories(layout.installed("g1").getParent());
        Files.writeString(layout.installed("g1"), "acked\n");
        Files.writeString(layout.installed("g2"), "acked\n");
        Provisioner.Plan plan = provisioner(c).plan();
        // g1 (xen): its pxelinux entry goes to local boot; g2 (qemu): redefined to boot its disk
        assertEquals(List.of("UPDATE_FILE g1", "UPDATE_FILE g2", "REDEFINE g2", "UPDATE_FILE g2"), kinds(plan.actions()));
        provisioner(c).apply();
        assertTrue(Files.readString(layout.pxelinux(c.guest("g1").orElseThrow())).contains("LOCALBOOT 0"));
        assertTrue(vm.describe("g2").contains("<boot dev='hd'/>"), vm.describe("g2"));
    }

    // ---- LVM through a simulator of the scripts' contract ----

    static final String LVM_YAML = "defaults:\n" + Fixtures.VARS
            + "volume_groups: { newvg: { pvs: [/dev/loop9] } }\n"
            + "domains:\n"
            + "  l1:\n"
            + "    vif: [\"mac=52:54:00:00:01:01\"]\n"
            + "    disk:\n"
            + "      - { type: lvm, hostdevice: xenvg, hostvol: l1-root, size: 10MiB }\n"
            + "      - { type: lvm, hostdevice: newvg, hostvol: l1-swap, size: 4MiB }\n"
            + "  l2:\n"
            + "    vif: [\"mac=52:54:00:00:01:02\"]\n"
            + "    disk: [ { type: lvm, hostdevice: xenvg, hostvol: l2-root, size: 10MiB } ]\n";

    @Test
    void lvmThroughTheScriptsIsIdempotentAndAFailingLvcreateIsReported() throws Exception {
        Cluster c = load(LVM_YAML);
        LvmSimulator sim = new LvmSimulator();
        sim.failLvcreateFor = "xenvg/l1-root";
        Lvm lvm = new Lvm(Fixtures.LVM_SCRIPTS, sim);
        Provisioner.Plan plan = provisioner(c, Provisioner.Options.DEFAULT, new FileDisks(), lvm, vm).plan();
        assertEquals(List.of("CREATE_VG null", "CREATE_LV l1", "CREATE_LV l1"), kinds(plan.actions()).subList(0, 3));
        assertEquals(List.of("vg-ensure --dry-run newvg /dev/loop9", "lv-ensure --dry-run xenvg l1-root 10485760",
                "lv-ensure --dry-run xenvg l2-root 10485760"), sim.calls, "plan only runs dry runs");

        Report r = provisioner(c, Provisioner.Options.DEFAULT, new FileDisks(), lvm, vm).apply();
        assertEquals(1, r.failures().size());
        assertTrue(r.failures().get(0).startsWith("c.yaml:5:3: l1: xenvg/l1-root: lv-ensure failed (exit 4): lvcreate failed"
                + " [Volume group \"xenvg\" has insufficient free space]"), r.failures().get(0));
        assertTrue(sim.lvs.containsKey("xenvg/l2-root"));
        assertFalse(sim.lvs.containsKey("newvg/l1-swap"), "l1 stopped at its first failure");

        sim.failLvcreateFor = null;
        assertTrue(provisioner(c, Provisioner.Options.DEFAULT, new FileDisks(), lvm, vm).apply().ok());
        assertEquals(Map.of("xenvg/l1-root", 12L << 20, "newvg/l1-swap", 4L << 20, "xenvg/l2-root", 12L << 20), sim.lvs);
        assertFalse(provisioner(c, Provisioner.Options.DEFAULT, new FileDisks(), lvm, vm).plan().hasChanges());
    }

    @Test
    void anLvOnAVolumeGroupThatIsNotThereAndNotAllowedIsAPlanError() throws Exception {
        Cluster c = load(LVM_YAML.replace("volume_groups: { newvg: { pvs: [/dev/loop9] } }\n", ""));
        Lvm lvm = new Lvm(Fixtures.LVM_SCRIPTS, new LvmSimulator());
        ProvisionException e = assertThrows(ProvisionException.class,
                () -> provisioner(c, Provisioner.Options.DEFAULT, new FileDisks(), lvm, vm).plan());
        assertEquals(1, e.reasons().size());
        assertTrue(e.reasons().get(0).contains("volume group newvg does not exist") && e.reasons().get(0).startsWith("c.yaml:8:9: l1: newvg/l1-swap: lv-ensure failed (exit 3)"),
                e.reasons().get(0));
    }

    @Test
    void aBrokenTemplateStopsApplyBeforeAnythingIsTouched() throws Exception {
        Cluster c = load(YAML.replace("kickstart: debian-preseed.cfg", "kickstart: missing.ks"));
        ProvisionException e = assertThrows(ProvisionException.class, () -> provisioner(c).apply());
        assertTrue(e.getMessage().contains("g2: kickstart template") && e.getMessage().contains("missing.ks does not exist"),
                e.getMessage());
        assertFalse(Files.exists(out));
        assertTrue(vm.list().isEmpty());
    }

    /**
     * Apply works in batches, the next batch's disks and definitions made while this one's files
     * are written: still, every guest is defined before its files are there, and started only once
     * all of them are (renamed into place; AtomicFiles fsyncs each before its rename and the
     * folders before returning).
     */
    @Test
    void pipelinedBatchesStillStartEachGuestOnlyOnceItsFilesAreThere() throws Exception {
        int n = ApplyBatch.SIZE + 5;
        StringBuilder yaml = new StringBuilder("server: http://127.0.0.1:8069\ndefaults:\n" + Fixtures.VARS + "domains:\n");
        for (int i = 0; i < n; i++) {
            yaml.append(String.format("  p%03d:%n    vif: [\"mac=52:54:00:00:%02x:%02x, bridge=xenbr0\"]%n"
                    + "    disk: [ { type: file, path: disks/p%03d.img, size: 1MiB } ]%n", i, i >> 8, i & 0xff, i));
        }
        Cluster c = load(yaml.toString());
        List<String> problems = new java.util.ArrayList<>();
        java.util.Set<String> defined = new java.util.HashSet<>();
        VmControl watched = (VmControl) java.lang.reflect.Proxy.newProxyInstance(VmControl.class.getClassLoader(),
                new Class<?>[] {VmControl.class}, (proxy, method, args) -> {
                    if (method.getName().equals("define")) {
                        String name = ((String) args[0]).replaceAll("(?s).*?<name>([^<]+)</name>.*", "$1");
                        if (Files.exists(out.resolve("ks").resolve(name + ".ks"))) {
                            problems.add(name + ": its kickstart was written before its definition");
                        }
                        defined.add(name);
                    }
                    if (method.getName().equals("start")) {
                        String name = (String) args[0];
                        Guest g = layout.resolve(c.guest(name).orElseThrow());
                        for (Path f : List.of(layout.kickstart(name), layout.xl(g), layout.xm(g), layout.domainXml(g), layout.pxelinux(g))) {
                            if (!Files.isRegularFile(f)) {
                                problems.add(name + ": started before " + f + " was there");
                            }
                        }
                        if (!defined.contains(name)) {
                            problems.add(name + ": started before it was defined");
                        }
                    }
                    try {
                        return method.invoke(vm, args);
                    } catch (java.lang.reflect.InvocationTargetException e) {
                        throw e.getCause();
                    }
                });
        Report r = provisioner(c, Provisioner.Options.DEFAULT, new FileDisks(), null, watched).apply();
        assertTrue(r.ok(), r.failures().toString());
        assertEquals(List.of(), problems);
        assertEquals(n, vm.list().stream().filter(d -> d.state() == VmControl.DomainState.RUNNING).count());
        assertEquals(n, r.done().stream().filter(a -> a.kind() == Action.Kind.START).count());
        // what is reported keeps the actions and the digests, not the rendered files
        assertTrue(r.plan().guests().stream().allMatch(gp -> gp.files().isEmpty() && !gp.outputs().isEmpty()));
        try (java.util.stream.Stream<Path> all = Files.walk(out)) {
            assertEquals(List.of(), all.filter(p -> p.getFileName().toString().endsWith(".tmp")).collect(Collectors.toList()));
        }
    }
}
