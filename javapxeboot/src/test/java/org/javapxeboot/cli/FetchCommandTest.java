package org.javapxeboot.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.javapxeboot.tftp.TftpClient;
import org.javapxeboot.tftp.TftpCodec;
import org.javapxeboot.tftp.TftpPacket;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** {@code javapxeboot fetch}: arguments, exit codes, output, and nothing left behind on failure. */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class FetchCommandTest {
    final ByteArrayOutputStream outBytes = new ByteArrayOutputStream(), errBytes = new ByteArrayOutputStream();
    final PrintStream out = new PrintStream(outBytes, true, StandardCharsets.UTF_8);
    final PrintStream err = new PrintStream(errBytes, true, StandardCharsets.UTF_8);

    int run(String... args) {
        return FetchCommand.run(args, out, err);
    }

    String err() { return errBytes.toString(StandardCharsets.UTF_8); }

    @Test void usageErrorsExit2WithAReason() {
        assertEquals(2, run());
        assertTrue(err().startsWith("javapxeboot fetch: no tftp:// or http:// URL given\nusage:"), err());
        errBytes.reset();
        assertEquals(2, run("tftp://10.0.0.1/x"));
        assertTrue(err().startsWith("javapxeboot fetch: no output given"), err());
        errBytes.reset();
        assertEquals(2, run("--blksize", "4", "tftp://10.0.0.1/x", "-o", "f"));
        assertTrue(err().startsWith("javapxeboot fetch: blksize 4 is outside 8..65464"), err());
        errBytes.reset();
        assertEquals(2, run("--windowsize=many", "tftp://10.0.0.1/x", "-o", "f"));
        assertTrue(err().startsWith("javapxeboot fetch: --windowsize expects a whole number, not 'many'"), err());
        errBytes.reset();
        assertEquals(2, run("--frobnicate", "tftp://10.0.0.1/x", "-o", "f"));
        assertTrue(err().startsWith("javapxeboot fetch: unknown option --frobnicate"), err());
        errBytes.reset();
        assertEquals(2, run("ftp://10.0.0.1/x", "-o", "f"));
        assertEquals("javapxeboot fetch: ftp://10.0.0.1/x: not a tftp:// URL\n", err());
        errBytes.reset();
        assertEquals(2, run("--timeout"));
        assertTrue(err().startsWith("javapxeboot fetch: --timeout needs a value"), err());
        errBytes.reset();
        assertEquals(2, run("--spin", "20000", "tftp://10.0.0.1/x", "-o", "f"));
        assertTrue(err().startsWith("javapxeboot fetch: spin 20000 microseconds is outside 0..10000"), err());
        errBytes.reset();
        assertEquals(2, run("--spin=-1", "tftp://10.0.0.1/x", "-o", "f"));
        assertTrue(err().startsWith("javapxeboot fetch: spin -1 microseconds is outside 0..10000"), err());
    }

    @Test void spinAndOffloadSwitchesStillFetch(@TempDir Path dir) throws IOException {
        byte[] f = new byte[3000];
        new Random(6).nextBytes(f);
        try (OneFileServer s = new OneFileServer(Map.of("k", f))) {
            Path target = dir.resolve("k");
            assertEquals(0, run("--spin", "0", "--no-offload", s.url("k"), "-o", target.toString()), err());
            assertArrayEquals(f, Files.readAllBytes(target));
            assertEquals(0, run("--spin=10000", s.url("k"), "-o", target.toString()), err());
            assertArrayEquals(f, Files.readAllBytes(target));
            assertTrue(!err().contains("coalesced"), "a lock-step server cannot coalesce: " + err());
        }
    }

    @Test void helpExits0() {
        assertEquals(0, run("--help"));
        assertTrue(outBytes.toString(StandardCharsets.UTF_8).startsWith("usage: javapxeboot fetch"));
    }

    @Test void sizes() {
        assertEquals(40L << 20, FetchCommand.sizeArg("--max-size", "40M"));
        assertEquals(512, FetchCommand.sizeArg("--max-size", "512"));
        assertEquals(2L << 30, FetchCommand.sizeArg("--max-size", "2g"));
        assertThrows(IllegalArgumentException.class, () -> FetchCommand.sizeArg("--max-size", "-1"));
        assertThrows(IllegalArgumentException.class, () -> FetchCommand.sizeArg("--max-size", "lots"));
    }

    /** A one-file lock-step server on loopback: enough to drive the command end to end without a daemon. */
    static final class OneFileServer implements AutoCloseable {
        final java.net.DatagramSocket listen;
        final Thread thread;

        OneFileServer(Map<String, byte[]> files) throws IOException { this(files, "File not found"); }

        OneFileServer(Map<String, byte[]> files, String notFound) throws IOException {
            listen = new java.net.DatagramSocket(new java.net.InetSocketAddress(java.net.InetAddress.getLoopbackAddress(), 0));
            thread = new Thread(() -> {
                byte[] buf = new byte[600];
                try {
                    while (true) {
                        java.net.DatagramPacket p = new java.net.DatagramPacket(buf, buf.length);
                        listen.receive(p);
                        TftpPacket.Request r = (TftpPacket.Request) TftpCodec.decode(buf, 0, p.getLength());
                        try (java.net.DatagramSocket s = new java.net.DatagramSocket(
                                new java.net.InetSocketAddress(java.net.InetAddress.getLoopbackAddress(), 0))) {
                            byte[] f = files.get(r.filename());
                            if (f == null) {
                                byte[] e = TftpCodec.encode(new TftpPacket.Error(1, notFound));
                                s.send(new java.net.DatagramPacket(e, e.length, p.getSocketAddress()));
                                continue;
                            }
                            for (int n = 1; ; n++) { // RFC 1350 lock-step, ignoring options
                                int off = (n - 1) * 512, len = Math.max(0, Math.min(512, f.length - off));
                                byte[] d = new byte[4 + len];
                                TftpCodec.encodeDataHeader(d, 0, n);
                                System.arraycopy(f, off, d, 4, len);
                                s.send(new java.net.DatagramPacket(d, d.length, p.getSocketAddress()));
                                s.receive(new java.net.DatagramPacket(new byte[16], 16));
                                if (len < 512) break;
                            }
                        }
                    }
                } catch (Exception e) {
                    // closed
                }
            });
            thread.setDaemon(true);
            thread.start();
        }

        String url(String path) { return "tftp://127.0.0.1:" + listen.getLocalPort() + "/" + path; }

        @Override public void close() { listen.close(); }
    }

    @Test void aHostileErrorMessageReachesTheTerminalEscapedOnOneLine(@TempDir Path dir) throws IOException {
        String hostile = "gone\u001b[2J\u001b]0;owned\u0007\r\njavapxeboot fetch: all fine\u009b31m";
        String url;
        try (OneFileServer s = new OneFileServer(Map.of(), hostile)) {
            url = s.url("k");
            assertEquals(1, run("-q", url, "-o", dir.resolve("k").toString()));
        }
        assertEquals("javapxeboot fetch: " + url
                + ": server error 1 (gone\\e[2J\\e]0;owned\\x07\\r\\njavapxeboot fetch: all fine\\x9b31m)\n", err());
        assertTrue(Files.notExists(dir.resolve("k")));
    }

    @Test void fetchesToAFileAndSummarises(@TempDir Path dir) throws IOException {
        byte[] f = new byte[5000];
        new Random(5).nextBytes(f);
        try (OneFileServer s = new OneFileServer(Map.of("vmlinuz", f))) {
            Path target = dir.resolve("vmlinuz");
            assertEquals(0, run("--windowsize", "4", s.url("vmlinuz"), "-o", target.toString()), err());
            assertArrayEquals(f, Files.readAllBytes(target));
            assertTrue(err().contains("5000 bytes in "), err());
            assertTrue(err().contains("blksize 512, windowsize 1 (server ignored options)"), err());
        }
    }

    @Test void fetchesToStdoutQuietly() throws IOException {
        byte[] f = "DEFAULT linux\n".getBytes(StandardCharsets.US_ASCII);
        try (OneFileServer s = new OneFileServer(Map.of("pxelinux.cfg/default", f))) {
            assertEquals(0, run("-q", s.url("pxelinux.cfg/default"), "-o", "-"));
            assertArrayEquals(f, outBytes.toByteArray());
            assertEquals("", err());
        }
    }

    @Test void failedFetchExits1AndLeavesNothing(@TempDir Path dir) throws IOException {
        try (OneFileServer s = new OneFileServer(Map.of())) {
            assertEquals(1, run(s.url("nope"), "-o", dir.resolve("nope").toString()));
            assertEquals("javapxeboot fetch: " + s.url("nope") + ": server error 1 (File not found)\n", err());
            try (Stream<Path> left = Files.list(dir)) {
                assertEquals(List.of(), left.toList());
            }
        }
    }

    @Test void maxSizeCapsTheDownload(@TempDir Path dir) throws IOException {
        try (OneFileServer s = new OneFileServer(Map.of("big", new byte[3000]))) {
            assertEquals(1, run("--max-size", "1k", s.url("big"), "-o", dir.resolve("big").toString()));
            assertTrue(err().contains("exceeds the cap of 1024 bytes"), err());
            try (Stream<Path> left = Files.list(dir)) {
                assertEquals(List.of(), left.toList());
            }
        }
    }

    @Test void fixedPointFormatting() {
        assertEquals("0.000", FetchCommand.fixed(0, 3));
        assertEquals("105.2", FetchCommand.fixed(105.24, 1));
        assertEquals("0.388", FetchCommand.fixed(0.3875, 3));
        assertEquals("1.0", FetchCommand.fixed(0.96, 1));
        assertEquals("12", FetchCommand.fixed(12.4, 0));
        assertEquals("-2.50", FetchCommand.fixed(-2.5, 2));
    }

    @Test void usageMentionsTheDefaults() {
        assertTrue(FetchCommand.USAGE.contains("(default " + TftpClient.DEFAULT_WINDOWSIZE + ")"));
        assertTrue(FetchCommand.USAGE.contains("(default " + TftpClient.DEFAULT_SPIN_MICROS + " on this machine"));
    }
}
