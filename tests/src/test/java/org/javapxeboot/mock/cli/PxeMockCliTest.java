package org.javapxeboot.mock.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.BufferedReader;
import java.io.ByteArrayOutputStream;
import java.io.InputStreamReader;
import java.io.PipedInputStream;
import java.io.PipedOutputStream;
import java.io.PrintStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.javapxeboot.mock.MiniClient;
import org.javapxeboot.mock.Peers;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

@Timeout(60)
class PxeMockCliTest {
    private static final Pattern LISTENING = Pattern.compile("pxe-mock listening tftp=([0-9.]+):(\\d+) dhcp=(\\S+)");
    @TempDir Path root;

    /** Runs the CLI in-process on a thread; returns the first stdout line, the stop latch and the exit code holder. */
    private record Running(String line, CountDownLatch stop, Thread thread, int[] exit, ByteArrayOutputStream err) {}

    private static Running start(String... args) throws Exception {
        PipedInputStream pin = new PipedInputStream();
        PrintStream out = new PrintStream(new PipedOutputStream(pin), true, StandardCharsets.UTF_8);
        ByteArrayOutputStream errBytes = new ByteArrayOutputStream();
        PrintStream err = new PrintStream(errBytes, true, StandardCharsets.UTF_8);
        CountDownLatch stop = new CountDownLatch(1);
        int[] exit = {-1};
        Thread t = new Thread(() -> {
            exit[0] = PxeMockCli.run(args, out, err, stop);
            out.close();
        });
        t.start();
        String line = new BufferedReader(new InputStreamReader(pin, StandardCharsets.UTF_8)).readLine();
        return new Running(line, stop, t, exit, errBytes);
    }

    @Test void servesUntilStoppedWithServeAsTheDefault() throws Exception {
        byte[] data = Peers.randomBytes(50_000, 4);
        Files.write(root.resolve("f"), data);
        Running r = start("--root", root.toString(), "--lease", "aa:00:86:e2:35:72=127.0.0.9", "--drop-block", "3", "--seed", "9");
        Matcher m = LISTENING.matcher(r.line());
        assertTrue(m.matches(), r.line());
        assertEquals("127.0.0.1", m.group(1));
        assertTrue(m.group(3).matches("127\\.0\\.0\\.1:\\d+"), "DHCP runs when a lease is given: " + r.line());
        assertArrayEquals(data, MiniClient.get(new InetSocketAddress("127.0.0.1", Integer.parseInt(m.group(2))), "f", 1468, 4));
        r.stop().countDown();
        r.thread().join(10_000);
        assertEquals(0, r.exit()[0]);
        String err = r.err().toString(StandardCharsets.UTF_8);
        assertTrue(err.contains("tftp RRQ f from 127.0.0.1"), err);
    }

    @Test void relaySubcommand() throws Exception {
        Files.write(root.resolve("f"), new byte[3000]);
        Running server = start("serve", "--root", root.toString(), "-q");
        Matcher m = LISTENING.matcher(server.line());
        assertTrue(m.matches(), server.line());
        Running relay = start("relay", "--to", "127.0.0.1:" + m.group(2), "--delay-ms", "0.5");
        Matcher rm = Pattern.compile("pxe-mock relay listening 127\\.0\\.0\\.1:(\\d+) to=127\\.0\\.0\\.1:\\d+").matcher(relay.line());
        assertTrue(rm.matches(), relay.line());
        assertEquals(3000, MiniClient.get(new InetSocketAddress("127.0.0.1", Integer.parseInt(rm.group(1))), "f", 512, 2).length);
        relay.stop().countDown();
        server.stop().countDown();
        relay.thread().join(10_000);
        server.thread().join(10_000);
        assertEquals(0, relay.exit()[0]);
        assertEquals(0, server.exit()[0]);
    }

    @ParameterizedTest
    @ValueSource(strings = {"--drop 2", "--bogus", "--lease nonsense", "--lease aa:00:86:e2:35:72=::1", "--bind localhost",
        "--tftp-port x", "--tftp-port 70000", "--dhcp-port -2", "--error nocode", "--overload 7", "relay", "relay --to 1.2.3.4", "--max-transfers 0"})
    void badArgumentsExitTwoWithOneLine(String args) {
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        int code = PxeMockCli.run(args.split(" "), new PrintStream(out, true), new PrintStream(err, true), new CountDownLatch(0));
        String e = err.toString(StandardCharsets.UTF_8);
        assertEquals(2, code, args + " -> " + e);
        assertEquals(1, e.lines().count(), "one line: " + e);
        assertTrue(e.startsWith("pxe-mock: "), e);
        assertEquals("", out.toString(StandardCharsets.UTF_8));
    }

    @Test void portInUseExitsOne() throws Exception {
        try (java.net.DatagramSocket taken = new java.net.DatagramSocket(0, java.net.InetAddress.getLoopbackAddress())) {
            ByteArrayOutputStream err = new ByteArrayOutputStream();
            int code = PxeMockCli.run(new String[] {"--tftp-port", Integer.toString(taken.getLocalPort())}, new PrintStream(new ByteArrayOutputStream()),
                new PrintStream(err, true), new CountDownLatch(0));
            assertEquals(1, code);
            assertTrue(err.toString(StandardCharsets.UTF_8).contains("cannot bind TFTP"), err.toString(StandardCharsets.UTF_8));
        }
    }

    /** As an admin runs it: a separate JVM, one line on stdout, clean shutdown on SIGTERM. */
    @Test void subprocessStopsCleanlyOnSigterm() throws Exception {
        Files.write(root.resolve("f"), new byte[1000]);
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-cp",
            System.getProperty("java.class.path"), PxeMockCli.class.getName(), "--root", root.toString()));
        Path errFile = root.resolve("stderr");
        Process p = new ProcessBuilder(cmd).redirectError(errFile.toFile()).start();
        try {
            String line = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8)).readLine();
            Matcher m = LISTENING.matcher(line);
            assertTrue(m.matches(), line);
            assertEquals("off", m.group(3));
            assertEquals(1000, MiniClient.get(new InetSocketAddress("127.0.0.1", Integer.parseInt(m.group(2))), "f", 512, 1).length);
        } finally {
            p.destroy(); // SIGTERM
            assertTrue(p.waitFor(20, TimeUnit.SECONDS));
        }
        String err = Files.readString(errFile);
        assertTrue(err.contains("pxe-mock: stopping"), "no clean shutdown: " + err);
    }
}
