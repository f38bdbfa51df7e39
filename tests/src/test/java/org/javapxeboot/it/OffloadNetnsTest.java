package org.javapxeboot.it;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.javapxeboot.fixture.Netns;
import org.javapxeboot.net.UdpOffload;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * UDP GSO/GRO across a real 1500-MTU veth pair (root): `bin/pxe-mock serve` in one namespace sends its
 * windows as GSO batches and `bin/javapxeboot fetch` in the other reads them coalesced. With blocks
 * bigger than the path MTU the kernel refuses the batches; the mock must fall back to one datagram per
 * call (IP-fragmented) and still deliver every byte.
 */
@Timeout(value = 180, unit = TimeUnit.SECONDS)
class OffloadNetnsTest {
    static Netns net;
    static Process mock;
    static Path root, log;
    static byte[] file;

    /**
     * Why this class cannot run here, or null. Surefire reports a skip in @BeforeAll as "Tests run: 0"
     * with no reason; skipping each test keeps the reason in the report.
     */
    static String skip;

    @BeforeAll
    static void start() throws Exception {
        skip = Proc.firstReason(Netns.unavailable(), Proc.launchersMissing(),
            UdpOffload.available() ? null : "UDP offload library not built: " + UdpOffload.unavailableReason());
        if (skip != null) return;
        root = Files.createTempDirectory("offload-root");
        file = new byte[6_000_000 + 13];
        new Random(41).nextBytes(file);
        Files.write(root.resolve("f"), file);
        net = Netns.create();
        log = Files.createTempFile("offload-mock", ".log");
        mock = new ProcessBuilder(Netns.in(net.server, List.of(Proc.launcher("pxe-mock").toString(), "serve", "--root", root.toString(),
                "--bind", net.serverIp, "--tftp-port", "69", "--dhcp-port", "-1")))
            .redirectErrorStream(true).redirectOutput(log.toFile()).start();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60); // a readiness probe; the bound only stops a hang
        while (!Files.readString(log).contains("listening")) {
            assertTrue(mock.isAlive(), () -> "pxe-mock died: " + read(log));
            assertTrue(System.nanoTime() < deadline, "pxe-mock did not start within 60 s");
            Thread.sleep(50);
        }
    }

    @BeforeEach
    void runnableHere() {
        assumeTrue(skip == null, () -> skip);
    }

    @AfterAll
    static void stop() throws Exception {
        if (mock != null) mock.destroyForcibly();
        if (net != null) net.close();
        if (root != null) {
            Files.deleteIfExists(root.resolve("f"));
            Files.deleteIfExists(root);
        }
        if (log != null) Files.deleteIfExists(log);
    }

    static String read(Path p) {
        try {
            return Files.readString(p);
        } catch (Exception e) {
            return "(" + e + ")";
        }
    }

    static Proc fetch(Path out, String... opts) throws Exception {
        return fetchWith("", out, opts);
    }

    /** bin/javapxeboot fetch in the client namespace, with JAVAPXEBOOT_JAVA_OPTS set to {@code jvmOpts}. */
    static Proc fetchWith(String jvmOpts, Path out, String... opts) throws Exception {
        List<String> cmd = new java.util.ArrayList<>(List.of("env", "JAVAPXEBOOT_JAVA_OPTS=" + jvmOpts,
            Proc.launcher("javapxeboot").toString(), "fetch"));
        cmd.addAll(List.of(opts));
        cmd.addAll(List.of("tftp://" + net.serverIp + "/f", "-o", out.toString()));
        return Proc.run(Netns.in(net.client, cmd), Duration.ofSeconds(120));
    }

    static byte[] sha256(byte[] b) throws Exception {
        return MessageDigest.getInstance("SHA-256").digest(b);
    }

    @Test
    void mtuSizedBlocksCrossTheVethAsBatchesAndArriveCoalesced(@TempDir Path tmp) throws Exception {
        Path out = tmp.resolve("f");
        Proc p = fetch(out);
        assertEquals(0, p.exit(), () -> p.stderr() + "\nmock: " + read(log));
        assertArrayEquals(sha256(file), sha256(Files.readAllBytes(out)));
        assertTrue(p.stderr().contains("blksize 1468"), "the path MTU's block: " + p.stderr());
        assertTrue(p.stderr().contains("coalesced receives (UDP GRO)"), "GSO batches read through GRO: " + p.stderr());
    }

    @Test
    void blocksAboveThePathMtuMakeTheKernelRefuseBatchesAndTheMockSendsThemOneByOne(@TempDir Path tmp) throws Exception {
        Path out = tmp.resolve("f");
        Proc p = fetch(out, "--blksize", "8192");
        assertEquals(0, p.exit(), () -> p.stderr() + "\nmock: " + read(log));
        assertArrayEquals(sha256(file), sha256(Files.readAllBytes(out)));
        assertTrue(p.stderr().contains("blksize 8192"), p.stderr());
        assertFalse(p.stderr().contains("coalesced"), "fragmented datagrams are never coalesced: " + p.stderr());
    }

    @Test
    void aLibraryTurnedOffOrMissingIsSaidOnceAndTheFetchStillWorks(@TempDir Path tmp) throws Exception {
        Path out = tmp.resolve("f");
        Proc off = fetchWith("-Djavapxeboot.native=off", out);
        assertEquals(0, off.exit(), off::stderr);
        assertArrayEquals(sha256(file), sha256(Files.readAllBytes(out)));
        assertTrue(off.stderr().contains(": no UDP offload (disabled by -Djavapxeboot.native=off): one datagram per receive"), off.stderr());
        assertFalse(off.stderr().contains("coalesced"), off.stderr());

        Path bogus = tmp.resolve("not-a-library.so");
        Files.writeString(bogus, "not ELF");
        Proc bad = fetchWith("-Djavapxeboot.native=" + bogus, out);
        assertEquals(0, bad.exit(), bad::stderr);
        assertArrayEquals(sha256(file), sha256(Files.readAllBytes(out)));
        assertTrue(bad.stderr().contains(": no UDP offload (cannot load " + bogus), bad.stderr());

        Proc missing = fetchWith("-Djavapxeboot.native=" + tmp.resolve("absent.so"), out);
        assertEquals(0, missing.exit(), missing::stderr);
        assertTrue(missing.stderr().contains(": no UDP offload (no native library at " + tmp.resolve("absent.so") + ")"), missing.stderr());
    }

    @Test
    void withoutOffloadTheClientReadsTheSameBatchesOneDatagramAtATime(@TempDir Path tmp) throws Exception {
        Path out = tmp.resolve("f");
        Proc p = fetch(out, "--no-offload", "--spin", "0");
        assertEquals(0, p.exit(), () -> p.stderr() + "\nmock: " + read(log));
        assertArrayEquals(sha256(file), sha256(Files.readAllBytes(out)));
        assertFalse(p.stderr().contains("coalesced"), p.stderr());
    }
}
