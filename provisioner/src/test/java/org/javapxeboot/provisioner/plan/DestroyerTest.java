package org.javapxeboot.provisioner.plan;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.StringReader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.javapxeboot.provisioner.Fixtures;
import org.javapxeboot.provisioner.model.Cluster;
import org.javapxeboot.provisioner.model.ClusterLoader;
import org.javapxeboot.provisioner.model.Guest;
import org.javapxeboot.provisioner.render.Kickstart;
import org.javapxeboot.provisioner.storage.FileDisks;
import org.javapxeboot.provisioner.storage.Lvm;
import org.javapxeboot.provisioner.storage.LvmSimulator;
import org.javapxeboot.xman.vm.LibvirtVmControl;
import org.javapxeboot.xman.vm.VmControl;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** destroy below the CLI: on libvirt's test driver, with the LVM scripts simulated. */
class DestroyerTest {
    static final String YAML = "defaults:\n" + Fixtures.VARS
            + "domains:\n"
            + "  d1:\n"
            + "    vif: [\"mac=52:54:00:00:02:01\"]\n"
            + "    disk:\n"
            + "      - { type: file, path: disks/d1.img, size: 4MiB }\n"
            + "      - { type: lvm, hostdevice: xenvg, hostvol: d1-swap, size: 4MiB }\n"
            + "      - { type: phy, path: /dev/sdz }\n";

    @TempDir Path dir;
    LibvirtVmControl vm;
    Layout layout;
    LvmSimulator sim = new LvmSimulator();
    Lvm lvm;
    Guest g;

    @BeforeEach
    void applied() throws Exception {
        Path node = dir.resolve("node.xml");
        Files.writeString(node, "<node/>\n");
        vm = new LibvirtVmControl("test://" + node);
        layout = Layout.of(dir.resolve("out"), null);
        lvm = new Lvm(Fixtures.LVM_SCRIPTS, sim);
        Cluster c = ClusterLoader.load("d.yaml", new StringReader(YAML));
        assertTrue(new Provisioner(c, layout, new Kickstart(Fixtures.TEMPLATES), lvm, new FileDisks(), vm,
                Provisioner.Options.DEFAULT, Reporter.SILENT).apply().ok());
        g = layout.resolve(c.guest("d1").orElseThrow());
    }

    @AfterEach
    void close() {
        vm.close();
    }

    @Test
    void aRunningGuestIsRefusedWithNothingDone() throws Exception {
        Destroyer.Outcome o = new Destroyer(layout, lvm, vm).destroy(g, true, false);
        assertEquals(List.of(), o.done());
        assertEquals("d1 is running; shut it down first or pass --force-stop", o.failure());
        assertEquals(VmControl.DomainState.RUNNING, vm.lookup("d1").state());
        assertTrue(Files.exists(layout.pxelinux(g)));
    }

    @Test
    void keepsTheDisksUnlessAsked() throws Exception {
        Destroyer.Outcome o = new Destroyer(layout, null, vm).destroy(g, false, true);
        assertNull(o.failure());
        assertEquals(List.of("- stopped d1", "- undefined d1", "- removed " + layout.kickstart("d1"),
                "- removed " + layout.xl(g), "- removed " + layout.xm(g), "- removed " + layout.domainXml(g),
                "- removed " + layout.pxelinux(g), "= kept disk " + g.disks().get(0).path() + " (--delete-disks removes it)",
                "= kept disk /dev/xenvg/d1-swap (--delete-disks removes it)").stream().sorted().toList(),
                o.done().stream().sorted().toList());
        assertTrue(vm.list().isEmpty());
        assertTrue(Files.exists(Path.of(g.disks().get(0).path())));
        assertEquals(Map.of("xenvg/d1-swap", 4L << 20), sim.lvs);
        assertFalse(Destroyer.needsLvm(g, false));
    }

    @Test
    void deletesFileDisksAndTheLvsItCreatesButNeverAPhyDisk() throws Exception {
        assertTrue(Destroyer.needsLvm(g, true));
        Destroyer.Outcome o = new Destroyer(layout, lvm, vm).destroy(g, true, true);
        assertTrue(o.ok(), o.failure());
        assertTrue(o.done().containsAll(List.of("- deleted disk " + g.disks().get(0).path(),
                "- removed logical volume xenvg/d1-swap")), o.done().toString());
        assertFalse(Files.exists(Path.of(g.disks().get(0).path())));
        assertEquals(Map.of(), sim.lvs);
        assertEquals("lv-remove xenvg d1-swap", sim.calls.get(sim.calls.size() - 1));
        // a second destroy finds nothing left
        assertEquals(List.of(), new Destroyer(layout, lvm, vm).destroy(g, true, true).done());
    }

    @Test
    void anLvToDeleteWithoutTheScriptsStopsAndSaysWhatWasDone() throws Exception {
        Destroyer.Outcome o = new Destroyer(layout, null, vm).destroy(g, true, true);
        assertEquals("cannot remove /dev/xenvg/d1-swap: no lvm-scripts/ found", o.failure());
        assertTrue(o.done().contains("- undefined d1"), o.done().toString());
    }
}
