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
import org.javapxeboot.provisioner.plan.Layout;
import org.javapxeboot.provisioner.plan.Report;
import org.javapxeboot.provisioner.plan.Provisioner;
import org.javapxeboot.provisioner.plan.Reporter;
import org.javapxeboot.provisioner.render.Kickstart;
import org.javapxeboot.provisioner.storage.FileDisks;
import org.javapxeboot.xman.vm.LibvirtVmControl;
import org.javapxeboot.xman.vm.VmControl;
import org.javapxeboot.xman.vm.VmControl.DomainState;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The reinstall loop, on libvirt's test driver: a KVM/QEMU guest installed by direct kernel boot
 * must never boot the installer again once it has run, whether the installer reboots before or
 * after its ack, and whatever apply does afterwards.
 */
@Timeout(60)
class AckBootsDiskTest {
    static final String YAML = "server: http://127.0.0.1:8069\n"
            + "defaults:\n" + Fixtures.VARS
            + "domains:\n"
            + "  k1:\n"
            + "    hypervisor: qemu\n"
            + "    kernel: /boot/vmlinuz\n"
            + "    ramdisk: /boot/initrd.img\n"
            + "    kickstart: sl-basic.ks\n"
            + "    vif: [\"mac=52:54:00:00:00:21, ip=127.0.0.1\"]\n"
            + "    disk: [ { type: file, path: disks/k1.img, size: 8MiB } ]\n";

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

    Report apply() throws Exception {
        Report r = new Provisioner(cluster, layout, new Kickstart(Fixtures.TEMPLATES), null, new FileDisks(), vm,
                Provisioner.Options.DEFAULT, Reporter.SILENT).apply();
        assertTrue(r.ok(), r.failures().toString());
        return r;
    }

    /** The shared test-driver connection (each test:///file connection is a node of its own): not closed per ack. */
    KickstartServer.Host shared() {
        return new KickstartServer.Host() {
            @Override
            public VmControl open() {
                return vm;
            }

            @Override
            public void release(VmControl v) {
            }
        };
    }

    int ack() throws Exception {
        server = KickstartServer.start(cluster, layout, new Kickstart(Fixtures.TEMPLATES), shared(), "127.0.0.1", 0, log::add);
        HttpResponse<String> r = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
                URI.create("http://127.0.0.1:" + server.port() + "/ack/k1"))
                .POST(HttpRequest.BodyPublishers.ofString("mac=52:54:00:00:00:21")).build(), HttpResponse.BodyHandlers.ofString());
        return r.statusCode();
    }

    static void bootsTheInstaller(String xml) {
        assertTrue(xml.contains("<kernel>/boot/vmlinuz</kernel>") && xml.contains("<on_reboot>destroy</on_reboot>"), xml);
    }

    static void bootsTheDisk(String xml) {
        assertFalse(xml.contains("<kernel>") || xml.contains("<initrd>") || xml.contains("<cmdline>"), xml);
        assertTrue(xml.contains("<boot dev='hd'/>"), xml);
        assertTrue(xml.contains("<on_reboot>restart</on_reboot>"), xml);
    }

    @Test
    void theAckMakesTheDomainBootItsDiskAndARebootDoesNotReinstall() throws Exception {
        apply();
        assertEquals(DomainState.RUNNING, vm.lookup("k1").state());
        bootsTheInstaller(vm.describe("k1"));

        assertEquals(200, ack(), log.toString());
        bootsTheInstaller(vm.describe("k1")); // the installer's %post is still running
        bootsTheDisk(vm.describeInactive("k1"));
        assertTrue(Files.exists(layout.installed("k1")));

        vm.reboot("k1"); // the installer finishes and reboots: the domain stops instead
        assertEquals(DomainState.SHUTOFF, vm.lookup("k1").state());
        vm.start("k1");
        bootsTheDisk(vm.describe("k1"));

        // apply after the ack: nothing to change, the disk boot stays
        assertFalse(new Provisioner(cluster, layout, new Kickstart(Fixtures.TEMPLATES), null, new FileDisks(), vm,
                Provisioner.Options.DEFAULT, Reporter.SILENT).plan().hasChanges());
        vm.destroy("k1");
        apply();
        assertEquals(DomainState.RUNNING, vm.lookup("k1").state());
        bootsTheDisk(vm.describe("k1"));
        bootsTheDisk(vm.describeInactive("k1"));
    }

    /** The ack never arrives (or arrives late): the installer's reboot still never starts it again. */
    @Test
    void anInstallerThatRebootsBeforeItsAckDoesNotReinstall() throws Exception {
        apply();
        bootsTheInstaller(vm.describe("k1"));
        bootsTheDisk(vm.describeInactive("k1")); // from the moment the installer started
        vm.reboot("k1");
        assertEquals(DomainState.SHUTOFF, vm.lookup("k1").state());
        vm.start("k1"); // autostart, virsh start: the disk
        bootsTheDisk(vm.describe("k1"));
        // the late ack: still the disk
        assertEquals(200, ack(), log.toString());
        bootsTheDisk(vm.describeInactive("k1"));
    }
}
