package org.javapxeboot.it;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.javapxeboot.xman.daemon.XmandMain;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;
import picocli.CommandLine.Model.OptionSpec;

/**
 * The Debian packages the build makes (tests/target/debs, packaging/build-debs.sh): lintian finds no error,
 * {@code apt-get install ./*.deb} installs them on this machine, the installed commands run (the bootloader
 * against the installed pxe-mock, {@code provision apply} from an unrelated folder with the installed templates,
 * xmand with its unit's command line called by the installed rxm), the units pass {@code systemd-analyze verify},
 * {@code man xmand} shows every flag, and a purge leaves nothing behind. Root only; the purge runs in a finally block.
 */
@Timeout(900)
class PackagesTest {
    static final List<String> PACKAGES = List.of("javapxeboot", "pxe-mock", "xman", "provisioner");
    static final Path DEBS = Proc.projectRoot().resolve("tests/target/debs");
    static final String MAC = "aa:00:86:e2:35:72";

    @TempDir Path tmp;

    static boolean root() {
        try {
            return ((Integer) Files.getAttribute(Path.of("/proc/self"), "unix:uid")) == 0;
        } catch (IOException | UnsupportedOperationException e) {
            return false;
        }
    }

    static Proc sh(Duration timeout, String... cmd) throws Exception {
        return Proc.run(List.of(cmd), timeout);
    }

    static Proc ok(Duration timeout, String... cmd) throws Exception {
        Proc p = sh(timeout, cmd);
        assertEquals(0, p.exit(), String.join(" ", cmd) + "\n" + p.stdout() + p.stderr());
        return p;
    }

    static boolean installed(String pkg) throws Exception {
        Proc p = sh(Duration.ofSeconds(60), "dpkg-query", "-W", "-f=${Status}", pkg);
        return p.exit() == 0 && !p.stdout().contains("not-installed") && !p.stdout().isEmpty();
    }

    static List<Path> debs() throws IOException {
        if (!Files.isDirectory(DEBS)) {
            return List.of();
        }
        try (Stream<Path> s = Files.list(DEBS)) {
            return s.filter(p -> p.toString().endsWith(".deb")).sorted().toList();
        }
    }

    static String skipReason() throws Exception {
        if (!root()) {
            return "needs root: installs the packages into this machine's /usr";
        }
        for (String tool : List.of("/usr/bin/apt-get", "/usr/bin/dpkg", "/usr/bin/lintian", "/usr/bin/systemd-analyze", "/usr/bin/man")) {
            if (!Files.isExecutable(Path.of(tool))) {
                return tool + " is missing (bash .ci/setup installs it)";
            }
        }
        if (debs().size() != PACKAGES.size()) {
            return DEBS + " does not hold the " + PACKAGES.size() + " packages: build with `mvn verify` (not -Ddeb.skip=true)";
        }
        for (String p : PACKAGES) {
            if (installed(p)) {
                return "package " + p + " is already installed on this machine: the test installs and purges its own and leaves an administrator's alone";
            }
        }
        return null;
    }

    @Test
    void packagesPassLintianInstallRunAndPurgeCleanly() throws Exception {
        String why = skipReason();
        assumeTrue(why == null, "skipped: " + why);

        List<String> debs = debs().stream().map(Path::toString).toList();
        List<String> lintian = new ArrayList<>(List.of("lintian", "--allow-root"));
        lintian.addAll(debs);
        Proc lint = sh(Duration.ofMinutes(5), lintian.toArray(new String[0]));
        List<String> errors = (lint.stdout() + lint.stderr()).lines().filter(l -> l.startsWith("E:")).toList();
        assertEquals(List.of(), errors, "lintian errors");

        List<String> owned = new ArrayList<>();
        try {
            List<String> install = new ArrayList<>(List.of("apt-get", "install", "-y", "-q", "--no-install-recommends"));
            install.addAll(debs);
            Proc in = Proc.run(install, Duration.ofMinutes(10));
            assertEquals(0, in.exit(), in.stdout() + in.stderr());
            for (String p : PACKAGES) {
                ok(Duration.ofSeconds(60), "dpkg-query", "-L", p).stdout().lines().filter(l -> l.startsWith("/")).forEach(owned::add);
            }
            assertTrue(Files.isRegularFile(Path.of("/var/cache/javapxeboot/javapxeboot.jsa")), "postinst built the AppCDS archive");
            // and the installed launcher maps it: with -Xshare:on an archive the JVM cannot use is an error,
            // and the bootloader's own classes must come from it
            loadsFromItsArchive("/usr/bin/javapxeboot", "JAVAPXEBOOT_JAVA_OPTS", "org.javapxeboot.cli.Main");
            // the provisioner's too, and a no-op's first classes come from it (JAVA_OPTS follows the launcher's options)
            assertTrue(Files.isRegularFile(Path.of("/var/cache/provisioner/provision.jsa")), "postinst built the provisioner's AppCDS archive");
            assertEquals("rw-r--r--", mode("/var/cache/provisioner/provision.jsa"));
            try (Stream<Path> s = Files.list(Path.of("/var/cache/provisioner"))) {
                assertEquals(List.of("provision.jsa"), s.map(p -> p.getFileName().toString()).toList(), "nothing of the training left");
            }
            loadsFromItsArchive("/usr/bin/provision", "JAVA_OPTS", "org.javapxeboot.provisioner.cli.ProvisionCli",
                    "org.javapxeboot.provisioner.cli.QuickApply");
            assertEquals("rwx------", mode("/var/lib/xmand"));
            assertEquals("rwxr-x---", mode("/var/lib/xman-portal"));
            assertEquals("xman-portal", Files.getOwner(Path.of("/var/lib/xman-portal")).getName());

            bootloaderAgainstPxeMock();
            provisionWithTheInstalledTemplates();
            xmandFromItsUnitCalledByRxm();
            unitsVerify();
            manXmandShowsEveryFlag();
        } finally {
            List<String> purge = new ArrayList<>(List.of("apt-get", "purge", "-y", "-q"));
            purge.addAll(PACKAGES);
            Proc out = Proc.run(purge, Duration.ofMinutes(10));
            assertEquals(0, out.exit(), out.stdout() + out.stderr());
        }
        for (String p : PACKAGES) {
            assertFalse(installed(p), p + " purged");
        }
        List<String> left = new ArrayList<>();
        for (String f : owned) {
            Path p = Path.of(f);
            if (Files.exists(p) && !Files.isDirectory(p)) {
                left.add(f);
            }
        }
        for (String d : List.of("/etc/xman", "/var/lib/xmand", "/var/lib/xman-portal", "/var/log/xman", "/var/cache/javapxeboot", "/var/cache/provisioner",
                "/var/lib/provisioner", "/usr/share/javapxeboot", "/usr/share/xman", "/usr/share/provisioner", "/usr/share/pxe-mock")) {
            if (Files.exists(Path.of(d))) {
                left.add(d);
            }
        }
        assertEquals(List.of(), left, "left after purge");
    }

    /**
     * {@code launcher --version}, with {@code -Xshare:on} (an archive the JVM cannot use is an error)
     * given through {@code optsVariable}, loads each of {@code classes} from its AppCDS archive.
     */
    static void loadsFromItsArchive(String launcher, String optsVariable, String... classes) throws Exception {
        ProcessBuilder b = new ProcessBuilder(launcher, "--version").redirectErrorStream(true);
        b.environment().put(optsVariable, "-Xshare:on -Xlog:class+load=info:stdout");
        Process p = b.start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(60, TimeUnit.SECONDS), launcher + " --version hung");
        assertEquals(0, p.exitValue(), out);
        for (String c : classes) {
            assertTrue(out.contains(c + " source: shared objects file"), c + " did not come from " + launcher + "'s archive:\n"
                    + out.lines().filter(l -> l.contains("org.javapxeboot")).limit(5).toList());
        }
    }

    static String mode(String path) throws IOException {
        return java.nio.file.attribute.PosixFilePermissions.toString(Files.getPosixFilePermissions(Path.of(path)));
    }

    /** The installed pxe-mock serves a tree; the installed /usr/bin/javapxeboot boots from it with libxl's argv. */
    void bootloaderAgainstPxeMock() throws Exception {
        Path tree = Files.createDirectories(tmp.resolve("tftp/pxelinux.cfg"));
        byte[] kernel = new byte[1 << 20];
        new Random(7).nextBytes(kernel);
        Files.write(tmp.resolve("tftp/vmlinuz"), kernel);
        Files.writeString(tree.resolve("default"), "default install\nlabel install\n kernel vmlinuz\n append quiet\n");
        Files.write(tmp.resolve("tftp/pxelinux.0"), new byte[] {1});
        Path xen = Files.createDirectories(tmp.resolve("xen"));
        Process mock = new ProcessBuilder("/usr/bin/pxe-mock", "--root", tmp.resolve("tftp").toString(), "--lease", MAC + "=127.0.0.9",
                "--boot-file", "pxelinux.0").redirectError(ProcessBuilder.Redirect.DISCARD).start();
        try {
            Matcher m = waitForLine(mock, Pattern.compile("pxe-mock listening tftp=127\\.0\\.0\\.1:(\\d+) dhcp=127\\.0\\.0\\.1:(\\d+)"));
            Proc boot = ok(Duration.ofMinutes(2), "/usr/bin/javapxeboot", "--dhcp-server=127.0.0.1:" + m.group(2), "--dhcp-port=0",
                    "--tftp-port=" + m.group(1), "--output=-", "--output-format=simple", "--output-directory=" + xen, "--mac=" + MAC);
            String stanza = boot.stdout();
            assertTrue(stanza.contains("args quiet"), stanza);
            Matcher k = Pattern.compile("kernel (\\S+)").matcher(stanza);
            assertTrue(k.find(), stanza);
            assertArrayEquals(kernel, Files.readAllBytes(Path.of(k.group(1))));
            Files.delete(Path.of(k.group(1)));
        } finally {
            mock.destroy();
            mock.waitFor(30, TimeUnit.SECONDS);
        }
    }

    /** provision apply, run from a folder holding its own templates: the installed ones are used. */
    void provisionWithTheInstalledTemplates() throws Exception {
        Path cwd = Files.createDirectories(tmp.resolve("elsewhere"));
        Files.createDirectories(cwd.resolve("kickstart-templates"));
        Files.writeString(cwd.resolve("kickstart-templates/sl-basic.ks"), "PLANTED ${name}\n");
        Path yaml = cwd.resolve("cluster.yaml");
        Files.copy(Proc.projectRoot().resolve("provisioner/examples/cluster.yaml"), yaml);
        Path out = tmp.resolve("provision-out");
        Process p = new ProcessBuilder("/usr/bin/provision", "apply", yaml.toString(), "--out", out.toString(), "--no-start")
                .directory(cwd.toFile()).redirectErrorStream(true).start();
        p.getOutputStream().close();
        String text = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(5, TimeUnit.MINUTES), text);
        assertEquals(0, p.exitValue(), text);
        try (Stream<Path> files = Files.walk(out)) {
            List<Path> ks = files.filter(f -> f.getFileName().toString().startsWith("cagnode50") && f.toString().endsWith(".ks")).toList();
            assertFalse(ks.isEmpty(), text);
            String kickstart = Files.readString(ks.get(0));
            assertFalse(kickstart.contains("PLANTED"), kickstart);
            assertTrue(kickstart.contains("# Kickstart for cagnode50"), kickstart);
        }
    }

    /** xmand started with the installed unit's ExecStart (flags for loopback testing added) answers the installed rxm. */
    void xmandFromItsUnitCalledByRxm() throws Exception {
        String unit = Files.readString(Path.of("/lib/systemd/system/xmand.service"));
        Matcher exec = Pattern.compile("(?m)^ExecStart=(.+)$").matcher(unit);
        assertTrue(exec.find(), unit);
        List<String> cmd = new ArrayList<>(List.of(exec.group(1).trim().split("\\s+")));
        cmd.addAll(List.of("--listen", "127.0.0.1:0", "--no-tls", "--insecure-no-auth", "--syslog", "off", "--log", "-",
                "--connect", "test:///default", "--host-name", "pkgtest"));
        Process xmand = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        try {
            Matcher m = waitForLine(xmand, Pattern.compile("listening on 127\\.0\\.0\\.1:(\\d+)"));
            Proc list = ok(Duration.ofMinutes(2), "/usr/bin/rxm", "-H", "127.0.0.1:" + m.group(1), "--no-tls", "--insecure-no-auth", "list");
            assertTrue(list.stdout().contains("test"), list.stdout());
        } finally {
            xmand.destroy();
            xmand.waitFor(30, TimeUnit.SECONDS);
        }
    }

    /** Every installed unit passes systemd-analyze verify, and its exposure is reported below "EXPOSED". */
    void unitsVerify() throws Exception {
        for (String u : List.of("xmand.service", "xman-portal.service", "provision-serve.service")) {
            String path = "/lib/systemd/system/" + u;
            Proc v = sh(Duration.ofMinutes(2), "systemd-analyze", "verify", path);
            assertEquals(0, v.exit(), u + ": " + v.stdout() + v.stderr());
            assertEquals("", v.stderr().lines().filter(l -> l.contains(u)).reduce("", (a, b) -> a + b + "\n"), u);
            Proc s = sh(Duration.ofMinutes(2), "systemd-analyze", "security", "--offline=true", path);
            Matcher level = Pattern.compile("Overall exposure level for " + Pattern.quote(u) + ": ([0-9.]+) (\\S+)").matcher(s.stdout());
            assertTrue(level.find(), s.stdout() + s.stderr());
            assertTrue(Double.parseDouble(level.group(1)) <= 4.0, u + " exposure " + level.group(1) + " " + level.group(2));
        }
    }

    /** man xmand lists every long option xmand has. */
    void manXmandShowsEveryFlag() throws Exception {
        Proc man = ok(Duration.ofMinutes(1), "man", "-P", "cat", "xmand");
        String text = man.stdout().replaceAll(".\b", "");
        for (OptionSpec o : new CommandLine(new XmandMain()).getCommandSpec().options()) {
            assertTrue(text.contains(o.longestName()), "man xmand lacks " + o.longestName());
        }
        assertTrue(text.contains("--config"), text);
    }

    /** Reads the child's output until a line matches (a bound only stops a hang); the rest is drained. */
    static Matcher waitForLine(Process p, Pattern pattern) throws Exception {
        BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8));
        StringBuilder seen = new StringBuilder();
        java.util.concurrent.CompletableFuture<Matcher> found = java.util.concurrent.CompletableFuture.supplyAsync(() -> {
            try {
                for (String line; (line = r.readLine()) != null; ) {
                    seen.append(line).append('\n');
                    Matcher m = pattern.matcher(line);
                    if (m.find()) {
                        Thread drain = new Thread(() -> {
                            try {
                                r.transferTo(java.io.Writer.nullWriter());
                            } catch (IOException e) {
                                // the child ended
                            }
                        });
                        drain.setDaemon(true);
                        drain.start();
                        return m;
                    }
                }
                return null;
            } catch (IOException e) {
                return null;
            }
        });
        Matcher m = found.get(2, TimeUnit.MINUTES);
        assertTrue(m != null, "no line matching " + pattern + " in:\n" + seen);
        return m;
    }

}
