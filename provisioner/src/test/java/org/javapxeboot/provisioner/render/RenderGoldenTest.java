package org.javapxeboot.provisioner.render;

import static org.junit.jupiter.api.Assertions.assertEquals;
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

    @Test
    void kvmGuestWithPreseed() throws Exception {
        Guest g = kvm();
        Golden.check("kvmnode1.xml", DomainXml.render(g, SERVER, false));
        Golden.check("kvmnode1-installed.xml", DomainXml.render(g, SERVER, true));
        Golden.check("kvmnode1.pxelinux-install", PxelinuxEntry.install(SERVER, g));
        Golden.check("kvmnode1.preseed", new Kickstart(Fixtures.TEMPLATES).render(SERVER, g));
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
                "images/vmlinuz", "images/initrd.img", g.vars(), g.where(), g.fields());
        RenderException e = assertThrows(RenderException.class, () -> PxelinuxEntry.install(SERVER, withOptions));
        assertTrue(e.getMessage().contains("pxelinux has no quoting"), e.getMessage());
    }

    /** The xm config is Python: run it through python3 and compare every value with the input. */
    @Test
    void xmConfigReadsBackInPython(@TempDir Path dir) throws Exception {
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
