package org.javapxeboot.provisioner.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.File;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** Templates and LVM scripts come from the installation or an option, never from the working folder. */
@Timeout(120)
class HomeTest {
    static final Path EXAMPLE = Path.of("examples/cluster.yaml").toAbsolutePath();

    @TempDir Path dir;

    static String classpath() throws Exception {
        List<String> cp = new ArrayList<>();
        for (Class<?> c : new Class<?>[] {ProvisionCli.class, picocli.CommandLine.class, org.yaml.snakeyaml.Yaml.class,
                org.libvirt.Connect.class, com.sun.jna.Native.class, org.javapxeboot.xman.vm.VmControl.class}) {
            cp.add(Path.of(c.getProtectionDomain().getCodeSource().getLocation().toURI()).toString());
        }
        return String.join(File.pathSeparator, cp);
    }

    /**
     * `provision render` run (as its own process) from a folder that holds its own
     * kickstart-templates/ and lvm-scripts/: the installation's template is rendered, not the planted one.
     */
    @Test
    void aTreeInTheWorkingFolderIsNotUsed() throws Exception {
        Path cwd = Files.createDirectories(dir.resolve("user/work"));
        Path fake = Files.createDirectories(dir.resolve("user/kickstart-templates")); // a parent, as the old search went up
        Files.writeString(fake.resolve("sl-basic.ks"), "PLANTED-TEMPLATE ${name}\n");
        Files.createDirectories(cwd.resolve("kickstart-templates"));
        Files.writeString(cwd.resolve("kickstart-templates/sl-basic.ks"), "PLANTED-TEMPLATE ${name}\n");
        Files.createDirectories(cwd.resolve("lvm-scripts"));
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        Process p = new ProcessBuilder(java, "-cp", classpath(), ProvisionCli.class.getName(), "render", EXAMPLE.toString(),
                "cagnode50", "--out", dir.resolve("out").toString())
                .directory(cwd.toFile()).redirectErrorStream(true).start();
        p.getOutputStream().close();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(60, TimeUnit.SECONDS));
        assertEquals(0, p.exitValue(), out);
        assertFalse(out.contains("PLANTED-TEMPLATE"), out);
        assertTrue(out.contains("# Kickstart for cagnode50 (Scientific Linux"), out);
    }

    @Test
    void theInstallationIsWhereTheCodeWasLoadedFrom() throws Exception {
        // tests load target/classes of the provisioner module: the checkout's root holds the folders
        Path root = Home.installation();
        assertEquals(Path.of("").toAbsolutePath().getParent(), root);
        assertEquals(root.resolve("kickstart-templates"), Home.find("kickstart-templates"));
        assertEquals(root.resolve("lvm-scripts"), Home.find("lvm-scripts"));
    }

    Run run(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int code = ProvisionCli.run(args, new PrintWriter(out), new PrintWriter(err));
        return new Run(code, out.toString(), err.toString());
    }

    record Run(int code, String out, String err) {
    }

    /** As root: a template folder, or a file in it, that another user could change is refused. */
    @Test
    void rootRefusesTemplatesAndScriptsOthersCanWrite() throws Exception {
        Assumptions.assumeTrue(Home.runningAsRoot(), "the check applies to root only");
        Path t = Files.createDirectories(dir.resolve("templates"));
        Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwx------"));
        Files.copy(Path.of("../kickstart-templates/sl-basic.ks"), t.resolve("sl-basic.ks"));
        Files.copy(Path.of("../kickstart-templates/debian-preseed.cfg"), t.resolve("debian-preseed.cfg"));
        assertNull(Home.untrusted(t), "root's own folder, mode 0755, is trusted");
        Run ok = run("render", EXAMPLE.toString(), "cagnode50", "--out", dir.resolve("out").toString(), "--templates", t.toString());
        assertEquals(0, ok.code, ok.err);

        Files.setPosixFilePermissions(t, PosixFilePermissions.fromString("rwxrwxrwx"));
        Run open = run("render", EXAMPLE.toString(), "cagnode50", "--out", dir.resolve("out").toString(), "--templates", t.toString());
        assertEquals(2, open.code);
        assertEquals("--templates " + t + ": refused as root: " + t + " is writable by everyone (mode 0777);"
                + " make it root's and not writable by others (chown root, chmod go-w)\n", open.err);
        Files.setPosixFilePermissions(t, PosixFilePermissions.fromString("rwxr-xr-x"));

        Files.setAttribute(t.resolve("sl-basic.ks"), "unix:uid", 65534);
        Run owned = run("render", EXAMPLE.toString(), "cagnode50", "--out", dir.resolve("out").toString(), "--templates", t.toString());
        assertEquals(2, owned.code);
        assertTrue(owned.err.contains(t.resolve("sl-basic.ks") + " is owned by uid 65534, not root"), owned.err);

        Path scripts = Files.createDirectories(dir.resolve("scripts"));
        Files.writeString(scripts.resolve("lv-ensure"), "#!/bin/sh\n");
        Files.setPosixFilePermissions(scripts.resolve("lv-ensure"), PosixFilePermissions.fromString("rwxrwxrwx"));
        Run lvm = run("plan", EXAMPLE.toString(), "--out", dir.resolve("out").toString(), "--lvm-scripts", scripts.toString());
        assertEquals(2, lvm.code);
        assertTrue(lvm.err.contains("--lvm-scripts " + scripts + ": refused as root: " + scripts.resolve("lv-ensure")
                + " is writable by everyone"), lvm.err);
    }

    /** As root: a template reached through a link is judged by the link's owner and by what it points to. */
    @Test
    void rootJudgesALinkByItsOwnerAndItsTarget() throws Exception {
        Assumptions.assumeTrue(Home.runningAsRoot(), "the check applies to root only");
        Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwx------"));
        Path real = Files.createDirectories(dir.resolve("real"));
        Files.writeString(real.resolve("a.ks"), "%packages\n%end\n");
        Path t = Files.createDirectories(dir.resolve("templates"));
        Path link = Files.createSymbolicLink(t.resolve("a.ks"), real.resolve("a.ks"));
        assertNull(Home.untrusted(t), "root's link to root's file");
        Files.setPosixFilePermissions(real.resolve("a.ks"), PosixFilePermissions.fromString("rw-rw-rw-"));
        String why = Home.untrusted(t);
        assertTrue(why != null && why.startsWith(link + " points to " + real.resolve("a.ks") + ", which is writable by everyone"), why);
        Files.setPosixFilePermissions(real.resolve("a.ks"), PosixFilePermissions.fromString("rw-r--r--"));
        Files.getFileAttributeView(link, java.nio.file.attribute.PosixFileAttributeView.class, java.nio.file.LinkOption.NOFOLLOW_LINKS)
                .setOwner(dir.getFileSystem().getUserPrincipalLookupService().lookupPrincipalByName("nobody"));
        why = Home.untrusted(t);
        assertTrue(why != null && why.startsWith(link + " is a symbolic link owned by uid "), why);
    }
}
