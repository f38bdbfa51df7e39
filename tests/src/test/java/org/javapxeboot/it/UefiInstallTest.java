package org.javapxeboot.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardWatchEventKinds;
import java.nio.file.WatchService;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import org.javapxeboot.fixture.Netns;
import org.javapxeboot.xman.vm.PrivateLibvirtd;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * UEFI guests network-boot through us with real firmware. A private libvirtd runs TCG guests with
 * OVMF (Debian {@code ovmf}) on a bridge joined to a "site" network namespace; there pxe-mock
 * answers DHCP by client architecture and serves TFTP, busybox httpd serves the same tree over
 * HTTP on port 80, and {@code provision serve} the preseed and the ack. {@code provision apply}
 * writes the guest's {@code grub/grub.cfg-01-MAC}, defines the domain (OVMF loader, its own NVRAM
 * file) and starts it. The GRUB EFI netboot images are built here with {@code grub-mkimage} from
 * Debian {@code grub-efi-amd64-bin}.
 *
 * <ul>
 *   <li>TFTP: the NIC's iPXE EFI driver (option 93 = 7 or 9) gets {@code grub/grubx64.efi}; GRUB looks
 *       up {@code grub/grub.cfg-01-MAC} by itself and loads the Debian installer's kernel and initrd
 *       over TFTP; the console shows the kernel and the command line with the preseed URL.</li>
 *   <li>HTTP ({@code boot: http}: no iPXE ROM, OVMF's own network stack): pxe-mock gives PXE
 *       clients nothing to load, so OVMF goes on to its HTTP boot client
 *       (option 93 = 16), which gets {@code http://SERVER/grub/grubx64-http.efi} with vendor class
 *       HTTPClient; that GRUB reads the same per-MAC entry over HTTP, and the kernel and initrd come
 *       over HTTP ({@code boot: http}).</li>
 * </ul>
 * One guest at a time; each test stops its guest once it has seen what it checks.
 */
@Timeout(value = 6, unit = TimeUnit.MINUTES)
class UefiInstallTest {
    static final Path TREE = Path.of("/usr/lib/debian-installer/images/12/amd64/text");
    static final Path OVMF_CODE = Path.of("/usr/share/OVMF/OVMF_CODE_4M.fd");
    static final Path OVMF_VARS = Path.of("/usr/share/OVMF/OVMF_VARS_4M.fd");
    static final Path GRUB_MODULES = Path.of("/usr/lib/grub/x86_64-efi");
    static final Path GRUB_MKIMAGE = Path.of("/usr/bin/grub-mkimage");
    static final Path BUSYBOX = Path.of("/bin/busybox");
    static final Path KEEP = Proc.projectRoot().resolve("tests/target/uefi-install");
    static final List<String> MODULES = List.of("net", "efinet", "tftp", "http", "linux", "normal", "configfile", "echo",
        "test", "regexp", "boot", "efi_gop", "serial", "terminal");
    /**
     * The HTTP image's own config: GRUB looks for grub.cfg-01-MAC only under a (tftp) prefix, so ask
     * for it here. It runs before normal mode (plain commands, no {@code if}); GRUB 2.06 does not
     * take its address from OVMF's HTTP boot, so it asks DHCP again.
     */
    static final String REGEXP = "regexp --set=1:a --set=2:b --set=3:c --set=4:d --set=5:e --set=6:f '^(..):(..):(..):(..):(..):(..)$'";
    static final String HTTP_EARLY_CFG = String.join("\n",
        "net_bootp",
        // net_bootp configures efinet0:dhcp but not the default server (http) names: take DHCP's
        "set net_default_server=$net_efinet0_dhcp_next_server",
        // the MAC of the interface net_bootp configured (efinet0:dhcp: GRUB writes ':' as '_' in
        // variable names); without 'if', a line whose variable is empty just fails
        REGEXP + " \"$net_default_mac\"",
        REGEXP + " \"$net_efinet1_dhcp_mac\"",
        REGEXP + " \"$net_efinet0_dhcp_mac\"",
        "configfile \"(http)/grub/grub.cfg-01-$a-$b-$c-$d-$e-$f\"", "");

    static String skip;
    static PrivateLibvirtd libvirtd;
    static Path libvirtdDir;
    static String netns;
    static String subnet;
    static String serverIp;
    static Path tftp;
    static Path out;
    static Path logs;
    static final List<Process> servers = new ArrayList<>();
    String guest;
    final List<Process> perTest = new ArrayList<>();

    @BeforeAll
    static void start() throws Exception {
        skip = Proc.firstReason(Netns.unavailable(), PrivateLibvirtd.unavailable().orElse(null),
            Files.isDirectory(TREE) ? null : "the Debian netboot tree is missing (apt-get install debian-installer-12-netboot-amd64)",
            Files.exists(OVMF_CODE) && Files.exists(OVMF_VARS) ? null : OVMF_CODE + " is missing (apt-get install ovmf)",
            Files.isExecutable(GRUB_MKIMAGE) && Files.isDirectory(GRUB_MODULES) ? null
                : GRUB_MODULES + " or grub-mkimage is missing (apt-get install grub-efi-amd64-bin)",
            Files.isExecutable(BUSYBOX) ? null : "busybox is missing (its httpd serves the HTTP boot)",
            Proc.onPath("virsh") ? null : "virsh is missing (libvirt-clients)",
            Proc.launchersMissing(),
            Files.isRegularFile(Proc.projectRoot().resolve("provisioner/target/provisioner.jar")) ? null
                : "provisioner/target/provisioner.jar is missing: run with `mvn verify`");
        if (skip != null) return;
        Proc.deleteTree(KEEP);
        tftp = Files.createDirectories(KEEP.resolve("tftp"));
        out = Files.createDirectories(KEEP.resolve("out"));
        logs = Files.createDirectories(KEEP.resolve("logs"));
        Files.createDirectories(out.resolve("logs"));
        long pid = ProcessHandle.current().pid();
        netns = "jpbue" + pid % 100000;
        subnet = "10.233." + (pid % 200 + 20);
        serverIp = subnet + ".1";
        Proc.check("ip", "netns", "add", netns);
        libvirtdDir = Files.createTempDirectory("jpb-uefi");
        libvirtd = PrivateLibvirtd.start(libvirtdDir, Duration.ofSeconds(60));
        libvirtd.linkBridge(netns, "jue" + pid % 100000, serverIp + "/24");
        // pxe-mock's replies also go to 255.255.255.255 where a route lets them out: OVMF's own
        // network stack (its PXE and HTTP boot clients) takes no subnet broadcast while unconfigured
        Proc.check("ip", "-n", netns, "route", "add", "255.255.255.255/32", "dev", "jue" + pid % 100000);

        // The TFTP (and HTTP) root: the installer's kernel and initrd, and two GRUB EFI netboot images.
        Files.createDirectories(tftp.resolve("jpb-check"));
        Files.createDirectories(tftp.resolve("grub"));
        Files.copy(TREE.resolve("debian-installer/amd64/linux"), tftp.resolve("jpb-check/linux"));
        Files.copy(TREE.resolve("debian-installer/amd64/initrd.gz"), tftp.resolve("jpb-check/initrd.gz"));
        mkimage("(tftp)/grub", tftp.resolve("grub/grubx64.efi"), null);
        Path early = Files.writeString(KEEP.resolve("grub-http-early.cfg"), HTTP_EARLY_CFG);
        mkimage("(http)/grub", tftp.resolve("grub/grubx64-http.efi"), early);
        servers.add(inNetns(logs.resolve("httpd.log"), BUSYBOX.toString(), "httpd", "-f", "-vv", "-p", serverIp + ":80",
            "-h", tftp.toString()));
        Path yaml = Files.writeString(KEEP.resolve("uefi.yaml"), yaml(GUESTS));
        servers.add(inNetns(logs.resolve("serve.log"), Proc.launcher("provision").toString(), "serve", yaml.toString(),
            "--connect", libvirtd.uri(), "--out", out.toString(), "--tftp-root", tftp.toString(),
            "--bind", serverIp, "--port", "8069"));
        await(logs.resolve("serve.log"), s -> s.contains("kickstart") || s.contains("provision: "), Duration.ofSeconds(60));
    }

    /** name, MAC's last byte, address's last byte, boot: one guest per test, 10.233.x, MACs 52:54:00:4a:70:xx. */
    static final String[][] GUESTS = {{"uefi-tftp", "01", ".61", "tftp"}, {"uefi-http", "02", ".62", "http"}};

    static String yaml(String[]... guests) {
        StringBuilder y = new StringBuilder("# written by UefiInstallTest\nserver: http://" + serverIp + ":8069\n"
            + "defaults:\n  hypervisor: qemu\n  install_boot: network\n  firmware: uefi\n  memory: 1024\n"
            + "  kickstart: debian-netboot-check.cfg\n  install_kernel: jpb-check/linux\n"
            + "  install_initrd: jpb-check/initrd.gz\n  install_options: console=ttyS0\ndomains:\n");
        for (String[] g : guests) {
            y.append("  ").append(g[0]).append(":\n    boot: ").append(g[3]).append("\n    console_log: logs/").append(g[0])
                .append(".console\n    vif: [ \"mac=52:54:00:4a:70:").append(g[1]).append(", bridge=").append(PrivateLibvirtd.BRIDGE)
                .append(", ip=").append(subnet).append(g[2]).append("\" ]\n    disk:\n      - { type: file, path: disks/")
                .append(g[0]).append(".img, size: 64MiB }\n");
        }
        return y.toString();
    }

    /**
     * pxe-mock for one test: a lease for its guest, pxelinux.0 for BIOS clients, {@code efiBootFile}
     * for UEFI PXE clients and the HTTP boot URL for UEFI HTTP clients.
     */
    Process pxeMock(String[] g, String efiBootFile) throws Exception {
        Path log = logs.resolve(g[0] + "-pxe-mock.log");
        Process p = inNetns(log, Proc.launcher("pxe-mock").toString(), "serve",
            "--root", tftp.toString(), "--bind", "0.0.0.0", "--tftp-port", "69", "--dhcp-port", "67",
            "--lease", "52:54:00:4a:70:" + g[1] + "=" + subnet + g[2],
            "--boot-file", "pxelinux.0", "--boot-file-efi", efiBootFile,
            "--boot-url-http", "http://" + serverIp + "/grub/grubx64-http.efi",
            "--next-server", serverIp, "--router", serverIp, "--dns", serverIp);
        perTest.add(p);
        await(log, s -> s.contains("pxe-mock listening"), Duration.ofSeconds(60));
        return p;
    }

    static void mkimage(String prefix, Path image, Path config) throws Exception {
        List<String> cmd = new ArrayList<>(List.of(GRUB_MKIMAGE.toString(), "-O", "x86_64-efi", "-d", GRUB_MODULES.toString(),
            "-p", prefix, "-o", image.toString()));
        if (config != null) cmd.addAll(List.of("-c", config.toString()));
        cmd.addAll(MODULES);
        Proc p = Proc.run(cmd, Duration.ofSeconds(60));
        assertEquals(0, p.exit(), () -> "grub-mkimage failed: " + p.stderr());
    }

    static Process inNetns(Path log, String... cmd) throws IOException {
        List<String> all = new ArrayList<>(List.of("ip", "netns", "exec", netns));
        all.addAll(List.of(cmd));
        return new ProcessBuilder(all).redirectErrorStream(true).redirectOutput(log.toFile()).start();
    }

    @AfterAll
    static void stop() throws Exception {
        for (Process p : servers) {
            p.descendants().forEach(ProcessHandle::destroy);
            p.destroy();
            p.waitFor(10, TimeUnit.SECONDS);
        }
        if (libvirtd != null) libvirtd.close();
        if (libvirtdDir != null) Proc.deleteTree(libvirtdDir);
        if (netns != null) Proc.check("ip", "netns", "del", netns);
    }

    /** Each test removes its guest: domain (NVRAM too), disk, entries. */
    @AfterEach
    void removeGuest() throws Exception {
        for (Process p : perTest) {
            p.descendants().forEach(ProcessHandle::destroy);
            p.destroy();
            p.waitFor(10, TimeUnit.SECONDS);
        }
        if (guest == null) return;
        Proc.run(List.of("virsh", "-c", libvirtd.uri(), "destroy", guest), Duration.ofSeconds(60));
        Proc.run(List.of("virsh", "-c", libvirtd.uri(), "undefine", "--nvram", guest), Duration.ofSeconds(60));
        Proc d = Proc.run(List.of(Proc.launcher("provision").toString(), "destroy", KEEP.resolve(guest + ".yaml").toString(), guest,
            "--connect", libvirtd.uri(), "--out", out.toString(), "--tftp-root", tftp.toString(), "--force-stop",
            "--delete-disks"), Duration.ofSeconds(120));
        Files.writeString(logs.resolve(guest + "-destroy.log"), d.stdout() + d.stderr());
    }

    /** provision apply of this test's guest alone (serve knows both). */
    Proc apply(String[] g) throws Exception {
        guest = g[0];
        Path one = Files.writeString(KEEP.resolve(g[0] + ".yaml"), yaml(g));
        Proc p = Proc.run(List.of(Proc.launcher("provision").toString(), "apply", one.toString(),
            "--connect", libvirtd.uri(), "--out", out.toString(), "--tftp-root", tftp.toString()), Duration.ofMinutes(2));
        Files.writeString(logs.resolve(g[0] + "-apply.log"), p.stdout() + p.stderr());
        assertEquals(0, p.exit(), () -> "provision apply failed:\n" + p.stdout() + p.stderr());
        return p;
    }

    @Test void ovmfNetbootsGrubOverTftpWhichBootsTheInstallerFromItsEntry() throws Exception {
        assumeTrue(skip == null, skip);
        String name = GUESTS[0][0];
        String mac = "52-54-00-4a-70-01";
        Path entry = tftp.resolve("grub/grub.cfg-01-" + mac);
        pxeMock(GUESTS[0], "grub/grubx64.efi");
        apply(GUESTS[0]);
        assertTrue(Files.readString(entry).contains("# state: install"), Files.readString(entry));
        String domain = Proc.run(List.of("virsh", "-c", libvirtd.uri(), "dumpxml", name), Duration.ofSeconds(60)).stdout();
        assertTrue(domain.contains("OVMF_CODE_4M.fd") && domain.contains(out.resolve("nvram/" + name + "_VARS.fd").toString()), domain);

        Path console = out.resolve("logs/" + name + ".console");
        String cmdline = "auto=true priority=critical url=http://" + serverIp + ":8069/ks/" + name + ".ks hostname=" + name
            + " console=ttyS0";
        await(console, s -> s.contains("Linux version") && s.contains(cmdline), Duration.ofMinutes(3));
        String mock = Files.readString(logs.resolve(name + "-pxe-mock.log"));
        // (GRUB asks for absolute names: /grub/...)
        assertTrue(mock.matches("(?s).*RRQ /?grub/grubx64\\.efi .*"), mock);
        assertTrue(mock.contains("RRQ /grub/grub.cfg-01-" + mac), "GRUB did not look up its per-MAC entry:\n" + mock);
        assertTrue(mock.contains("RRQ /jpb-check/initrd.gz"), mock);

        // The installer's preseed fetch and ack come 1-3 minutes later under TCG (longer on a loaded
        // machine): not waited for here; the ack's flip of the GRUB entry is UefiAckTest's.
        assertTrue(Files.readString(entry).contains("# state: install"));
    }

    @Test void ovmfHttpBootFetchesGrubAndTheKernelOverHttp() throws Exception {
        assumeTrue(skip == null, skip);
        String name = GUESTS[1][0];
        // PXE clients get a name that is not there: OVMF goes on to its HTTP boot client
        pxeMock(GUESTS[1], "grub/no-such-file.efi");
        apply(GUESTS[1]);
        Path console = out.resolve("logs/" + name + ".console");
        String cmdline = "url=http://" + serverIp + ":8069/ks/" + name + ".ks hostname=" + name + " console=ttyS0";
        await(console, s -> s.contains("Linux version") && s.contains(cmdline), Duration.ofMinutes(4));
        String http = Files.readString(logs.resolve("httpd.log"));
        for (String url : List.of("/grub/grubx64-http.efi", "/grub/grub.cfg-01-52-54-00-4a-70-02", "/jpb-check/linux",
                "/jpb-check/initrd.gz")) {
            assertTrue(http.contains(url), "no HTTP request for " + url + ":\n" + http);
        }
        String mock = Files.readString(logs.resolve(name + "-pxe-mock.log"));
        assertTrue(!mock.contains("jpb-check/linux"), "the kernel came over TFTP:\n" + mock);
    }

    /**
     * Waits until {@code file}'s text satisfies {@code done}: re-read on each change the file system
     * reports in its folder (no polling interval); {@code bound} only stops a hang.
     */
    static void await(Path file, Predicate<String> done, Duration bound) throws Exception {
        long deadline = System.nanoTime() + bound.toNanos();
        try (WatchService w = FileSystems.getDefault().newWatchService()) {
            file.getParent().register(w, StandardWatchEventKinds.ENTRY_CREATE, StandardWatchEventKinds.ENTRY_MODIFY);
            while (true) {
                String text = Files.exists(file) ? RealInstallTest.clean(Files.readString(file, StandardCharsets.ISO_8859_1)) : "";
                if (Files.exists(file) && done.test(text)) return;
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    throw new AssertionError(file + " did not show what was awaited within " + bound + "; its last lines:\n"
                        + Proc.tail(text, 40) + "\n--- serve ---\n" + tailOf(logs.resolve("serve.log"))
                        + "\n--- httpd ---\n" + tailOf(logs.resolve("httpd.log")) + "\n--- libvirtd ---\n" + Proc.tail(libvirtd.log(), 20));
                }
                var key = w.poll(left, TimeUnit.NANOSECONDS);
                if (key != null) {
                    key.pollEvents();
                    key.reset();
                }
            }
        }
    }

    static String tailOf(Path p) throws IOException {
        return Files.exists(p) ? Proc.tail(Files.readString(p, StandardCharsets.ISO_8859_1), 20) : "(none)";
    }
}
