package org.javapxeboot.provisioner.plan;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.StringReader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.javapxeboot.provisioner.Fixtures;
import org.javapxeboot.provisioner.model.Cluster;
import org.javapxeboot.provisioner.model.ClusterLoader;
import org.javapxeboot.provisioner.render.Kickstart;
import org.javapxeboot.provisioner.storage.CommandRunner;
import org.javapxeboot.provisioner.storage.FileDisks;
import org.javapxeboot.provisioner.storage.Lvm;
import org.javapxeboot.provisioner.storage.ProcessCommandRunner;
import org.javapxeboot.xman.vm.LibvirtVmControl;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The seed's cagnode50 (a file disk and an LVM swap volume) applied for real: the volume group is
 * created on a loop device because volume_groups says so, the LV through lv-ensure (metadata only:
 * no device-mapper in this kernel), then a second apply changes nothing.
 */
@Timeout(180)
class ProvisionerLvmTest {
    static final ProcessCommandRunner RUN = new ProcessCommandRunner(Duration.ofSeconds(60));
    static final Map<String, String> QUIET = Map.of("LVM_SUPPRESS_FD_WARNINGS", "1");

    @TempDir Path dir;
    String loop;
    String vg;

    @BeforeEach
    void loopDevice() throws Exception {
        Assumptions.assumeTrue("root".equals(System.getProperty("user.name")), "LVM on a loop device needs root");
        Assumptions.assumeTrue(Files.isExecutable(Path.of("/usr/sbin/lvm")) || Files.isExecutable(Path.of("/sbin/lvm")),
                "lvm2 not installed");
        Path img = dir.resolve("pv.img");
        try (var f = new java.io.RandomAccessFile(img.toFile(), "rw")) {
            f.setLength(128L << 20);
        }
        CommandRunner.Result r = RUN.run(List.of("losetup", "-f", "--show", img.toString()), Map.of());
        Assumptions.assumeTrue(r.exitCode() == 0, "no free loop device: " + r.stderr());
        loop = r.stdout().strip();
        vg = "jpbprov" + ProcessHandle.current().pid();
    }

    @AfterEach
    void cleanUp() throws Exception {
        if (loop == null) {
            return;
        }
        try {
            RUN.run(List.of("lvm", "vgremove", "--driverloaded", "n", "-y", vg), QUIET);
            RUN.run(List.of("lvm", "pvremove", "--driverloaded", "n", "-y", loop), QUIET);
        } finally {
            RUN.run(List.of("losetup", "-d", loop), Map.of());
        }
    }

    @Test
    void seedGuestWithRealLvm() throws Exception {
        String yaml = "volume_groups: { " + vg + ": { pvs: [" + loop + "] } }\n"
                + "defaults:\n" + Fixtures.VARS
                + "domains:\n"
                + "  cagnode50:\n"
                + "    vif: [ \"mac=AA:00:86:e2:35:72\" ]\n"
                + "    disk:\n"
                + "      - { type: file, path: disks/cagnode50/fs/disk, device: sda, size: 10GiB, rw: w }\n"
                + "      - { type: lvm, hostdevice: " + vg + ", hostvol: cagnode50-swap, device: hda3, size: 60MiB, rw: w }\n";
        Cluster c = ClusterLoader.load("c.yaml", new StringReader(yaml));
        Path node = dir.resolve("node.xml");
        Files.writeString(node, "<node/>\n");
        Layout layout = Layout.of(dir.resolve("out"), null);
        Lvm lvm = new Lvm(Fixtures.LVM_SCRIPTS, RUN);
        try (LibvirtVmControl vm = new LibvirtVmControl("test://" + node)) {
            Provisioner p = new Provisioner(c, layout, new Kickstart(Fixtures.TEMPLATES), lvm, new FileDisks(), vm,
                    Provisioner.Options.DEFAULT, Reporter.SILENT);
            Provisioner.Plan plan = p.plan();
            assertEquals("+ volume group: " + vg + " (on " + loop + ")", plan.hostActions().get(0).toString());
            assertTrue(plan.actions().stream().anyMatch(a -> a.toString().equals(
                    "+ logical volume cagnode50: " + vg + "/cagnode50-swap (60MiB)")), plan.actions().toString());
            assertFalse(lvm.vgEnsure(vg, List.of(loop), true).status().equals("unchanged"), "plan created nothing");

            Report r = p.apply();
            assertTrue(r.ok(), r.failures().toString());
            CommandRunner.Result lvs = RUN.run(List.of("lvm", "lvs", "--driverloaded", "n", "--noheadings", "--units", "b",
                    "--nosuffix", "-o", "lv_name,lv_size", vg), QUIET);
            assertEquals("cagnode50-swap " + (60L << 20), lvs.stdout().strip().replaceAll("\\s+", " "));
            assertTrue(vm.describe("cagnode50").contains("/dev/" + vg + "/cagnode50-swap"));

            assertFalse(p.plan().hasChanges(), "second plan is empty");
            assertEquals(List.of(), p.apply().done(), "second apply changes nothing");
        }
    }
}
