package org.javapxeboot.http;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.javapxeboot.fixture.Netns;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * {@code javapxeboot fetch http://} against a real server, busybox httpd, across a veth pair: the
 * server in one network namespace on its own port 80, the fetch in a child JVM in the other (so no
 * port of this machine is used). Needs root and busybox; skips saying which is missing.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class HttpFetchBusyboxInteropTest {
    static Netns net;
    static Process httpd;
    static Path root;
    static byte[] big;
    static String skip;

    @BeforeAll static void start() throws Exception {
        skip = Netns.unavailable();
        if (skip == null && !Files.isExecutable(Path.of("/usr/bin/busybox")) && !Files.isExecutable(Path.of("/bin/busybox"))) {
            skip = "busybox is not installed (Debian package busybox)";
        }
        if (skip != null) return;
        root = Files.createTempDirectory("jpb-httpd");
        big = new byte[5 * 1024 * 1024 + 3];
        new Random(11).nextBytes(big);
        Files.write(root.resolve("initrd.gz"), big);
        Files.write(root.resolve("empty"), new byte[0]);
        net = Netns.create();
        httpd = new ProcessBuilder(Netns.in(net.server, List.of("busybox", "httpd", "-f", "-p", net.serverIp + ":80", "-h", root.toString())))
                .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
        // Ready when the socket listens: an event, polled with a generous bound as a hang guard.
        for (int i = 0; ; i++) {
            if (Netns.run("ip", "netns", "exec", net.server, "ss", "-Hltn", "sport", "= :80").contains(":80")) break;
            if (i > 2000 || !httpd.isAlive()) throw new IOException("busybox httpd did not start listening");
            Thread.onSpinWait();
        }
    }

    @AfterAll static void stop() throws IOException {
        if (httpd != null) {
            httpd.destroy();
            try {
                httpd.waitFor(10, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        if (net != null) net.close();
        if (root != null) {
            try (var s = Files.list(root)) {
                for (Path p : s.toList()) Files.delete(p);
            }
            Files.delete(root);
        }
    }

    record Run(int exit, byte[] out, String err) {}

    /** {@code javapxeboot fetch ARGS -o -} in a child JVM inside the client namespace. */
    static Run fetch(String... args) throws Exception {
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp", System.getProperty("java.class.path"), "org.javapxeboot.cli.Main", "fetch"));
        cmd.addAll(List.of(args));
        Path err = Files.createTempFile("jpb-fetch", ".err");
        try {
            Process p = new ProcessBuilder(Netns.in(net.client, cmd)).redirectError(err.toFile()).start();
            byte[] out = p.getInputStream().readAllBytes();
            assertTrue(p.waitFor(60, TimeUnit.SECONDS), "the fetch ended");
            return new Run(p.exitValue(), out, Files.readString(err, StandardCharsets.UTF_8));
        } finally {
            Files.delete(err);
        }
    }

    @Test void fetchesTheWholeFile() throws Exception {
        Assumptions.assumeTrue(skip == null, skip);
        Run r = fetch("-q", "http://" + net.serverIp + "/initrd.gz", "-o", "-");
        assertEquals(0, r.exit(), r.err());
        assertArrayEquals(big, r.out());
    }

    @Test void anEmptyFileIsEmpty() throws Exception {
        Assumptions.assumeTrue(skip == null, skip);
        Run r = fetch("-q", "http://" + net.serverIp + "/empty", "-o", "-");
        assertEquals(0, r.exit(), r.err());
        assertEquals(0, r.out().length);
    }

    @Test void busyboxsNotFoundIsTold() throws Exception {
        Assumptions.assumeTrue(skip == null, skip);
        Run r = fetch("http://" + net.serverIp + "/nope", "-o", "-");
        assertEquals(1, r.exit());
        assertEquals("javapxeboot fetch: http://" + net.serverIp + "/nope: the server answered 404 Not Found (file not found)\n", r.err());
    }
}
