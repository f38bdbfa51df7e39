package org.javapxeboot.provisioner.host;

import org.javapxeboot.xman.vm.PrivateLibvirtd;
import org.javapxeboot.xman.vm.LibvirtVmControl;
import org.javapxeboot.xman.vm.VirtException;
import org.javapxeboot.xman.vm.VmControl;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.function.Supplier;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.javapxeboot.provisioner.Fixtures;
import org.javapxeboot.provisioner.cli.ProvisionCli;
import org.javapxeboot.xman.vm.VmControl.DomainInfo;
import org.javapxeboot.xman.vm.VmControl.DomainState;
import org.javapxeboot.xman.vm.VmControl.HostInfo;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The admin's path against a real libvirtd: {@code provision apply --connect qemu:///system} on a
 * one-guest YAML (a {@code hypervisor: qemu} guest booting the Debian installer by direct kernel
 * boot), then the guest really boots under TCG (its serial console shows the kernel starting with
 * the command line the renderer wrote, and later the initrd's /init), then every lifecycle verb of
 * {@link LibvirtVmControl} with the states the daemon reports. The daemon is private
 * ({@link PrivateLibvirtd}); root only. Prints the time each phase took.
 */
class QemuLibvirtdTest {

    static final Path INSTALLER = Path.of("/usr/lib/debian-installer/images/12/amd64/text/debian-installer/amd64");
    static final String NAME = "debnode1";

    @TempDir Path dir;

    static String yaml() {
        return "server: http://192.0.2.1:8069\n"
                + "defaults:\n"
                + Fixtures.VARS
                + "domains:\n"
                + "  " + NAME + ":\n"
                + "    hypervisor: qemu\n"
                + "    memory: 512\n"
                + "    vcpus: 1\n"
                + "    auto: true\n"
                + "    kickstart: debian-preseed.cfg\n"
                + "    kernel: " + INSTALLER.resolve("linux") + "\n"
                + "    ramdisk: " + INSTALLER.resolve("initrd.gz") + "\n"
                + "    extra: console=ttyS0\n"
                + "    install_kernel: debian-installer/amd64/linux\n"
                + "    install_initrd: debian-installer/amd64/initrd.gz\n"
                + "    vif: [ \"mac=52:54:00:00:50:01, bridge=" + PrivateLibvirtd.BRIDGE + "\" ]\n"
                + "    disk:\n"
                + "      - { type: file, path: disks/" + NAME + ".img, size: 4GiB }\n";
    }

    record Run(int code, String out, String err) {
    }

    static Run provision(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int code = ProvisionCli.run(args, new PrintWriter(out), new PrintWriter(err));
        return new Run(code, out.toString(), err.toString());
    }

    @Test
    // Never hang: every wait below is bounded, and a libvirt call stuck in native code (which an
    // interrupt cannot reach) fails the test here; PrivateLibvirtd's shutdown hook then stops the daemon.
    @Timeout(value = 240, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
    void applyBootsTheInstallerUnderTcgThenTheWholeLifecycle() throws Exception {
        Optional<String> why = PrivateLibvirtd.unavailable();
        assumeTrue(why.isEmpty(), () -> "no private libvirtd: " + why.orElse(""));
        assumeTrue(Files.exists(INSTALLER.resolve("linux")) && Files.exists(INSTALLER.resolve("initrd.gz")),
                "missing the Debian installer kernel and initrd in " + INSTALLER + " (debian-installer-12-netboot-amd64)");

        Path yaml = dir.resolve("cluster.yaml");
        Files.writeString(yaml, yaml());
        Path out = dir.resolve("out");
        long t0 = System.nanoTime();
        try (PrivateLibvirtd d = PrivateLibvirtd.start(dir.resolve("libvirtd"), Duration.ofSeconds(30))) {
            long tDaemon = System.nanoTime();
            Supplier<String> diag = () -> "\n--- libvirtd log ---\n" + d.log() + "\n--- qemu log ---\n" + d.qemuLog(NAME);
            String[] host = {"--connect", d.uri(), "--out", out.toString(),
                    "--templates", Fixtures.TEMPLATES.toString(), "--lvm-scripts", Fixtures.LVM_SCRIPTS.toString()};
            LibvirtVmControl vm = null;
            try {
                Run apply = provision(concat(new String[] {"apply", yaml.toString()}, host));
                long tApply = System.nanoTime();
                assertEquals(0, apply.code, apply.out + apply.err + diag.get());
                assertTrue(apply.out.contains("+ define " + NAME + ": libvirt domain (qemu)\n"), apply.out);
                assertTrue(apply.out.contains("~ autostart " + NAME + ": libvirt domain (on)\n"), apply.out);
                assertTrue(apply.out.contains("> start " + NAME + ": libvirt domain\n"), apply.out);

                vm = new LibvirtVmControl(d.uri());
                final LibvirtVmControl v = vm; // for the lambdas
                String live = vm.describe(NAME);
                try (PtyConsole console = PtyConsole.open(PtyConsole.ptyOf(live))) {
                    // the kernel is running: its first line on the serial console
                    assertTrue(console.await("Linux version", Duration.ofSeconds(90)),
                            "no 'Linux version' on the serial console within 90 s:\n" + console.text() + diag.get());
                    long tKernel = System.nanoTime();

                    // paused at once, while the kernel is still booting (it writes to its console all the
                    // time until /init): the vCPU stops, so the console goes quiet
                    vm.pause(NAME);
                    assertEquals(DomainState.PAUSED, vm.lookup(NAME).state());
                    // What qemu wrote before the pause may still be on its way to the pty (later on a busy
                    // machine): wait until the console has been quiet for a second, then watch it for two.
                    int frozen = console.size();
                    for (int i = 0; i < 60; i++) {
                        Thread.sleep(1000);
                        if (console.size() == frozen) break;
                        frozen = console.size();
                    }
                    Thread.sleep(2000);
                    assertEquals(frozen, console.size(), "console output while paused:\n" + console.text().substring(frozen));
                    assertFalse(console.text().contains("Run /init as init process"),
                            "the kernel had finished booting before the pause, so the pause proves nothing: " + console.text());

                    DomainInfo paused = vm.lookup(NAME);
                    assertEquals(512L * 1024, paused.maxMemoryKiB());
                    assertEquals(1, paused.vcpus());
                    assertTrue(paused.persistent());
                    assertTrue(paused.autostart(), "auto: true in the YAML");
                    assertTrue(paused.id() > 0, "an active qemu domain has an id: " + paused);

                    // the definition libvirt holds is the renderer's: TCG, direct kernel boot, the bridge, the sparse disk
                    assertTrue(live.startsWith("<domain type='qemu' id="), live);
                    assertTrue(live.contains("<kernel>" + INSTALLER.resolve("linux") + "</kernel>"), live);
                    assertTrue(live.contains("<source bridge='" + PrivateLibvirtd.BRIDGE + "'/>"), live);
                    Path disk = out.resolve("disks/" + NAME + ".img");
                    assertTrue(live.contains("<source file='" + disk + "'"), live);
                    assertEquals(4L << 30, Files.size(disk));

                    HostInfo info = vm.info();
                    assertEquals("QEMU", info.hypervisor());
                    assertTrue(info.uri().startsWith("qemu:///system"), info.uri());
                    assertEquals(1, info.domainsRunning(), "a paused domain is active");
                    assertEquals(0, info.domainsDefined(), "defined-but-inactive domains");
                    assertEquals(List.of(NAME + " PAUSED"), vm.list().stream().map(i -> i.name() + " " + i.state()).toList());

                    // a second apply leaves the paused guest alone: nothing to define, nothing to start
                    Run again = provision(concat(new String[] {"apply", yaml.toString()}, host));
                    assertEquals(0, again.code, again.out + again.err);
                    assertEquals("Nothing to do: 1 guest(s) up to date.\n", again.out);
                    assertEquals(DomainState.PAUSED, vm.lookup(NAME).state());

                    vm.unpause(NAME);
                    assertEquals(DomainState.RUNNING, vm.lookup(NAME).state());
                    // resumed: the kernel goes on, with the command line the renderer wrote, and hands
                    // over to the installer's initrd
                    String cmdline = element(Files.readString(out.resolve("libvirt/" + NAME + ".xml")), "cmdline");
                    assertEquals("auto=true priority=critical url=http://192.0.2.1:8069/ks/" + NAME + ".ks hostname=" + NAME
                            + " console=ttyS0", cmdline);
                    assertTrue(console.await("Command line: " + cmdline, Duration.ofSeconds(30)), console.text());
                    assertTrue(console.await("Run /init as init process", Duration.ofSeconds(60)),
                            "no '/init' after unpause:\n" + console.text() + diag.get());
                    long tInit = System.nanoTime();

                    // verbs that do not fit the state are refused, and the guest keeps running
                    assertEquals(VirtException.Kind.INVALID_STATE, assertThrows(VirtException.class, () -> v.start(NAME)).kind());
                    assertEquals(VirtException.Kind.INVALID_STATE, assertThrows(VirtException.class, () -> v.unpause(NAME)).kind());
                    assertEquals(VirtException.Kind.INVALID_STATE, assertThrows(VirtException.class, () -> v.undefine(NAME)).kind());
                    assertEquals(DomainState.RUNNING, vm.lookup(NAME).state());

                    vm.destroy(NAME);
                    DomainInfo stopped = vm.lookup(NAME);
                    assertEquals(DomainState.SHUTOFF, stopped.state());
                    assertEquals(-1, stopped.id());
                    assertEquals(0, vm.info().domainsRunning());
                    assertEquals(1, vm.info().domainsDefined());

                    vm.undefine(NAME);
                    assertEquals(VirtException.Kind.NO_DOMAIN, assertThrows(VirtException.class, () -> v.lookup(NAME)).kind());
                    assertEquals(List.of(), vm.list());
                    assertTrue(Files.exists(disk), "undefine never touches disks");

                    // dmesg: the verbs, and the daemon's lifecycle events for them (libvirt-java's DomainEvent.toString)
                    List<String> wanted = List.of("pause " + NAME, "unpause " + NAME, "destroy " + NAME, "undefine " + NAME,
                            "event " + NAME + ": SUSPENDED (PAUSED)", "event " + NAME + ": RESUMED (UNPAUSED)",
                            "event " + NAME + ": STOPPED (DESTROYED)", "event " + NAME + ": UNDEFINED (REMOVED)");
                    List<String> dmesg = awaitDmesg(vm, wanted, Duration.ofSeconds(10));
                    for (String w : wanted) {
                        assertTrue(dmesg.stream().anyMatch(l -> l.contains(" " + w)), "no '" + w + "' in dmesg:\n" + String.join("\n", dmesg));
                    }
                    System.out.printf("private libvirtd: daemon up %.1f s, apply (incl. capability probe) %.1f s,"
                                    + " start to 'Linux version' %.1f s, to '/init' %.1f s (incl. 2.5 s paused), total %.1f s%n",
                            secs(t0, tDaemon), secs(tDaemon, tApply), secs(tApply, tKernel), secs(tApply, tInit),
                            secs(t0, System.nanoTime()));
                }
            } finally {
                if (vm != null) {
                    cleanup(vm);
                    vm.close();
                }
            }
        }
    }

    /** Whatever the test got to: no guest left running or defined (the daemon goes next anyway). */
    private static void cleanup(LibvirtVmControl vm) {
        try {
            DomainInfo i = vm.lookup(NAME);
            if (i.state() != DomainState.SHUTOFF) {
                vm.destroy(NAME);
            }
            vm.undefine(NAME);
        } catch (VirtException e) {
            // NO_DOMAIN when the test got through; otherwise PrivateLibvirtd.close kills qemu
        }
    }

    private static List<String> awaitDmesg(LibvirtVmControl vm, List<String> wanted, Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (true) {
            List<String> dmesg = vm.dmesg();
            boolean all = wanted.stream().allMatch(w -> dmesg.stream().anyMatch(l -> l.contains(" " + w)));
            if (all || System.nanoTime() > deadline) {
                return dmesg;
            }
            Thread.sleep(100); // events arrive on libvirt's event loop thread
        }
    }

    private static String element(String xml, String name) {
        Matcher m = Pattern.compile("<" + name + ">([^<]*)</" + name + ">").matcher(xml);
        assertTrue(m.find(), "no <" + name + "> in\n" + xml);
        return m.group(1);
    }

    private static String[] concat(String[] a, String[] b) {
        String[] r = java.util.Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, r, a.length, b.length);
        return r;
    }

    private static double secs(long from, long to) {
        return (to - from) / 1e9;
    }
}
