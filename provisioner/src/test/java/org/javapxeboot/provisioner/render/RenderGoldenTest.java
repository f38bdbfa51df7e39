package org.javapxeboot.provisioner.render;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import javax.xml.parsers.DocumentBuilderFactory;
import org.javapxeboot.provisioner.Fixtures;
import org.javapxeboot.provisioner.Golden;
import org.javapxeboot.provisioner.model.Cluster;
import org.javapxeboot.provisioner.model.Guest;
import org.javapxeboot.xman.wire.DomainMetadata;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.w3c.dom.Document;

/** Every format the provisioner writes for another program, against golden files. */
@Timeout(60)
class RenderGoldenTest {
    static final String SERVER = "http://192.0.2.1:8069";

    Guest seed() throws Exception {
        return Fixtures.cluster().guest("cagnode50").orElseThrow();
    }

    Guest kvm() throws Exception {
        return Fixtures.cluster().guest("kvmnode1").orElseThrow();
    }

    @Test
    void xenSeedGuest() throws Exception {
        Guest g = seed();
        Golden.check("cagnode50.xl.cfg", XlConfig.render(g));
        Golden.check("cagnode50.xm", XmConfig.render(g));
        Golden.check("cagnode50.xml", DomainXml.render(g, SERVER, false));
        Golden.check("cagnode50.pxelinux-install", PxelinuxEntry.install(SERVER, g));
        Golden.check("cagnode50.pxelinux-local", PxelinuxEntry.localBoot(g));
        Golden.check("cagnode50.ks", new Kickstart(Fixtures.TEMPLATES).render(SERVER, g));
        assertEquals("pxelinux.cfg/01-aa-00-86-e2-35-72", PxelinuxEntry.fileName(g));
    }

    /** ncm-xen's kernel/ramdisk/extra on a Xen guest: direct kernel boot instead of the bootloader. */
    @Test
    void xenDirectKernelBoot() throws Exception {
        Guest g = org.javapxeboot.provisioner.model.ClusterLoader.load("k.yaml", new java.io.StringReader(
                "domains:\n  xk:\n    vif: [\"mac=aa:00:86:e2:35:74\"]\n    kernel: /boot/vmlinuz-xen\n"
                        + "    ramdisk: /boot/initrd-xen.img\n    extra: \"console=hvc0 root=/dev/xvda1\"\n"
                        + "    disk: [ { type: phy, path: /dev/sdb, rw: r } ]\n")).guests().get(0);
        Golden.check("xk.xl.cfg", XlConfig.render(g));
        Golden.check("xk.xm", XmConfig.render(g));
        Golden.check("xk.xml", DomainXml.render(g, SERVER, false));
    }

    @Test
    void kvmGuestWithPreseed() throws Exception {
        Guest g = kvm();
        Golden.check("kvmnode1.xml", DomainXml.render(g, SERVER, false));
        Golden.check("kvmnode1-installed.xml", DomainXml.render(g, SERVER, true));
        Golden.check("kvmnode1.pxelinux-install", PxelinuxEntry.install(SERVER, g));
        Golden.check("kvmnode1.preseed", new Kickstart(Fixtures.TEMPLATES).render(SERVER, g));
    }

    /**
     * {@code install_boot: network}: the firmware PXE-boots (network, then disk; SeaBIOS on the serial
     * console), with the console logged; acknowledged, it boots its disk as a kernel-boot guest does.
     * The site-check preseed acks in early_command with the very loop debian-preseed.cfg runs last.
     */
    @Test
    void kvmGuestBootingTheInstallerFromTheNetwork() throws Exception {
        Guest g = org.javapxeboot.provisioner.model.ClusterLoader.load("n.yaml", new java.io.StringReader(
                "domains:\n  kvmnet1:\n    hypervisor: qemu\n    install_boot: network\n    memory: 1024\n"
                        + "    kickstart: debian-netboot-check.cfg\n    console_log: /var/log/kvmnet1.console\n"
                        + "    install_kernel: debian-installer/amd64/linux\n"
                        + "    install_initrd: debian-installer/amd64/initrd.gz\n    install_options: console=ttyS0\n"
                        + "    vif: [\"mac=52:54:00:00:50:01, bridge=br0, ip=10.77.0.50\"]\n"
                        + "    disk: [ { type: file, path: /srv/kvmnet1.img, size: 1GiB } ]\n")).guests().get(0);
        String install = DomainXml.render(g, SERVER, false);
        String installed = DomainXml.render(g, SERVER, true);
        Golden.check("kvmnet1.xml", install);
        Golden.check("kvmnet1-installed.xml", installed);
        Golden.check("kvmnet1.pxelinux-install", PxelinuxEntry.install(SERVER, g));
        Golden.check("kvmnet1.preseed", new Kickstart(Fixtures.TEMPLATES).render(SERVER, g));
        assertTrue(DomainXml.bootsInstaller(install), install);
        assertFalse(DomainXml.bootsInstaller(installed), installed);
        assertTrue(DomainXml.bootsInstaller(DomainXml.render(kvm(), SERVER, false)));
        assertFalse(DomainXml.bootsInstaller(DomainXml.render(kvm(), SERVER, true)));
        // libvirt writes single quotes; a hand-written definition may use double ones
        assertTrue(DomainXml.bootsInstaller("<os><boot dev=\"network\"/></os>"));
        // one ack, written once: the real preseed's last command and the check's first run the same loop
        String real = new Kickstart(Fixtures.TEMPLATES).render(SERVER, kvm());
        String loop = Install.ackLoop(SERVER, g);
        assertTrue(new Kickstart(Fixtures.TEMPLATES).render(SERVER, g)
                .contains("d-i preseed/early_command string sh -c '" + loop + "'; poweroff -f\n"));
        assertTrue(real.contains("d-i preseed/late_command string in-target sh -c '"
                + Install.ackLoop(SERVER, kvm()) + "'\n"), real);
    }

    /**
     * priority and owners go to the domain XML's {@code <metadata>}, and back through xmand's reader
     * unchanged; the Xen configs ignore them (byte-identical to the same guest without them).
     */
    @Test
    void priorityAndOwnersGoToTheDomainsMetadata() throws Exception {
        String yaml = "domains:\n  skirit80-1:\n    hypervisor: kvm\n    kernel: /srv/d-i/linux\n"
                + "    ramdisk: /srv/d-i/initrd.gz\n    vif: [\"mac=52:54:00:80:00:01, bridge=br0\"]\n"
                + "    priority: 10\n    owners: [alice@EXAMPLE.ORG, \"host/skirit80.ics.muni.cz@META\"]\n";
        Guest g = org.javapxeboot.provisioner.model.ClusterLoader.load("o.yaml", new java.io.StringReader(yaml))
                .guests().get(0);
        String xml = DomainXml.render(g, SERVER, false);
        Golden.check("skirit80-1.xml", xml);
        DomainMetadata m = DomainMetadata.of(xml);
        assertEquals(10, m.priority());
        assertEquals(List.of("alice@EXAMPLE.ORG", "host/skirit80.ics.muni.cz@META"), m.owners());
        assertEquals(1, xml.split("<metadata>", -1).length - 1, xml);

        Guest plain = org.javapxeboot.provisioner.model.ClusterLoader.load("o.yaml", new java.io.StringReader(
                yaml.replaceAll("    (priority|owners): .*\n", ""))).guests().get(0);
        assertEquals(0, plain.priority());
        assertEquals(List.of(), plain.owners());
        assertFalse(DomainXml.render(plain, SERVER, false).contains("metadata"));
        assertEquals(xml.replaceAll("(?s)  <metadata>.*</metadata>\n", ""), DomainXml.render(plain, SERVER, false));
        // a negative priority alone is written too
        Guest low = org.javapxeboot.provisioner.model.ClusterLoader.load("o.yaml", new java.io.StringReader(
                yaml.replace("priority: 10", "priority: -3").replaceAll("    owners: .*\n", ""))).guests().get(0);
        assertEquals(new DomainMetadata(-3, List.of()), DomainMetadata.of(DomainXml.render(low, SERVER, true)));

        Guest xen = Fixtures.cluster().guest("cagnode50").orElseThrow();
        Guest ownedXen = new Guest(xen.name(), xen.memoryMiB(), xen.vcpus(), xen.vifs(), xen.disks(), xen.bootloader(),
                xen.bootargs(), xen.kernel(), xen.ramdisk(), xen.extra(), xen.onPoweroff(), xen.onReboot(),
                xen.onCrash(), xen.auto(), xen.installOptions(), xen.kickstart(), xen.hypervisor(), xen.installKernel(),
                xen.installInitrd(), xen.vars(), 7, List.of("alice@EXAMPLE.ORG"), xen.installBoot(), null, xen.where(), xen.fields());
        assertEquals(XlConfig.render(xen), XlConfig.render(ownedXen));
        assertEquals(XmConfig.render(xen), XmConfig.render(ownedXen));
        assertEquals(new DomainMetadata(7, List.of("alice@EXAMPLE.ORG")), DomainMetadata.of(DomainXml.render(ownedXen, SERVER, false)));
    }

    @Test
    void hostileValuesAreEscaped() throws Exception {
        Guest g = Fixtures.hostile();
        String xl = XlConfig.render(g);
        String xm = XmConfig.render(g);
        String xml = DomainXml.render(g, SERVER, false);
        Golden.check("hostile.xl.cfg", xl);
        Golden.check("hostile.xm", xm);
        Golden.check("hostile.xml", xml);
        // one setting per line: nothing broke out of its string
        assertEquals(13, xl.lines().count(), xl);
        // the XML parses back to exactly the values given
        Document d = DocumentBuilderFactory.newInstance().newDocumentBuilder()
                .parse(new ByteArrayInputStream(xml.getBytes(StandardCharsets.UTF_8)));
        assertEquals(g.name(), d.getElementsByTagName("name").item(0).getTextContent());
        assertEquals(g.extra(), d.getElementsByTagName("cmdline").item(0).getTextContent());
        assertEquals(g.bootloader(), d.getElementsByTagName("bootloader").item(0).getTextContent());
        assertEquals(g.disks().get(0).path(),
                ((org.w3c.dom.Element) d.getElementsByTagName("source").item(0)).getAttribute("file"));
        // pxelinux cannot quote: refused, not mangled
        Guest withOptions = new Guest(g.name(), 256, 1, g.vifs(), g.disks(), g.bootloader(), g.bootargs(), null, null,
                null, "destroy", "restart", "restart", false, "a\nDEFAULT evil", "sl-basic.ks", g.hypervisor(),
                "images/vmlinuz", "images/initrd.img", g.vars(), 0, List.of(), "kernel", null, g.where(), g.fields());
        RenderException e = assertThrows(RenderException.class, () -> PxelinuxEntry.install(SERVER, withOptions));
        assertTrue(e.getMessage().contains("pxelinux has no quoting"), e.getMessage());
    }

    /** The xm config is Python: run it (and the xl.cfg) through python3 and compare every value with the input. */
    @Test
    void xenConfigsReadBackInPython(@TempDir Path dir) throws Exception {
        Path py = findOnPath("python3");
        Assumptions.assumeTrue(py != null, "python3 not installed: cannot read the xm config back");
        Guest g = Fixtures.hostile();
        Path cfg = dir.resolve("hostile.xm");
        Files.writeString(cfg, XmConfig.render(g));
        String script = "import json,sys\nns={}\nexec(open(sys.argv[1]).read(), ns)\n"
                + "print(json.dumps([ns['name'], ns['extra'], ns['bootloader'], ns['disk'][0], ns['vif'][0]]))\n";
        Process p = new ProcessBuilder(py.toString(), "-c", script, cfg.toString()).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
        assertTrue(p.waitFor(20, TimeUnit.SECONDS));
        assertEquals(0, p.exitValue(), out);
        String expected = "[" + String.join(", ", List.of(json(g.name()), json(g.extra()), json(g.bootloader()),
                json("file:" + g.disks().get(0).path() + ",xvda,w"), json("mac=aa:00:00:00:00:01"))) + "]";
        assertEquals(expected, out);

        // the xl.cfg subset written here (quoted strings, lists of them, integers) is Python syntax
        // too, with the same escapes as libxlu: read it back the same way
        Path xl = dir.resolve("hostile.xl.cfg");
        Files.writeString(xl, XlConfig.render(g));
        String xlScript = "import json,sys\nns={}\nexec(open(sys.argv[1]).read(), ns)\n"
                + "print(json.dumps([ns['name'], ns['extra'], ns['bootloader'], ns['disk'][0], ns['bootloader_args'][0]]))\n";
        Process px = new ProcessBuilder(py.toString(), "-c", xlScript, xl.toString()).redirectErrorStream(true).start();
        String xlOut = new String(px.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
        assertTrue(px.waitFor(20, TimeUnit.SECONDS));
        assertEquals(0, px.exitValue(), xlOut);
        assertEquals("[" + String.join(", ", List.of(json(g.name()), json(g.extra()), json(g.bootloader()),
                json("format=raw, vdev=xvda, access=rw, target=" + g.disks().get(0).path()),
                json("--mac=aa:00:00:00:00:01"))) + "]", xlOut);
    }

    /** libvirt's own schema check, on every golden domain XML. */
    @Test
    void goldenDomainXmlPassesVirtXmlValidate() throws Exception {
        Path tool = findOnPath("virt-xml-validate");
        Assumptions.assumeTrue(tool != null, "virt-xml-validate not installed (Debian: libvirt-clients)");
        int checked = 0;
        try (var files = Files.list(Golden.DIR)) {
            for (Path f : files.filter(f -> f.toString().endsWith(".xml")).sorted().toList()) {
                Process p = new ProcessBuilder(tool.toString(), f.toString(), "domain").redirectErrorStream(true).start();
                String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
                assertTrue(p.waitFor(30, TimeUnit.SECONDS));
                assertEquals(0, p.exitValue(), f + ": " + out);
                checked++;
            }
        }
        assertTrue(checked >= 4, "expected the golden XML files, found " + checked);
    }

    @Test
    void everyClusterGuestRenders() throws Exception {
        Cluster c = Fixtures.cluster();
        Kickstart ks = new Kickstart(Fixtures.TEMPLATES);
        for (Guest g : c.guests()) {
            assertTrue(ks.render(c.server(), g).contains(Install.ackUrl(c.server(), g)), g.name());
        }
    }

    static String json(String s) {
        StringBuilder b = new StringBuilder("\"");
        for (char c : s.toCharArray()) {
            if (c == '"' || c == '\\') {
                b.append('\\').append(c);
            } else if (c == '\n') {
                b.append("\\n");
            } else {
                b.append(c);
            }
        }
        return b.append('"').toString();
    }

    static Path findOnPath(String name) {
        for (String d : System.getenv().getOrDefault("PATH", "").split(":")) {
            Path p = Path.of(d, name);
            if (Files.isExecutable(p)) {
                return p;
            }
        }
        return null;
    }
}
