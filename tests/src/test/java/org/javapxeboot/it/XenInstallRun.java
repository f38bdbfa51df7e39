package org.javapxeboot.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.javapxeboot.xman.vm.PrivateLibvirtd;

/**
 * One guest's run in {@link XenBootloaderInstallTest}: its folder under target/ (TFTP root, apply's
 * output, logs, console, stage table), its servers' stamped logs, and the stage times.
 */
final class XenInstallRun implements AutoCloseable {
    final Path dir, tftp, out, logs;
    final String dhcp, name, mac, serverIp, guestIp;
    final int port;
    final long origin = System.nanoTime();
    StampedLines dhcpLog, serve, console;
    private long powerOn;
    long domainStarted;
    private final List<String[]> rows = new ArrayList<>();

    XenInstallRun(Path dir, String dhcp, String name, String mac, String subnet, String guestSuffix, int port) {
        this.dir = dir;
        this.tftp = dir.resolve("tftp");
        this.out = dir.resolve("out");
        this.logs = dir.resolve("logs");
        this.dhcp = dhcp;
        this.name = name;
        this.mac = mac;
        this.serverIp = subnet + ".1";
        this.guestIp = subnet + guestSuffix;
        this.port = port;
    }

    /** The TFTP root as a site has it, the YAML, and `provision apply` (embedded test driver). */
    void prepare() throws Exception {
        for (Path d : List.of(tftp.resolve("xen-check"), out, logs, dir.resolve("xl/images"), dir.resolve("xm/images"))) {
            Files.createDirectories(d);
        }
        Path tree = XenBootloaderInstallTest.TREE;
        Files.copy(tree.resolve("pxelinux.0"), tftp.resolve("pxelinux.0"), StandardCopyOption.REPLACE_EXISTING);
        Files.copy(tree.resolve("ldlinux.c32"), tftp.resolve("ldlinux.c32"), StandardCopyOption.REPLACE_EXISTING);
        Files.copy(tree.resolve("debian-installer/amd64/linux"), tftp.resolve("xen-check/linux"), StandardCopyOption.REPLACE_EXISTING);
        Files.copy(tree.resolve("debian-installer/amd64/initrd.gz"), tftp.resolve("xen-check/initrd.gz"), StandardCopyOption.REPLACE_EXISTING);
        Files.writeString(yaml(), String.join("\n",
            "# written by XenBootloaderInstallTest: a Xen guest (the default hypervisor and bootloader)",
            "server: http://" + serverIp + ":" + port,
            "domains:",
            "  " + name + ":",
            "    memory: 1024",
            "    kickstart: debian-netboot-check.cfg",
            "    install_kernel: xen-check/linux",
            "    install_initrd: xen-check/initrd.gz",
            "    install_options: console=ttyS0",
            "    vif: [ \"mac=" + mac + ", bridge=" + PrivateLibvirtd.BRIDGE + ", ip=" + guestIp + "\" ]",
            "    disk:",
            "      - { type: file, path: disks/" + name + ".img, size: 1GiB }",
            ""));
        Proc apply = Proc.run(List.of(Proc.launcher("provision").toString(), "apply", yaml().toString(), "--out", out.toString(),
            "--tftp-root", tftp.toString()), Duration.ofMinutes(2));
        Files.writeString(logs.resolve("apply.log"), apply.stdout() + apply.stderr());
        assertEquals(0, apply.exit(), () -> "provision apply failed:\n" + apply.stdout() + apply.stderr());
        Files.writeString(libxlOutput(), "");
        Proc.check("mkfifo", fifo().toString());
    }

    Path yaml() {
        return dir.resolve("guest.yaml");
    }

    /** pxe-mock or dnsmasq in the site namespace, serving the TFTP root and a static lease for the guest. */
    Process startDhcpTftp(String netns) throws Exception {
        List<String> cmd = new ArrayList<>(List.of("ip", "netns", "exec", netns));
        String ready;
        if (dhcp.equals("pxe-mock")) {
            cmd.addAll(List.of(Proc.launcher("pxe-mock").toString(), "serve", "--root", tftp.toString(), "--bind", "0.0.0.0",
                "--tftp-port", "69", "--dhcp-port", "67", "--lease", mac + "=" + guestIp, "--boot-file", "pxelinux.0",
                "--next-server", serverIp, "--router", serverIp, "--dns", serverIp));
            ready = "pxe-mock listening";
        } else {
            String iface = siteInterface(netns);
            cmd.addAll(List.of("/usr/sbin/dnsmasq", "--keep-in-foreground", "--log-facility=-", "--conf-file=/dev/null", "--port=0",
                "--interface=" + iface, "--bind-interfaces", "--dhcp-range=" + guestIp + ",static", "--dhcp-host=" + mac + "," + guestIp,
                "--dhcp-ignore=tag:!known", "--dhcp-boot=pxelinux.0", "--dhcp-option=3," + serverIp, "--dhcp-option=6," + serverIp,
                "--dhcp-leasefile=" + dir.resolve("dnsmasq.leases"), "--enable-tftp", "--tftp-root=" + tftp, "--pid-file=", "--user=root"));
            ready = "TFTP root is";
        }
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        dhcpLog = StampedLines.of(p, origin, logs.resolve("dhcp-tftp.log"));
        dhcpLog.first(l -> l.contains(ready)).get(60, TimeUnit.SECONDS); // a readiness event; the bound is a hang guard
        return p;
    }

    private String siteInterface(String netns) throws Exception {
        Proc p = Proc.run(List.of("ip", "-n", netns, "-o", "-4", "addr", "show"), Duration.ofSeconds(30));
        Matcher m = Pattern.compile("(?m)^\\d+: (\\S+)\\s+inet " + Pattern.quote(serverIp) + "/").matcher(p.stdout());
        assertTrue(m.find(), "no interface with " + serverIp + " in " + netns + ":\n" + p.stdout());
        return m.group(1);
    }

    /** `provision serve` in the site namespace: the preseed and the ack. */
    Process startServe(String netns) throws Exception {
        Process p = new ProcessBuilder("ip", "netns", "exec", netns, Proc.launcher("provision").toString(), "serve", yaml().toString(),
            "--out", out.toString(), "--tftp-root", tftp.toString(), "--bind", serverIp, "--port", Integer.toString(port))
            .redirectErrorStream(true).start();
        serve = StampedLines.of(p, origin, logs.resolve("serve.log"));
        StampedLines.Line l = serve.first(t -> t.startsWith("serving ") || t.startsWith("provision:")).get(60, TimeUnit.SECONDS);
        assertTrue(l.text().startsWith("serving "), "provision serve did not start: " + l.text());
        return p;
    }

    Path pxelinuxEntry() {
        return tftp.resolve("pxelinux.cfg/01-" + mac.replace(':', '-'));
    }

    Path disk() {
        return out.resolve("disks/" + name + ".img").toAbsolutePath();
    }

    Path libxlOutput() {
        return dir.resolve("xl/bootloader.out");
    }

    Path fifo() {
        return dir.resolve("xm/fifo");
    }

    Path images(String toolstack) {
        return dir.resolve(toolstack + "/images");
    }

    /** Runs the bootloader in dom0 (the command line is already nsenter'd); keeps its argv and messages. */
    Proc bootloader(String label, List<String> cmd) throws Exception {
        if (label.equals("libxl")) powerOn = System.nanoTime(); // `xl create`: the bootloader runs first
        Proc p = Proc.run(cmd, Duration.ofMinutes(3));
        Files.writeString(logs.resolve("bootloader-" + label + ".log"), String.join(" ", cmd) + "\n" + p.stderr());
        rows.add(new String[] {"bootloader, " + label + "'s argv (whole run)", "", secs(p.elapsed().toNanos())});
        return p;
    }

    /** The bootloader's own per-step times (its stderr: "DHCP: IP for MAC in N ms", "fetched URL: B bytes in M ms"). */
    void bootloaderTimes(String stderr) {
        rows.add(new String[] {"  DHCP (guest's MAC, from dom0)", "", ms(XenBootloaderInstallTest.find("DHCP: \\S+ for \\S+ in (\\d+) ms", stderr))});
        rows.add(new String[] {"  kernel over TFTP", "", ms(XenBootloaderInstallTest.find("fetched \\S+/xen-check/linux: \\d+ bytes in (\\d+) ms", stderr))});
        rows.add(new String[] {"  initrd over TFTP", "", ms(XenBootloaderInstallTest.find("fetched \\S+/xen-check/initrd.gz: \\d+ bytes in (\\d+) ms", stderr))});
    }

    private static String ms(Matcher m) {
        return String.format("%.3f", Integer.parseInt(m.group(1)) / 1000.0);
    }

    private static String secs(long nanos) {
        return String.format("%.3f", nanos / 1e9);
    }

    /** Defines and starts the TCG domain libxl would build from {@code stanza}; its console is watched. */
    void startDomain(PrivateLibvirtd libvirtd, Map<String, String> stanza) throws Exception {
        Path xml = dir.resolve("domain.xml");
        Path consoleLog = dir.resolve("console.log");
        Files.writeString(xml, XenToolstack.domainXml(name, mac, PrivateLibvirtd.BRIDGE, disk(), stanza, consoleLog));
        console = StampedLines.tail(consoleLog, origin, logs.resolve("console.stamped"));
        virsh(libvirtd, "define", xml.toString());
        virsh(libvirtd, "start", name);
        domainStarted = System.nanoTime();
        stage("domain started (virsh start returned)", domainStarted);
        // libxl deletes the bootloader's kernel and ramdisk once the domain is built: so does the test
        deleteFiles(Path.of(stanza.get("kernel")), Path.of(stanza.get("ramdisk")));
    }

    /** Whether {@code line} of the DHCP server's log acknowledges a lease for this guest's MAC. */
    boolean isLeaseAck(String line) {
        return dhcp.equals("pxe-mock") ? line.contains("dhcp REQUEST from " + mac + " ") && line.endsWith(": ACK")
            : line.contains("DHCPACK(") && line.contains(" " + guestIp + " " + mac);
    }

    static void deleteFiles(Path... files) throws IOException {
        for (Path f : files) Files.deleteIfExists(f);
    }

    /**
     * Removes the bulk (the TFTP root's installer copies, the bootloader's leftovers, the sparse disk),
     * keeping every log, config and the console under {@link #dir}.
     */
    void removeBulk() throws IOException {
        Proc.deleteTree(tftp.resolve("xen-check"));
        Proc.deleteTree(dir.resolve("xl/images"));
        Proc.deleteTree(dir.resolve("xm/images"));
        Proc.deleteTree(out.resolve("disks"));
    }

    /** Waits for the guest's qemu to end (the installer's poweroff), then asks libvirt for the state. */
    void awaitPowerOff(PrivateLibvirtd libvirtd, Duration bound) throws Exception {
        ProcessHandle qemu = libvirtd.qemuProcess(name).orElse(null);
        if (qemu != null) qemu.onExit().get(bound.toSeconds(), TimeUnit.SECONDS);
        stage("powered off (qemu exited)", System.nanoTime());
        assertEquals("shut off", virsh(libvirtd, "domstate", name).trim(), "the domain after the installer's poweroff");
    }

    String virsh(PrivateLibvirtd libvirtd, String... args) throws Exception {
        List<String> cmd = new ArrayList<>(List.of("virsh", "-c", libvirtd.uri()));
        cmd.addAll(List.of(args));
        Proc p = Proc.run(cmd, Duration.ofMinutes(2));
        Files.writeString(logs.resolve("virsh.log"), String.join(" ", args) + ": " + p.exit() + "\n" + p.stdout() + p.stderr() + "\n",
            java.nio.file.StandardOpenOption.CREATE, java.nio.file.StandardOpenOption.APPEND);
        assertEquals(0, p.exit(), () -> "virsh " + String.join(" ", args) + " failed: " + p.stderr());
        return p.stdout();
    }

    /** A point in time after the power-on (the libxl bootloader's start). */
    void stage(String label, long nanos) {
        rows.add(new String[] {label, secs(nanos - powerOn), ""});
    }

    /** Stands in for pygrub: records its argv (one per line) and answers as pygrub does, into --output. */
    Path pygrubStandIn() throws IOException {
        Path script = dir.resolve("pygrub");
        Files.writeString(script, String.join("\n",
            "#!/bin/bash",
            "# stands in for pygrub in XenBootloaderInstallTest: records its argv, answers for the disk",
            "printf '%s\\n' \"$@\" > '" + pygrubArgv() + "'",
            "for a in \"$@\"; do case $a in --output=*) out=${a#--output=} ;; esac; done",
            "printf 'kernel /boot/vmlinuz\\0ramdisk /boot/initrd.img\\0args root=/dev/xvda1 ro\\0\\0' > \"$out\"",
            ""));
        Files.setPosixFilePermissions(script, PosixFilePermissions.fromString("rwxr-xr-x"));
        return script;
    }

    Path pygrubArgv() {
        return dir.resolve("pygrub.argv");
    }

    String consoleTail(int n) {
        return console == null ? "(no console yet)" : console.tail(n);
    }

    /** The stage table: to stdout and to {@code stages.txt}. */
    void writeStages() throws IOException {
        String load = Files.readString(Path.of("/proc/loadavg")).trim();
        StringBuilder b = new StringBuilder(String.format("# load average at the end (1, 5, 15 min, tasks, last pid): %s%n", load));
        b.append(String.format("%-44s %10s %10s%n", "stage (" + dhcp + ")", "at s", "took s"));
        for (String[] r : rows) b.append(String.format("%-44s %10s %10s%n", r[0], r[1], r[2]));
        Files.writeString(dir.resolve("stages.txt"), b);
        System.out.println("XenBootloaderInstallTest " + dhcp + " (seconds from power-on, the libxl bootloader's start):\n" + b);
    }

    @Override
    public void close() throws InterruptedException {
        for (StampedLines s : new StampedLines[] {console, serve, dhcpLog}) if (s != null) s.close();
    }
}
