package org.javapxeboot.provisioner.render;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.javapxeboot.provisioner.Fixtures;
import org.javapxeboot.provisioner.Golden;
import org.javapxeboot.provisioner.model.Cluster;
import org.javapxeboot.provisioner.model.ClusterLoader;
import org.javapxeboot.provisioner.model.Guest;
import org.javapxeboot.provisioner.model.Hypervisor;
import org.javapxeboot.pxelinux.BootEntry;
import org.javapxeboot.pxelinux.PxelinuxConfig;
import org.javapxeboot.pxelinux.PxelinuxParser;
import org.junit.jupiter.api.Test;

/**
 * What the provisioner writes for the bootloader, read back by the bootloader's own parser: every
 * pxelinux entry (install and local boot) of every guest of the shipped examples and the test
 * cluster, and the golden entries, boots the kernel, initrd and arguments the YAML asked for, by
 * the label the provisioner meant. A change on either side that breaks this fails here.
 */
class PxelinuxRoundTripTest {

    static BootEntry boot(String file, String text, String wantDefault) throws Exception {
        PxelinuxConfig c = PxelinuxParser.parse(file, "", p -> p.equals(file) ? Optional.of(text) : Optional.empty());
        assertEquals(List.of(), c.warnings(), file + ":\n" + text);
        assertEquals(wantDefault, c.defaultCommand(), file);
        assertEquals(List.of(wantDefault), c.labelNames(), file);
        return c.select(null);
    }

    /** The installer arguments as the YAML asks for them, written out from the fields (not from the renderer). */
    static String wantedArgs(String server, Guest g) {
        String url = server + "/ks/" + g.name() + ".ks";
        boolean preseed = g.kickstart().endsWith(".cfg") || g.kickstart().contains("preseed");
        String args = preseed ? "auto=true priority=critical url=" + url + " hostname=" + g.name()
                : "ks=" + url + " ksdevice=eth0";
        return g.installOptions() == null || g.installOptions().isBlank() ? args : args + " " + g.installOptions().trim();
    }

    static void checkInstall(String server, Guest g, String text) throws Exception {
        BootEntry e = boot(PxelinuxEntry.fileName(g), text, "install");
        assertEquals("install", e.label());
        assertFalse(e.localBoot());
        assertEquals(g.installKernel(), e.kernel(), g.name());
        assertEquals(List.of(g.installInitrd()), e.initrds(), g.name());
        assertEquals(wantedArgs(server, g), e.append(), g.name());
    }

    static void checkLocal(Guest g, String text) throws Exception {
        BootEntry e = boot(PxelinuxEntry.fileName(g), text, "local");
        assertEquals("local", e.label());
        assertTrue(e.localBoot(), g.name());
        assertEquals(List.of(), e.initrds());
    }

    static List<Cluster> clusters() throws Exception {
        List<Cluster> out = new ArrayList<>();
        for (String example : List.of("cluster.yaml", "cluster-lvm.yaml")) {
            out.add(ClusterLoader.load(Path.of("examples", example)));
        }
        out.add(Fixtures.cluster());
        // install_options, an installer tree of its own and each hypervisor, so xm, xl and libvirt guests are all here
        out.add(ClusterLoader.load("extra.yaml", new java.io.StringReader("server: http://10.0.0.1:8069/\n"
                + "defaults:\n" + Fixtures.VARS + "domains:\n"
                + "  xo:\n    vif: [\"mac=52:54:00:00:03:01\"]\n    install_options: 'console=hvc0 inst.text'\n"
                + "    install_kernel: sl6/vmlinuz\n    install_initrd: sl6/initrd.img\n"
                + "  ko:\n    hypervisor: kvm\n    kernel: /k\n    ramdisk: /r\n    kickstart: debian-preseed.cfg\n"
                + "    install_options: 'netcfg/choose_interface=auto'\n    vif: [\"mac=52:54:00:00:03:02\"]\n")));
        return out;
    }

    @Test
    void everyRenderedEntryBootsWhatTheYamlAskedFor() throws Exception {
        Set<Hypervisor> seen = EnumSet.noneOf(Hypervisor.class);
        int entries = 0;
        for (Cluster c : clusters()) {
            for (Guest g : c.guests()) {
                checkInstall(c.server(), g, PxelinuxEntry.install(c.server(), g));
                checkLocal(g, PxelinuxEntry.localBoot(g));
                seen.add(g.hypervisor());
                entries += 2;
            }
        }
        assertEquals(EnumSet.allOf(Hypervisor.class), seen, "xen (xm, xl), kvm and qemu (libvirt) guests");
        assertTrue(entries >= 16, "entries checked: " + entries);
    }

    @Test
    void theGoldenEntriesBootWhatTheYamlAskedFor() throws Exception {
        Cluster c = Fixtures.cluster();
        Map<String, String> install = Map.of("cagnode50", "cagnode50.pxelinux-install", "kvmnode1", "kvmnode1.pxelinux-install");
        for (Map.Entry<String, String> e : install.entrySet()) {
            checkInstall(c.server(), c.guest(e.getKey()).orElseThrow(), Files.readString(Golden.path(e.getValue())));
        }
        checkLocal(c.guest("cagnode50").orElseThrow(), Files.readString(Golden.path("cagnode50.pxelinux-local")));
    }
}
