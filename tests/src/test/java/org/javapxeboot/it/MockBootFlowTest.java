package org.javapxeboot.it;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.javapxeboot.cli.Main;
import org.javapxeboot.fixture.Netns;
import org.javapxeboot.mock.PxeMockServer;
import org.javapxeboot.mock.fault.ErrorFault;
import org.javapxeboot.mock.fault.Faults;
import org.javapxeboot.net.MacAddress;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Whole boot flows against the mock DHCP/TFTP server on loopback, unprivileged: the bootloader
 * run in-process through {@link Main#run} (and through its launcher where the process matters),
 * with the toolstacks' argv, and every failure the issue names ending in one located line, a
 * non-zero exit within a bounded time, and nothing left behind.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class MockBootFlowTest {
    static final MacAddress MAC = MacAddress.parse("aa:00:86:e2:35:72");

    @TempDir Path tree;
    @TempDir Path xen;
    @TempDir Path scratch;
    byte[] kernel, initrdA, initrdB;

    void sampleTree() throws IOException {
        Random r = new Random(42);
        kernel = new byte[3 << 20];
        initrdA = new byte[(5 << 20) + 123];
        initrdB = new byte[777];
        r.nextBytes(kernel);
        r.nextBytes(initrdA);
        r.nextBytes(initrdB);
        Files.createDirectories(tree.resolve("pxelinux.cfg"));
        Files.createDirectories(tree.resolve("img"));
        Files.write(tree.resolve("img/vmlinuz"), kernel);
        Files.write(tree.resolve("img/initrd-a"), initrdA);
        Files.write(tree.resolve("img/initrd-b"), initrdB);
        write("pxelinux.cfg/default", "default menu.c32\r\ninclude menu.cfg\r\n");
        write("menu.cfg", "menu title t\nlabel install\n\tkernel img/vmlinuz\n\tappend ks=http://h/ks?x=y initrd=img/initrd-a,img/initrd-b quiet\n"
                + "\tipappend 2\nlabel other\n kernel img/vmlinuz\n");
    }

    void write(String path, String text) throws IOException {
        Files.createDirectories(tree.resolve(path).getParent());
        Files.writeString(tree.resolve(path), text, StandardCharsets.ISO_8859_1);
    }

    PxeMockServer start(Consumer<PxeMockServer.Builder> more) throws IOException {
        PxeMockServer.Builder b = PxeMockServer.builder().tftpRoot(tree).bindAddress(InetAddress.getLoopbackAddress())
                .lease(MAC, ip("192.0.2.50")).nextServer(ip("127.0.0.1")).bootFile("pxelinux.0");
        more.accept(b);
        return b.start();
    }

    static Inet4Address ip(String s) {
        try {
            return (Inet4Address) InetAddress.getByName(s);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    /** The network options that point the bootloader at the mock instead of 255.255.255.255:67 and port 69. */
    static List<String> net(PxeMockServer s) {
        return List.of("--dhcp-server=127.0.0.1:" + s.dhcpAddress().getPort(), "--dhcp-port=0", "--tftp-port=" + s.tftpAddress().getPort());
    }

    record Run(int exit, String stdout, String stderr, Duration elapsed) {
        List<String> errorLines() { return stderr.lines().filter(l -> l.startsWith("javapxeboot: error:")).toList(); }
    }

    static Run boot(List<String> args) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(), err = new ByteArrayOutputStream();
        long t0 = System.nanoTime();
        int code = Main.run(args.toArray(new String[0]), new PrintStream(out, true), new PrintStream(err, true));
        return new Run(code, out.toString(StandardCharsets.ISO_8859_1), err.toString(StandardCharsets.UTF_8), Duration.ofNanos(System.nanoTime() - t0));
    }

    List<String> libxl(PxeMockServer s, Path output, String... extra) {
        List<String> a = new ArrayList<>(List.of("--output=" + output, "--output-format=simple0", "--output-directory=" + xen));
        a.addAll(net(s));
        a.addAll(List.of(extra));
        a.add("--mac=" + MAC);
        a.add("/dev/vg/guest");
        return a;
    }

    void assertNothingLeft() throws IOException {
        try (var s = Files.list(xen)) {
            assertEquals(List.of(), s.toList(), "nothing left behind");
        }
    }

    @Test
    void libxlBootConcatenatesInitrdsAndKeepsEqualsInValues() throws Exception {
        sampleTree();
        try (PxeMockServer s = start(b -> {})) {
            Path out = Files.createFile(scratch.resolve("out"));
            Run r = boot(libxl(s, out));
            assertEquals(0, r.exit(), r.stderr());
            Map<String, String> st = DnsmasqInteropTest.simple0(Files.readString(out, StandardCharsets.ISO_8859_1));
            assertEquals("ks=http://h/ks?x=y quiet BOOTIF=01-aa-00-86-e2-35-72", st.get("args"));
            assertArrayEquals(kernel, Files.readAllBytes(Path.of(st.get("kernel"))));
            byte[] both = new byte[initrdA.length + initrdB.length];
            System.arraycopy(initrdA, 0, both, 0, initrdA.length);
            System.arraycopy(initrdB, 0, both, initrdA.length, initrdB.length);
            assertArrayEquals(both, Files.readAllBytes(Path.of(st.get("ramdisk"))), "initrds concatenated in order");
            assertEquals(List.of(), r.errorLines());
        }
    }

    @Test
    void debianTreeThroughTheLauncher() throws Exception {
        Path debian = DnsmasqInteropTest.TREE;
        assumeTrue(Files.isDirectory(debian), "skipped: apt-get install debian-installer-12-netboot-amd64");
        String noJar = Proc.launchersMissing();
        assumeTrue(noJar == null, () -> "skipped: " + noJar);
        try (PxeMockServer s = PxeMockServer.builder().tftpRoot(debian).bindAddress(InetAddress.getLoopbackAddress())
                .lease(MAC, ip("192.0.2.50")).nextServer(ip("127.0.0.1")).bootFile("pxelinux.0").start()) {
            Path out = Files.createFile(scratch.resolve("out"));
            List<String> cmd = new ArrayList<>(List.of(Proc.launcher("javapxeboot").toString()));
            cmd.addAll(libxl(s, out));
            Proc p = Proc.run(cmd, Duration.ofSeconds(60));
            assertEquals(0, p.exit(), p.stderr());
            Map<String, String> st = DnsmasqInteropTest.simple0(Files.readString(out, StandardCharsets.ISO_8859_1));
            assertEquals("vga=788 --- quiet", st.get("args"));
            assertArrayEquals(DnsmasqInteropTest.sha256(debian.resolve("debian-installer/amd64/initrd.gz")),
                    DnsmasqInteropTest.sha256(Path.of(st.get("ramdisk"))));
            assertArrayEquals(DnsmasqInteropTest.sha256(debian.resolve("debian-installer/amd64/linux")),
                    DnsmasqInteropTest.sha256(Path.of(st.get("kernel"))));
        }
    }

    @Test
    void xendArgvSxpToFifoThroughTheLauncher() throws Exception {
        String noJar = Proc.launchersMissing();
        assumeTrue(noJar == null, () -> "skipped: " + noJar);
        sampleTree();
        try (PxeMockServer s = start(b -> {})) {
            Path fifo = scratch.resolve("fifo");
            Netns.run("mkfifo", fifo.toString());
            CompletableFuture<String> read = CompletableFuture.supplyAsync(() -> {
                try {
                    return Files.readString(fifo, StandardCharsets.ISO_8859_1);
                } catch (IOException e) {
                    throw new IllegalStateException(e);
                }
            });
            List<String> cmd = new ArrayList<>(List.of(Proc.launcher("javapxeboot").toString(), "--args=console=hvc0 it's",
                    "-q", "--output=" + fifo, "--output-directory=" + xen));
            cmd.addAll(net(s));
            cmd.add("mac=AA:00:86:E2:35:72,bridge=xenbr0");
            cmd.add("/var/xen-grid/cagnode50/fs/disk");
            Proc p = Proc.run(cmd, Duration.ofSeconds(60));
            assertEquals(0, p.exit(), p.stderr());
            String sxp = read.get(10, TimeUnit.SECONDS);
            assertTrue(sxp.startsWith("linux (kernel " + xen + "/kernel."), sxp);
            assertTrue(sxp.contains("(args 'ks=http://h/ks?x=y quiet BOOTIF=01-aa-00-86-e2-35-72 console=hvc0 it\\'s')"), sxp);
        }
    }

    @Test
    void dhcpServerThatNeverAnswers() throws Exception {
        sampleTree();
        try (PxeMockServer s = start(b -> b.faults(Faults.builder().dhcpNoAnswer(true).build()))) {
            Run r = boot(libxl(s, Files.createFile(scratch.resolve("out")), "--timeout=2"));
            assertEquals(1, r.exit());
            assertEquals(1, r.errorLines().size(), r.stderr());
            assertTrue(r.errorLines().get(0).contains("no DHCP offer for aa:00:86:e2:35:72 within 2 s"), r.stderr());
            assertTrue(r.elapsed().toSeconds() < 10, r.elapsed().toString());
            assertNothingLeft();
        }
    }

    @Test
    void offersForAnotherMacAreIgnored() throws Exception {
        sampleTree();
        try (PxeMockServer s = start(b -> b.faults(Faults.builder().dhcpOtherMacFirst(true).dhcpOtherXidFirst(true).build()))) {
            Path out = Files.createFile(scratch.resolve("out"));
            Run r = boot(libxl(s, out));
            assertEquals(0, r.exit(), r.stderr());
            // The decoys really went out, and the boot still used the guest's own lease (BOOTIF, IP names).
            assertTrue(s.dhcpRequests().get(0).reply().contains("decoy"), s.dhcpRequests().toString());
            assertTrue(s.requestedFiles().contains("pxelinux.cfg/C0000232"), s.requestedFiles().toString());
            assertTrue(Files.readString(out, StandardCharsets.ISO_8859_1).contains("BOOTIF=01-aa-00-86-e2-35-72"));
        }
    }

    @Test
    void tftpErrorMidFileLeavesNothing() throws Exception {
        sampleTree();
        try (PxeMockServer s = start(b -> b.faults(Faults.builder().error(new ErrorFault(3, "Disk full", "img/initrd-a", 20)).build()))) {
            Path out = Files.createFile(scratch.resolve("out"));
            Run r = boot(libxl(s, out));
            assertEquals(1, r.exit());
            assertEquals(1, r.errorLines().size(), r.stderr());
            assertTrue(r.errorLines().get(0).contains("img/initrd-a"), r.stderr());
            assertNothingLeft();
            assertEquals(0, Files.size(out), "no stanza on failure");
        }
    }

    @Test
    void tftpServerThatStallsMidFile() throws Exception {
        sampleTree();
        try (PxeMockServer s = start(b -> b.faults(Faults.builder().stallAfter(10).build()))) {
            Run r = boot(libxl(s, Files.createFile(scratch.resolve("out"))));
            assertEquals(1, r.exit());
            assertEquals(1, r.errorLines().size(), r.stderr());
            assertTrue(r.elapsed().toSeconds() < 90, "bounded: " + r.elapsed());
            assertNothingLeft();
        }
    }

    @Test
    void lossDuplicatesAndReorderingStillGiveIdenticalFiles() throws Exception {
        sampleTree();
        Faults f = Faults.builder().drop(0.01).duplicate(0.01).reorder(0.01).seed(7).build();
        try (PxeMockServer s = start(b -> b.faults(f))) {
            Path out = Files.createFile(scratch.resolve("out"));
            Run r = boot(libxl(s, out));
            assertEquals(0, r.exit(), r.stderr());
            Map<String, String> st = DnsmasqInteropTest.simple0(Files.readString(out, StandardCharsets.ISO_8859_1));
            assertArrayEquals(kernel, Files.readAllBytes(Path.of(st.get("kernel"))));
            PxeMockServer.Stats stats = s.stats();
            assertTrue(stats.packetsDropped() > 0 && stats.packetsDuplicated() > 0 && stats.packetsReordered() > 0,
                    "the faults really happened: " + stats);
        }
    }

    @Test
    void hostileConfigsEndInALocatedLine() throws Exception {
        sampleTree();
        Map<String, String> cases = Map.of(
                "include a.cfg\n", "a.cfg:1: INCLUDE",                       // a.cfg includes itself
                "default nokernel\nlabel nokernel\n menu label x\n", "pxelinux.cfg/default:2",
                "default up\nlabel up\n kernel ../../etc/shadow\n", "pxelinux.cfg/default:3");
        write("a.cfg", "include a.cfg\n");
        try (PxeMockServer s = start(b -> {})) {
            for (var c : cases.entrySet()) {
                write("pxelinux.cfg/default", c.getKey());
                Run r = boot(libxl(s, Files.createFile(scratch.resolve("out" + c.hashCode()))));
                assertEquals(1, r.exit(), c.getKey());
                assertEquals(1, r.errorLines().size(), r.stderr());
                assertTrue(r.errorLines().get(0).contains(c.getValue()), c.getKey() + " -> " + r.stderr());
                assertNothingLeft();
            }
        }
    }

    @Test
    void aHundredMegabyteLineIsRefusedWithoutReadingItAll() throws Exception {
        sampleTree();
        byte[] big = new byte[100 << 20];
        java.util.Arrays.fill(big, (byte) 'a');
        Files.write(tree.resolve("pxelinux.cfg/default"), big);
        try (PxeMockServer s = start(b -> {})) {
            Run r = boot(libxl(s, Files.createFile(scratch.resolve("out"))));
            assertEquals(1, r.exit());
            assertEquals(1, r.errorLines().size(), r.stderr());
            assertTrue(r.errorLines().get(0).contains("pxelinux.cfg/default"), r.stderr());
            assertNothingLeft();
        }
    }
}
