package org.javapxeboot.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.sun.net.httpserver.HttpServer;
import java.io.ByteArrayOutputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** {@code javapxeboot fetch http://...}: output, exit codes and nothing left behind on failure. */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class HttpFetchCommandTest {
    static final byte[] FILE = new byte[1 << 20];
    static { new Random(3).nextBytes(FILE); }

    final ByteArrayOutputStream outBytes = new ByteArrayOutputStream(), errBytes = new ByteArrayOutputStream();
    final PrintStream out = new PrintStream(outBytes, true, StandardCharsets.UTF_8);
    final PrintStream err = new PrintStream(errBytes, true, StandardCharsets.UTF_8);
    @TempDir Path dir;
    HttpServer http;
    String base;

    @BeforeEach void start() throws Exception {
        http = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        http.createContext("/initrd.gz", x -> { x.sendResponseHeaders(200, FILE.length); try (OutputStream o = x.getResponseBody()) { o.write(FILE); } });
        http.createContext("/cut", x -> { x.sendResponseHeaders(200, FILE.length); x.getResponseBody().write(FILE, 0, 1000); x.getResponseBody().flush(); x.close(); });
        http.start();
        base = "http://127.0.0.1:" + http.getAddress().getPort();
    }

    @AfterEach void stop() { http.stop(0); }

    int run(String... args) { return FetchCommand.run(args, out, err); }

    String err() { return errBytes.toString(StandardCharsets.UTF_8); }

    @Test void fetchesIntoAFileThroughAPrivateTemporaryFile() throws Exception {
        Path f = dir.resolve("initrd.gz");
        assertEquals(0, run(base + "/initrd.gz", "-o", f.toString()), err());
        assertArrayEquals(FILE, Files.readAllBytes(f));
        assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(f)));
        assertTrue(err().startsWith("1048576 bytes in "), err());
        assertTrue(err().trim().endsWith("MB/s) over HTTP"), err());
    }

    @Test void fetchesToStdout() {
        assertEquals(0, run("-q", base + "/initrd.gz", "-o", "-"));
        assertArrayEquals(FILE, outBytes.toByteArray());
        assertEquals("", err());
    }

    @Test void aCutOffTransferFailsAndLeavesNoFile() throws Exception {
        Path f = dir.resolve("initrd.gz");
        assertEquals(1, run(base + "/cut", "-o", f.toString()));
        assertEquals("javapxeboot fetch: " + base + "/cut: the server closed the connection after 1000 of 1048576 bytes "
                + "(Content-Length); the file is incomplete\n", err());
        try (Stream<Path> s = Files.list(dir)) { assertEquals(0, s.count(), "no file and no temporary file left"); }
    }

    @Test void aFileOverTheCapFailsAndLeavesNoFile() throws Exception {
        assertEquals(1, run("--max-size", "1k", base + "/initrd.gz", "-o", dir.resolve("x").toString()));
        assertEquals("javapxeboot fetch: " + base + "/initrd.gz: the file is 1048576 bytes, more than the limit of 1024\n", err());
        try (Stream<Path> s = Files.list(dir)) { assertEquals(0, s.count()); }
    }

    @Test void notFoundExits1() {
        assertEquals(1, run(base + "/nope", "-o", dir.resolve("x").toString()));
        assertEquals("javapxeboot fetch: " + base + "/nope: the server answered 404 Not Found (file not found)\n", err());
    }

    @Test void usageErrors() {
        assertEquals(2, run("https://127.0.0.1/x", "-o", "f"));
        assertTrue(err().startsWith("javapxeboot fetch: URL 'https://127.0.0.1/x' refused: https is not supported"), err());
        errBytes.reset();
        assertEquals(2, run("--max-time", "0", base + "/x", "-o", "f"));
        assertTrue(err().startsWith("javapxeboot fetch: --max-time expects seconds, more than 0 and at most 86400, not '0'"), err());
        errBytes.reset();
        assertEquals(2, run("--max-redirs=99", base + "/x", "-o", "f"));
        assertTrue(err().startsWith("javapxeboot fetch: --max-redirs expects a whole number 0..20, not '99'"), err());
        errBytes.reset();
        assertEquals(2, run(base + "/x"));
        assertTrue(err().startsWith("javapxeboot fetch: no output given"), err());
    }
}
