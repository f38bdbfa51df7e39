package org.javapxeboot.it;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
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
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.javapxeboot.fixture.Netns;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The acceptance case: the unmodified Debian 12 netboot tree served by real dnsmasq (DHCP + TFTP)
 * in one network namespace, javapxeboot run from its launcher in another, joined by a veth pair,
 * with the exact argv each toolstack uses. The bootloader must pick what pxelinux picks (label
 * {@code install}), fetch {@code linux} and {@code initrd.gz} byte-identical, and hand over the args.
 */
@Timeout(value = 180, unit = TimeUnit.SECONDS)
class DnsmasqInteropTest {
    static final Path TREE = Path.of("/usr/lib/debian-installer/images/12/amd64/text");
    static final String MAC = "aa:00:86:e2:35:72";
    static final String GUEST_IP_SUFFIX = ".50";
    /** dnsmasq is told to ignore this one, as a server that serves other hosts' MACs does. */
    static final String IGNORED_MAC = "aa:00:00:00:00:01";

    static Netns net;
    static Process dnsmasq;
    @TempDir static Path dnsmasqDir;

    /**
     * Why this class cannot run here, or null. Surefire reports a skip in @BeforeAll as "Tests run: 0"
     * with no reason; skipping each test keeps the reason in the report.
     */
    static String skip;

    @BeforeAll
    static void start() throws Exception {
        skip = Proc.firstReason(Netns.unavailable(),
            Files.isDirectory(TREE) ? null : "the Debian netboot tree is missing (apt-get install debian-installer-12-netboot-amd64)",
            Files.isExecutable(Path.of("/usr/sbin/dnsmasq")) ? null : "dnsmasq is missing (apt-get install dnsmasq-base)",
            Proc.launchersMissing());
        if (skip != null) return;
        net = Netns.create();
        List<String> cmd = Netns.in(net.server, List.of("/usr/sbin/dnsmasq", "--no-daemon", "--conf-file=/dev/null", "--port=0",
                "--interface=" + net.serverIf, "--bind-interfaces",
                "--dhcp-range=" + net.subnet + ".100," + net.subnet + ".200,255.255.255.0,1h",
                "--dhcp-host=" + MAC + "," + net.subnet + GUEST_IP_SUFFIX, "--dhcp-host=" + IGNORED_MAC + ",ignore",
                "--dhcp-boot=pxelinux.0", "--enable-tftp", "--tftp-root=" + TREE,
                "--dhcp-leasefile=" + dnsmasqDir.resolve("leases"), "--pid-file=" + dnsmasqDir.resolve("pid"), "--log-dhcp"));
        dnsmasq = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(dnsmasqDir.resolve("log").toFile()).start();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60); // a readiness probe; the bound only stops a hang
        while (!Files.readString(dnsmasqDir.resolve("log")).contains("TFTP root is")) {
            assertTrue(dnsmasq.isAlive(), () -> "dnsmasq died: " + read(dnsmasqDir.resolve("log")));
            assertTrue(System.nanoTime() < deadline, "dnsmasq did not start within 60 s");
            Thread.sleep(50);
        }
    }

    @BeforeEach
    void runnableHere() {
        assumeTrue(skip == null, () -> skip);
    }

    @AfterAll
    static void stop() throws InterruptedException {
        // Wait for it: JUnit deletes dnsmasqDir (leases, pid, log) right after this.
        if (dnsmasq != null) dnsmasq.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
        if (net != null) net.close();
    }

    /** libxl: `--output=FILE --output-format=simple0 --output-directory=DIR`, the MAC from bootloader_args, disk last. */
    @Test
    void libxlArgvBootsTheDebianTree(@TempDir Path tmp) throws Exception {
        Path out = Files.createFile(tmp.resolve("bootloader.out"));   // libxl pre-creates it
        Path dir = Files.createDirectory(tmp.resolve("xen"));
        Proc p = bootloader(List.of("--output=" + out, "--output-format=simple0", "--output-directory=" + dir,
                "--interface=" + net.clientIf, "--mac=" + MAC, "/var/lib/xen/images/guest.img"));
        assertEquals(0, p.exit(), () -> "javapxeboot failed: " + p.stderr() + "\ndnsmasq: " + read(dnsmasqDir.resolve("log")));

        Map<String, String> stanza = simple0(Files.readString(out, StandardCharsets.ISO_8859_1));
        assertEquals("vga=788 --- quiet", stanza.get("args"), "args of label install, initrd= removed");
        Path kernel = Path.of(stanza.get("kernel"));
        Path ramdisk = Path.of(stanza.get("ramdisk"));
        assertEquals(dir, kernel.getParent());
        assertTrue(kernel.getFileName().toString().matches("kernel\\.[A-Za-z0-9]{6}"), kernel.toString());
        assertTrue(ramdisk.getFileName().toString().matches("ramdisk\\.[A-Za-z0-9]{6}"), ramdisk.toString());
        assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(kernel)));
        assertArrayEquals(sha256(TREE.resolve("debian-installer/amd64/linux")), sha256(kernel), "linux byte-identical");
        assertArrayEquals(sha256(TREE.resolve("debian-installer/amd64/initrd.gz")), sha256(ramdisk), "initrd.gz byte-identical");
        assertTrue(p.stderr().contains("label 'install'"), p.stderr());
    }

    /** xend: sxp to a fifo, the vif string `mac=..,bridge=..` as one positional token, -q, disk last. */
    @Test
    void xendArgvWritesSxpToAFifo(@TempDir Path tmp) throws Exception {
        Path fifo = tmp.resolve("fifo");
        Netns.run("mkfifo", fifo.toString());
        Path dir = Files.createDirectory(tmp.resolve("xen"));
        // xend reads the fifo while the bootloader runs.
        var reader = new java.util.concurrent.CompletableFuture<String>();
        Thread t = new Thread(() -> {
            try {
                reader.complete(Files.readString(fifo, StandardCharsets.ISO_8859_1));
            } catch (IOException e) {
                reader.completeExceptionally(e);
            }
        });
        t.setDaemon(true);
        t.start();
        Proc p = bootloader(List.of("-q", "--output=" + fifo, "--output-directory=" + dir, "--interface=" + net.clientIf,
                "mac=AA:00:86:E2:35:72,bridge=xenbr0", "/var/xen-grid/cagnode50/fs/disk"));
        assertEquals(0, p.exit(), () -> "javapxeboot failed: " + p.stderr());
        String sxp = reader.get(10, TimeUnit.SECONDS);
        assertTrue(sxp.matches("linux \\(kernel " + dir + "/kernel\\.\\w{6}\\)\\(ramdisk " + dir + "/ramdisk\\.\\w{6}\\)\\(args 'vga=788 --- quiet'\\)\n?"), sxp);
        assertEquals("", p.stderr().replaceAll("(?m)^javapxeboot: warning:.*\n", ""), "-q prints nothing but warnings");
    }

    /** A MAC the server does not know: no offer, a bounded wait, a one-line error, nothing left behind. */
    @Test
    void unknownMacFailsCleanly(@TempDir Path tmp) throws Exception {
        Path out = Files.createFile(tmp.resolve("out"));
        Path dir = Files.createDirectory(tmp.resolve("xen"));
        Proc p = Proc.run(Netns.in(net.client, List.of(Proc.launcher("javapxeboot").toString(),
                "--output=" + out, "--output-directory=" + dir, "--interface=" + net.clientIf,
                "--timeout=3", "--mac=" + IGNORED_MAC, "disk")), Duration.ofSeconds(60));
        assertNotEquals(0, p.exit());
        assertTrue(p.elapsed().toSeconds() < 30, "bounded by --timeout: " + p.elapsed());
        String err = p.stderr().trim();
        assertTrue(err.contains(IGNORED_MAC), err);
        assertEquals(1, err.lines().filter(l -> l.startsWith("javapxeboot: error:")).count(), err);
        try (var files = Files.list(dir)) {
            assertEquals(0, files.count(), "nothing left behind");
        }
    }

    static Proc bootloader(List<String> args) throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>();
        cmd.add(Proc.launcher("javapxeboot").toString());
        cmd.addAll(args);
        return Proc.run(Netns.in(net.client, cmd), Duration.ofSeconds(120));
    }

    static Map<String, String> simple0(String s) {
        assertTrue(s.endsWith("\0\0") || s.endsWith("\0"), "simple0 ends with an empty record");
        Map<String, String> m = new LinkedHashMap<>();
        for (String rec : s.split("\0")) {
            if (rec.isEmpty()) continue;
            int sp = rec.indexOf(' ');
            m.put(rec.substring(0, sp), rec.substring(sp + 1));
        }
        return m;
    }

    static byte[] sha256(Path p) throws Exception {
        MessageDigest md = MessageDigest.getInstance("SHA-256");
        try (var in = Files.newInputStream(p)) {
            byte[] b = new byte[1 << 16];
            for (int n; (n = in.read(b)) > 0; ) md.update(b, 0, n);
        }
        return md.digest();
    }

    static String read(Path p) {
        try {
            return Files.readString(p);
        } catch (IOException e) {
            return "(" + e + ")";
        }
    }
}
