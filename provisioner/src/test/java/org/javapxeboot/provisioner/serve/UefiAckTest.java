package org.javapxeboot.provisioner.serve;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.StringReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import org.javapxeboot.provisioner.Fixtures;
import org.javapxeboot.provisioner.model.Cluster;
import org.javapxeboot.provisioner.model.ClusterLoader;
import org.javapxeboot.provisioner.model.Guest;
import org.javapxeboot.provisioner.plan.Destroyer;
import org.javapxeboot.provisioner.plan.Layout;
import org.javapxeboot.provisioner.plan.Report;
import org.javapxeboot.provisioner.plan.Provisioner;
import org.javapxeboot.provisioner.plan.Reporter;
import org.javapxeboot.provisioner.render.DnsmasqExample;
import org.javapxeboot.provisioner.render.DomainXml;
import org.javapxeboot.provisioner.render.GrubEntry;
import org.javapxeboot.provisioner.render.Kickstart;
import org.javapxeboot.provisioner.storage.FileDisks;
import org.javapxeboot.xman.vm.LibvirtVmControl;
import org.javapxeboot.xman.vm.VmControl;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** UEFI guests through apply, the ack and destroy, on libvirt's test driver. */
@Timeout(60)
class UefiAckTest {
    static final String YAML = "server: http://127.0.0.1:8069\n"
            + "defaults:\n" + Fixtures.VARS
            + "domains:\n"
            + "  u1:\n"
            + "    hypervisor: qemu\n"
            + "    install_boot: network\n"
            + "    firmware: uefi\n"
            + "    kickstart: debian-netboot-check.cfg\n"
            + "    vif: [\"mac=52:54:00:00:00:31, ip=127.0.0.1\"]\n"
            + "    disk: [ { type: file, path: disks/u1.img, size: 8MiB } ]\n";

    @TempDir Path dir;
    LibvirtVmControl vm;
    Layout layout;
    Cluster cluster;
    KickstartServer server;
    final List<String> log = Collections.synchronizedList(new ArrayList<>());

    @BeforeEach
    void host() throws Exception {
        Path node = Files.writeString(dir.resolve("node.xml"), "<node/>\n");
        vm = new LibvirtVmControl("test://" + node);
        layout = Layout.of(dir.resolve("out"), null);
        cluster = ClusterLoader.load("c.yaml", new StringReader(YAML));
    }

    @AfterEach
    void close() {
        if (server != null) {
            server.close();
        }
        vm.close();
    }

    Provisioner provisioner() {
        return new Provisioner(cluster, layout, new Kickstart(Fixtures.TEMPLATES), null, new FileDisks(), vm,
                Provisioner.Options.DEFAULT, Reporter.SILENT);
    }

    int ack() throws Exception {
        KickstartServer.Host shared = new KickstartServer.Host() {
            @Override
            public VmControl open() {
                return vm;
            }

            @Override
            public void release(VmControl v) {
            }
        };
        server = KickstartServer.start(cluster, layout, new Kickstart(Fixtures.TEMPLATES), shared, "127.0.0.1", 0, log::add);
        HttpResponse<String> r = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
                URI.create("http://127.0.0.1:" + server.port() + "/ack/u1"))
                .POST(HttpRequest.BodyPublishers.ofString("mac=52:54:00:00:00:31")).build(), HttpResponse.BodyHandlers.ofString());
        return r.statusCode();
    }

    /** apply writes the GRUB entry (not a pxelinux one) and the dnsmasq example; the ack flips the GRUB entry. */
    @Test
    void theAckFlipsTheGrubEntryAndTheDomainKeepsItsFirmware() throws Exception {
        Report r = provisioner().apply();
        assertTrue(r.ok(), r.failures().toString());
        Guest g = layout.resolve(cluster.guest("u1").orElseThrow());
        Path grub = layout.tftpRoot().resolve("grub/grub.cfg-01-52-54-00-00-00-31");
        assertEquals(grub, layout.grub(g));
        assertEquals(GrubEntry.install(cluster.server(), g), Files.readString(grub));
        assertFalse(Files.exists(layout.pxelinux(g)), "a UEFI guest has no pxelinux entry");
        assertEquals(DnsmasqExample.render(cluster.server(), g), Files.readString(layout.dnsmasq(g)));
        String nvram = "<nvram template='" + DomainXml.OVMF_VARS + "'>" + layout.nvram("u1") + "</nvram>";
        assertTrue(vm.describe("u1").contains(nvram), vm.describe("u1"));
        assertTrue(Files.isDirectory(layout.nvram("u1").getParent()), "libvirt makes the NVRAM file, not its folder");

        assertEquals(200, ack(), log.toString());
        assertEquals(GrubEntry.localBoot(g), Files.readString(grub));
        assertFalse(Files.exists(layout.pxelinux(g)));
        String inactive = vm.describeInactive("u1");
        assertTrue(inactive.contains("<boot dev='hd'/>") && !inactive.contains("<boot dev='network'/>"), inactive);
        assertTrue(inactive.contains(nvram) && inactive.contains(DomainXml.OVMF_CODE), inactive);
        assertFalse(provisioner().plan().hasChanges(), "apply after the ack changes nothing");
    }

    /** The NVRAM file holds the guest's boot entries: destroy keeps it unless --delete-disks, and apply never writes it. */
    @Test
    void destroyKeepsTheNvramUnlessDisksAreDeleted() throws Exception {
        assertTrue(provisioner().apply().ok());
        Guest g = layout.resolve(cluster.guest("u1").orElseThrow());
        Path nvram = layout.nvram("u1");
        Files.createDirectories(nvram.getParent());
        Files.writeString(nvram, "the guest's variables"); // libvirt's copy of the template, in real life
        assertFalse(provisioner().plan().actions().stream().anyMatch(a -> a.target().equals(nvram.toString())));
        Destroyer.Outcome kept = new Destroyer(layout, null, vm).destroy(g, false, true);
        assertTrue(kept.ok(), kept.failure());
        assertTrue(kept.done().contains("= kept NVRAM " + nvram + " (--delete-disks removes it)"), kept.done().toString());
        assertTrue(kept.done().contains("- removed " + layout.grub(g)), kept.done().toString());
        assertTrue(kept.done().contains("- removed " + layout.dnsmasq(g)), kept.done().toString());
        assertEquals("the guest's variables", Files.readString(nvram));
        Destroyer.Outcome deleted = new Destroyer(layout, null, vm).destroy(g, true, true);
        assertTrue(deleted.done().contains("- deleted NVRAM " + nvram), deleted.done().toString());
        assertFalse(Files.exists(nvram));
    }
}
