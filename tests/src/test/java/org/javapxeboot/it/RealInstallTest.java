package org.javapxeboot.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
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
 * A real guest installs through us end to end (path 1: a KVM/QEMU guest that network-boots). A
 * private libvirtd runs TCG guests on a bridge that a veth joins to a "site" network namespace; in
 * that namespace {@code tests/real-install.sh} (the administrator's site check) starts the DHCP/TFTP
 * server (pxe-mock, then real dnsmasq) and {@code provision serve}, and {@code provision apply}
 * defines and starts the guest. SeaBIOS + iPXE (Debian ipxe-qemu) PXE-boots, pxelinux.0 reads the
 * entry apply wrote, the Debian installer's kernel and initrd boot, d-i fetches the shipped
 * debian-netboot-check.cfg preseed, acknowledges with the templates' own ack and powers off. The
 * script checks the switch to the disk and a second start; this test checks again, from the files
 * the script keeps under {@code target/real-install/}, what each server and the console saw.
 */
@Timeout(value = 45, unit = TimeUnit.MINUTES)
class RealInstallTest {
    static final Path TREE = Path.of("/usr/lib/debian-installer/images/12/amd64/text");
    static final Path SGABIOS = Path.of("/usr/share/qemu/sgabios.bin");
    static final Path IPXE_ROM = Path.of("/usr/lib/ipxe/qemu/efi-virtio.rom");
    static final Path SCRIPT = Proc.projectRoot().resolve("tests/real-install.sh");
    static final Path KEEP = Proc.projectRoot().resolve("tests/target/real-install");

    static String skip;
    static PrivateLibvirtd libvirtd;
    static Path libvirtdDir;
    static String netns;
    static String subnet;

    @BeforeAll
    static void start() throws Exception {
        skip = Proc.firstReason(Netns.unavailable(), PrivateLibvirtd.unavailable().orElse(null),
            Files.isDirectory(TREE) ? null : "the Debian netboot tree is missing (apt-get install debian-installer-12-netboot-amd64)",
            Files.exists(SGABIOS) ? null : SGABIOS + " is missing (qemu-system-data): the firmware's messages reach the serial console through it",
            Files.exists(IPXE_ROM) ? null : IPXE_ROM + " is missing (ipxe-qemu): the guest's network boot ROM",
            Proc.onPath("virsh") ? null : "virsh is missing (libvirt-clients)",
            Files.isExecutable(Path.of("/usr/sbin/dnsmasq")) ? null : "dnsmasq is missing (dnsmasq-base)",
            Proc.launchersMissing(),
            Files.isRegularFile(Proc.projectRoot().resolve("provisioner/target/provisioner.jar")) ? null
                : "provisioner/target/provisioner.jar is missing: run with `mvn verify`");
        if (skip != null) return;
        Proc.deleteTree(KEEP);
        Files.createDirectories(KEEP);
        long pid = ProcessHandle.current().pid();
        netns = "jpbri" + pid % 100000;
        subnet = "10.231." + (pid % 200 + 20);
        Proc.check("ip", "netns", "add", netns);
        // a short path: the daemon's socket lives under it (a unix socket path has at most 107 bytes)
        libvirtdDir = Files.createTempDirectory("jpb-libvirtd");
        libvirtd = PrivateLibvirtd.start(libvirtdDir, Duration.ofSeconds(60));
        libvirtd.linkBridge(netns, "jri" + pid % 100000, subnet + ".1/24");
    }

    @AfterAll
    static void stop() throws Exception {
        if (libvirtd != null) libvirtd.close();
        if (libvirtdDir != null) Proc.deleteTree(libvirtdDir);
        if (netns != null) Proc.check("ip", "netns", "del", netns);
    }

    @Test void throughPxeMock() throws Exception {
        install("pxe-mock", "52:54:00:4a:50:11", ".51");
    }

    @Test void throughDnsmasq() throws Exception {
        install("dnsmasq", "52:54:00:4a:50:12", ".52");
    }

    /** With the site's own DHCP/TFTP, the check never replaces a file of the site's TFTP root. */
    @Test void siteModeNeverReplacesTheSitesFiles() throws Exception {
        assumeTrue(skip == null, skip);
        Path root = Files.createDirectories(KEEP.resolve("site-root"));
        Files.writeString(root.resolve("pxelinux.0"), "the site's own pxelinux.0");
        Path entry = Files.createDirectories(root.resolve("pxelinux.cfg")).resolve("01-52-54-00-4a-50-13");
        Files.writeString(entry, "the site's entry for this MAC");
        List<String> site = List.of("bash", SCRIPT.toString(), "--connect", "test:///default", "--bridge", "br0",
            "--server-ip", "127.0.0.1", "--guest-ip", "127.0.0.2", "--dhcp", "site", "--tftp-root", root.toString(),
            "--mac", "52:54:00:4a:50:13");
        Proc p = Proc.run(site, Duration.ofMinutes(1));
        assertEquals(2, p.exit(), p.stdout() + p.stderr());
        assertTrue(p.stderr().contains("the site has an entry for 52:54:00:4a:50:13; choose another --mac"), p.stderr());
        assertEquals("the site's entry for this MAC", Files.readString(entry));
        Files.delete(entry);
        Files.createDirectories(root.resolve("jpb-check"));
        p = Proc.run(site, Duration.ofMinutes(1));
        assertEquals(2, p.exit(), p.stdout() + p.stderr());
        assertTrue(p.stderr().contains("jpb-check already exists"), p.stderr());
        assertEquals("the site's own pxelinux.0", Files.readString(root.resolve("pxelinux.0")));
        try (Stream<Path> files = Files.walk(root)) {
            assertEquals(List.of(root, root.resolve("jpb-check"), root.resolve("pxelinux.0"), root.resolve("pxelinux.cfg")),
                files.sorted().toList(), "nothing added or removed");
        }
    }

    /** The check never touches a guest it did not make, and root never writes into a folder prepared for it. */
    @Test void neverTouchesAnExistingGuestOrFolder() throws Exception {
        assumeTrue(skip == null, skip);
        List<String> base = List.of("bash", SCRIPT.toString(), "--connect", "test:///default", "--bridge", "br0",
            "--server-ip", "127.0.0.1", "--guest-ip", "127.0.0.2");
        List<String> existing = new ArrayList<>(base);
        existing.addAll(List.of("--name", "test")); // the test driver's own domain
        Proc p = Proc.run(existing, Duration.ofMinutes(1));
        assertEquals(2, p.exit(), p.stdout() + p.stderr());
        assertTrue(p.stderr().contains("a domain named test already exists on test:///default"), p.stderr());

        Path prepared = Files.createDirectories(KEEP.resolve("prepared"));
        Path victim = KEEP.resolve("victim");
        Files.writeString(victim, "not the script's");
        Files.createSymbolicLink(prepared.resolve("check.yaml"), victim);
        List<String> keep = new ArrayList<>(base);
        keep.addAll(List.of("--keep", prepared.toString()));
        p = Proc.run(keep, Duration.ofMinutes(1));
        assertEquals(2, p.exit(), p.stdout() + p.stderr());
        assertTrue(p.stderr().contains("already exists: give a new folder"), p.stderr());
        assertEquals("not the script's", Files.readString(victim));
    }

    void install(String dhcp, String mac, String guestSuffix) throws Exception {
        assumeTrue(skip == null, skip);
        String name = "check-" + dhcp;
        Path keep = KEEP.resolve(dhcp);
        String serverIp = subnet + ".1";
        List<String> cmd = List.of("ip", "netns", "exec", netns, "bash", SCRIPT.toString(),
            "--connect", libvirtd.uri(), "--bridge", PrivateLibvirtd.BRIDGE, "--server-ip", serverIp,
            "--guest-ip", subnet + guestSuffix, "--dhcp", dhcp, "--mac", mac, "--name", name,
            "--keep", keep.toString(), "--timeout", "900");
        Proc p = Proc.run(cmd, Duration.ofMinutes(20));
        Files.writeString(KEEP.resolve(dhcp + ".out"), p.stdout() + "\n--- stderr ---\n" + p.stderr());
        System.out.println("RealInstallTest " + dhcp + ": " + p.elapsed().toSeconds() + " s\n" + p.stdout());
        assertEquals(0, p.exit(), () -> "tests/real-install.sh --dhcp " + dhcp + " failed:\n" + p.stdout() + p.stderr()
            + "\n--- libvirtd ---\n" + Proc.tail(libvirtd.log(), 30) + "\n--- qemu ---\n" + Proc.tail(libvirtd.qemuLog(name), 30));

        // Every stage happened, in order.
        String stages = Files.readString(keep.resolve("stages.txt"));
        double last = -1;
        for (String stage : List.of("domain started", "DHCP offer", "pxelinux.0 sent", "pxelinux entry sent", "kernel sent",
                "initrd sent", "installer kernel on console", "preseed fetched", "ack taken", "powered off")) {
            Matcher m = Pattern.compile("(?m)^" + Pattern.quote(stage) + ".*?\\s(-?[0-9.]+)$").matcher(stages);
            assertTrue(m.find(), "no time for '" + stage + "' in\n" + stages);
            double t = Double.parseDouble(m.group(1));
            assertTrue(t >= last, stage + " before the stage above it:\n" + stages);
            last = t;
        }

        // provision serve: one preseed, one ack, both from the guest's address.
        String serve = Files.readString(keep.resolve("logs/serve.log"));
        assertEquals(1, count(serve, subnet + guestSuffix + " GET /ks/" + name + ".ks 200"), serve);
        assertEquals(1, count(serve, subnet + guestSuffix + " POST /ack/" + name + " 200"), serve);

        // The console: the installer kernel got the entry apply wrote (preseed URL, console), and
        // the second start went to the disk: no network boot, no kernel.
        String console = clean(Files.readString(keep.resolve("out/logs/" + name + ".console"), StandardCharsets.ISO_8859_1));
        assertTrue(console.contains("auto=true priority=critical url=http://" + serverIp + ":8069/ks/" + name + ".ks hostname=" + name
            + " console=ttyS0"), "the installer's command line is not the pxelinux entry's:\n" + Proc.tail(console, 40));
        assertTrue(console.contains("Booting from ROM"), "the first boot was not the network's");
        String second = Files.readString(keep.resolve("logs/second-boot.console"), StandardCharsets.ISO_8859_1);
        assertTrue(second.contains("Booting from Hard Disk"), second);
        assertFalse(second.contains("Linux version"), second);
        assertFalse(second.contains("Booting from ROM"), second);

        // The ack left the guest on its disk: the pxelinux entry and the definition.
        String entry = Files.readString(keep.resolve("logs/pxelinux-after-ack"));
        assertTrue(entry.contains("# state: localboot") && entry.contains("LOCALBOOT 0"), entry);
        String xml = Files.readString(keep.resolve("logs/domain-after-ack.xml"));
        assertTrue(xml.contains("<boot dev='hd'/>") && !xml.contains("<boot dev='network'/>"), xml);
        assertTrue(Files.readString(keep.resolve("logs/installed-after-ack")).contains("acknowledged by " + subnet + guestSuffix));
        // and the script cleaned up after itself: the guest and its disk are gone
        assertFalse(Files.exists(keep.resolve("out/disks/" + name + ".img")), "the check's disk was left behind");
        Path tftp = Path.of(Files.readString(keep.resolve("logs/tftp-root")).strip());
        assertFalse(Files.exists(tftp.resolve("pxelinux.cfg/01-" + mac.replace(':', '-'))), "the check's pxelinux entry was left behind");
        if (dhcp.equals("dnsmasq")) {
            // dnsmasq answered the guest as nobody, from a TFTP folder of its own that is gone now.
            assertEquals("nobody", Files.readString(keep.resolve("logs/dhcp-tftp.user")).strip(), "dnsmasq must not serve the network as root");
            assertTrue(tftp.startsWith("/tmp") && !Files.exists(tftp), tftp + " was left behind");
        } else {
            assertEquals(keep.resolve("tftp").toRealPath(), tftp.toRealPath());
        }
    }

    static int count(String text, String what) {
        int n = 0;
        for (int i = text.indexOf(what); i >= 0; i = text.indexOf(what, i + 1)) n++;
        return n;
    }

    /** The console without carriage returns and terminal escapes (sgabios draws the BIOS screen). */
    static String clean(String s) {
        return s.replace("\r", "").replaceAll("\u001b\\[[0-9;?]*[A-Za-z]", "");
    }

}
