package org.javapxeboot.it;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.javapxeboot.fixture.Netns;
import org.javapxeboot.xman.vm.PrivateLibvirtd;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * A real guest installs through us end to end (path 2: a Xen PV guest whose bootloader is
 * javapxeboot). There is no Xen here, so the test plays Xen's part exactly. {@code provision apply}
 * (embedded test driver) writes the guest's xl and xm configs, its pxelinux entry into a TFTP root
 * that also holds the Debian netboot tree's pxelinux.0, ldlinux.c32, kernel and initrd, and its
 * preseed (the shipped debian-netboot-check.cfg). A "site" network namespace runs the DHCP/TFTP
 * server (pxe-mock, then real dnsmasq) and {@code provision serve}; a private libvirtd's network
 * namespace is dom0: its bridge {@link PrivateLibvirtd#BRIDGE} has an address on the site's LAN, as
 * xenbr0 has. There {@code bin/javapxeboot} runs with the argv libxl builds from the xl config
 * (simple0) and the argv xend builds from the xm config (sxp to a fifo); both answers must carry the
 * installer's kernel and initrd and the pxelinux entry's APPEND. Then the test does what libxl does
 * with the answer: a TCG domain boots that kernel, ramdisk and command line; d-i must come up with
 * exactly those arguments, fetch its preseed once from its own address, ack, and power off. After
 * the ack the entry is LOCALBOOT and the bootloader hands over to pygrub (a recording stand-in)
 * with the guest's disk; nothing fetches the preseed again. Logs, consoles and the stage table go to
 * {@code tests/target/xen-install/}.
 */
@Timeout(value = 10, unit = TimeUnit.MINUTES)
class XenBootloaderInstallTest {
    static final Path TREE = Path.of("/usr/lib/debian-installer/images/12/amd64/text");
    static final Path KEEP = Proc.projectRoot().resolve("tests/target/xen-install");
    static final Duration INSTALL_BOUND = Duration.ofMinutes(8); // a hang guard: TCG d-i takes 60-120 s idle, 3-4 min at load 10

    static String skip;
    static PrivateLibvirtd libvirtd;
    static Path libvirtdDir;
    static String netns;
    static String subnet;
    static final List<Process> servers = new ArrayList<>();

    @BeforeAll
    static void start() throws Exception {
        skip = Proc.firstReason(Netns.unavailable(), PrivateLibvirtd.unavailable().orElse(null),
            Stream.of("pxelinux.0", "ldlinux.c32", "debian-installer/amd64/linux", "debian-installer/amd64/initrd.gz")
                .allMatch(f -> Files.isRegularFile(TREE.resolve(f))) ? null
                : "the Debian netboot tree " + TREE + " is incomplete (apt-get install debian-installer-12-netboot-amd64)",
            Files.isExecutable(Path.of("/usr/sbin/dnsmasq")) ? null : "dnsmasq is missing (dnsmasq-base)",
            Proc.onPath("virsh") ? null : "virsh is missing (libvirt-clients)",
            Proc.launchersMissing(),
            Files.isRegularFile(Proc.projectRoot().resolve("provisioner/target/provisioner.jar")) ? null
                : "provisioner/target/provisioner.jar is missing: run with `mvn verify`");
        if (skip != null) return;
        Proc.deleteTree(KEEP);
        Files.createDirectories(KEEP);
        long pid = ProcessHandle.current().pid();
        netns = "jpbx" + pid % 100000;
        subnet = "10.232." + (pid % 200 + 20);
        Proc.check("ip", "netns", "add", netns);
        libvirtdDir = Files.createTempDirectory("jpb-xend"); // short: the daemon's socket path is under it
        libvirtd = PrivateLibvirtd.start(libvirtdDir, Duration.ofSeconds(60));
        libvirtd.linkBridge(netns, "jxn" + pid % 100000, subnet + ".1/24");
        libvirtd.addressBridge(subnet + ".2/24", subnet + ".1"); // dom0's address on its bridge, and its route
    }

    @AfterAll
    static void stop() throws Exception {
        for (Process p : servers) stopServer(p);
        if (libvirtd != null) libvirtd.close(); // kills the guests' qemu too
        if (libvirtdDir != null) Proc.deleteTree(libvirtdDir);
        if (netns != null) Proc.check("ip", "netns", "del", netns);
    }

    @Test void throughPxeMock() throws Exception {
        install("pxe-mock", "52:54:00:4a:60:11", ".61", 8061);
    }

    @Test void throughDnsmasq() throws Exception {
        install("dnsmasq", "52:54:00:4a:60:12", ".62", 8062);
    }

    void install(String dhcp, String mac, String guestSuffix, int port) throws Exception {
        assumeTrue(skip == null, skip);
        XenInstallRun run = new XenInstallRun(KEEP.resolve(dhcp), dhcp, "xen-" + dhcp, mac, subnet, guestSuffix, port);
        try {
            run.prepare();
            servers.add(run.startDhcpTftp(netns));
            servers.add(run.startServe(netns));
            check(run);
        } catch (Throwable t) {
            System.err.println("XenBootloaderInstallTest " + dhcp + " FAILED; everything is kept in " + run.dir
                + "\n--- the console's last lines ---\n" + run.consoleTail(30)
                + "\n--- libvirtd ---\n" + Proc.tail(libvirtd.log(), 15)
                + "\n--- qemu ---\n" + Proc.tail(libvirtd.qemuLog(run.name), 15));
            throw t;
        } finally {
            Proc.run(List.of("virsh", "-c", libvirtd.uri(), "destroy", run.name), Duration.ofSeconds(60));
            Proc.run(List.of("virsh", "-c", libvirtd.uri(), "undefine", run.name), Duration.ofSeconds(60));
            for (Process p : servers) stopServer(p);
            servers.clear();
            run.close();
            run.removeBulk();
        }
    }

    void check(XenInstallRun run) throws Exception {
        // What apply wrote: the default bootloader in both configs, the pxelinux entry in install state.
        XenConfigFile xl = XenConfigFile.parse(Files.readString(run.out.resolve("xen/" + run.name + ".cfg")));
        XenConfigFile xm = XenConfigFile.parse(Files.readString(run.out.resolve("xm/" + run.name)));
        assertEquals("/usr/bin/javapxeboot", xl.string("bootloader"));
        assertEquals("/usr/bin/javapxeboot", xm.string("bootloader"));
        String entry = Files.readString(run.pxelinuxEntry());
        assertTrue(entry.contains("# state: install"), entry);
        String append = XenToolstack.appendArgs(entry);
        assertEquals("auto=true priority=critical url=http://" + run.serverIp + ":" + run.port + "/ks/" + run.name
            + ".ks hostname=" + run.name + " console=ttyS0", append);

        // xend's way first (a check of the xm config): the vif word, sxp to a fifo.
        Path fifo = run.fifo();
        CompletableFuture<String> reading = CompletableFuture.supplyAsync(() -> {
            try {
                return Files.readString(fifo, StandardCharsets.ISO_8859_1);
            } catch (IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        });
        List<String> xend = XenToolstack.xendArgv(Proc.launcher("javapxeboot"), xm, fifo, run.images("xm"));
        assertEquals(xm.list("vif").get(0), xend.get(xend.size() - 2), "xend hands over the vif bootargs names");
        Proc blx = run.bootloader("xend", libvirtd.inNetns(xend));
        if (blx.exit() != 0) Files.write(fifo, new byte[0]); // xend's reader is still waiting on the fifo: let it go
        assertEquals(0, blx.exit(), () -> "javapxeboot (xend's argv) failed:\n" + blx.stderr());
        Map<String, String> sxp = XenToolstack.sxp(reading.get(30, TimeUnit.SECONDS));

        // Power on, libxl's way (`xl create` runs the bootloader, then builds the domain): simple0.
        List<String> libxl = XenToolstack.libxlArgv(Proc.launcher("javapxeboot"), xl, run.libxlOutput(), run.images("xl"));
        assertEquals(List.of("--mac=" + run.mac, "--interface=" + PrivateLibvirtd.BRIDGE, run.disk().toString()),
            libxl.subList(4, libxl.size()), "libxl's argv ends with bootloader_args and the disk");
        Proc bl = run.bootloader("libxl", libvirtd.inNetns(libxl));
        assertEquals(0, bl.exit(), () -> "javapxeboot (libxl's argv) failed:\n" + bl.stderr());
        Map<String, String> simple0 = XenToolstack.simple0(Files.readString(run.libxlOutput(), StandardCharsets.ISO_8859_1));
        run.bootloaderTimes(bl.stderr());

        // Both answers: the installer's own kernel and initrd, and the entry's APPEND as the arguments.
        for (Map<String, String> answer : List.of(simple0, sxp)) {
            assertEquals(append, answer.get("args"), answer.toString());
            assertArrayEquals(sha256(run.tftp.resolve("xen-check/linux")), sha256(Path.of(answer.get("kernel"))), answer.toString());
            assertArrayEquals(sha256(run.tftp.resolve("xen-check/initrd.gz")), sha256(Path.of(answer.get("ramdisk"))), answer.toString());
            assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(Path.of(answer.get("kernel")))));
        }

        // What libxl does with the answer: build the domain with that kernel, ramdisk and command line.
        run.startDomain(libvirtd, simple0);
        StampedLines.Line cmdline = run.console.first(l -> l.contains("Command line:")).get(INSTALL_BOUND.toSeconds(), TimeUnit.SECONDS);
        run.stage("installer kernel on console", cmdline.nanos());
        assertEquals("Command line: " + append, cmdline.text().replaceFirst("^.*?(Command line:)", "$1").trim(),
            "the installer's command line is the bootloader's answer");
        StampedLines.Line init = run.console.first(l -> l.contains("Run /init as init process")).get(INSTALL_BOUND.toSeconds(), TimeUnit.SECONDS);
        run.stage("installer's init starts (d-i)", init.nanos());
        StampedLines.Line lease = run.dhcpLog.firstAfter(run.domainStarted, run::isLeaseAck).get(INSTALL_BOUND.toSeconds(), TimeUnit.SECONDS);
        run.stage("installer's DHCP lease (server's ACK)", lease.nanos());
        StampedLines.Line ks = run.serve.first(l -> l.contains(" GET /ks/" + run.name + ".ks ")).get(INSTALL_BOUND.toSeconds(), TimeUnit.SECONDS);
        run.stage("preseed fetched", ks.nanos());
        StampedLines.Line ack = run.serve.first(l -> l.contains(" POST /ack/" + run.name + " ")).get(INSTALL_BOUND.toSeconds(), TimeUnit.SECONDS);
        run.stage("ack taken", ack.nanos());
        assertTrue(ks.text().contains(run.guestIp + " GET /ks/" + run.name + ".ks 200"), ks.text());
        assertTrue(ack.text().contains(run.guestIp + " POST /ack/" + run.name + " 200"), ack.text());
        assertTrue(cmdline.nanos() < init.nanos() && init.nanos() < lease.nanos() && lease.nanos() < ks.nanos()
            && ks.nanos() < ack.nanos(), "kernel, init, DHCP, preseed, ack: in this order");
        run.awaitPowerOff(libvirtd, INSTALL_BOUND);

        // After the ack: the entry is LOCALBOOT, and the bootloader hands over to pygrub with the disk.
        String after = Files.readString(run.pxelinuxEntry());
        assertTrue(after.contains("# state: localboot") && after.contains("LOCALBOOT 0"), after);
        Path pygrub = run.pygrubStandIn();
        List<String> local = new ArrayList<>(XenToolstack.libxlArgv(Proc.launcher("javapxeboot"), xl, run.libxlOutput(), run.images("xl")));
        local.add(local.size() - 1, "--pygrub=" + pygrub); // as an admin adds it to bootloader_args
        Files.writeString(run.libxlOutput(), ""); // libxl pre-creates the output file for every boot
        Proc lb = run.bootloader("localboot", libvirtd.inNetns(local));
        assertEquals(0, lb.exit(), () -> "javapxeboot (LOCALBOOT) failed:\n" + lb.stderr());
        assertTrue(lb.stderr().contains("is LOCALBOOT: handing over to " + pygrub), lb.stderr());
        assertEquals(List.of("--output=" + run.libxlOutput(), "--output-format=simple0", "--output-directory=" + run.images("xl"),
            run.disk().toString()), Files.readAllLines(run.pygrubArgv()), "pygrub gets the toolstack's options and the disk");
        assertEquals(Map.of("kernel", "/boot/vmlinuz", "ramdisk", "/boot/initrd.img", "args", "root=/dev/xvda1 ro"),
            XenToolstack.simple0(Files.readString(run.libxlOutput(), StandardCharsets.ISO_8859_1)), "pygrub's answer reaches libxl");

        // provision serve saw one preseed fetch and one ack, both from the guest's address.
        assertEquals(1, run.serve.count(l -> l.contains("/ks/" + run.name + ".ks")), String.join("\n", run.serve.texts()));
        assertEquals(1, run.serve.count(l -> l.contains("/ack/" + run.name)), String.join("\n", run.serve.texts()));
        run.writeStages();
    }

    static void stopServer(Process p) throws InterruptedException {
        p.descendants().forEach(ProcessHandle::destroy);
        p.destroy();
        if (!p.waitFor(15, TimeUnit.SECONDS)) {
            p.descendants().forEach(ProcessHandle::destroyForcibly);
            p.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
        }
    }

    static byte[] sha256(Path p) throws Exception {
        MessageDigest md = MessageDigest.getInstance("SHA-256");
        try (var in = Files.newInputStream(p)) {
            byte[] b = new byte[1 << 16];
            for (int n; (n = in.read(b)) > 0; ) md.update(b, 0, n);
        }
        return md.digest();
    }

    static Matcher find(String regex, String text) {
        Matcher m = Pattern.compile(regex).matcher(text);
        assertTrue(m.find(), "no '" + regex + "' in\n" + text);
        return m;
    }

}
