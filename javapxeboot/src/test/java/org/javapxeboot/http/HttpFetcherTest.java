package org.javapxeboot.http;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.sun.net.httpserver.HttpServer;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.List;
import java.util.Random;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The HTTP fetch against the JDK's server (a well-behaved peer) and against scripted hostile ones. */
class HttpFetcherTest {
    private static final byte[] FILE = new byte[3 * 1024 * 1024 + 17];
    static { new Random(7).nextBytes(FILE); }

    private HttpServer jdk;
    private String base;

    @BeforeEach void start() throws IOException {
        jdk = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        jdk.createContext("/file", x -> { x.sendResponseHeaders(200, FILE.length); try (OutputStream o = x.getResponseBody()) { o.write(FILE); } });
        // Length 0 makes the JDK server send the body chunked.
        jdk.createContext("/chunked", x -> { x.sendResponseHeaders(200, 0); try (OutputStream o = x.getResponseBody()) { o.write(FILE); } });
        jdk.createContext("/missing", x -> { x.sendResponseHeaders(404, -1); x.close(); });
        jdk.createContext("/moved", x -> { x.getResponseHeaders().add("Location", "/file"); x.sendResponseHeaders(302, -1); x.close(); });
        jdk.createContext("/loop", x -> { x.getResponseHeaders().add("Location", "/loop"); x.sendResponseHeaders(301, -1); x.close(); });
        jdk.createContext("/tls", x -> { x.getResponseHeaders().add("Location", "https://127.0.0.1/file"); x.sendResponseHeaders(302, -1); x.close(); });
        jdk.start();
        base = "http://127.0.0.1:" + jdk.getAddress().getPort();
    }

    @AfterEach void stop() { jdk.stop(0); }

    private static HttpFetcher fetcher() { return new HttpFetcher(HttpFetcher.Settings.defaults()); }

    @Test void fetchesAFileWithContentLength() throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        List<long[]> progress = new java.util.ArrayList<>();
        HttpFetcher.Result r = fetcher().fetch(base + "/file", out, -1, (b, e) -> progress.add(new long[] {b, e}));
        assertArrayEquals(FILE, out.toByteArray());
        assertEquals(FILE.length, r.bytes());
        assertEquals(0, r.redirects());
        assertEquals(FILE.length, progress.get(progress.size() - 1)[0]);
        assertEquals(FILE.length, progress.get(0)[1], "the Content-Length is the expected size");
    }

    @Test void decodesAChunkedBody() throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        fetcher().fetch(base + "/chunked", out, -1, null);
        assertArrayEquals(FILE, out.toByteArray());
    }

    @Test void notFoundIsTold() {
        HttpException e = assertThrows(HttpException.class, () -> fetcher().fetch(base + "/missing", new ByteArrayOutputStream(), -1, null));
        assertTrue(e.isFileNotFound());
        assertEquals(base + "/missing: the server answered 404 Not Found (file not found)", e.getMessage());
    }

    @Test void followsAnHttpRedirect() throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        HttpFetcher.Result r = fetcher().fetch(base + "/moved", out, -1, null);
        assertArrayEquals(FILE, out.toByteArray());
        assertEquals(1, r.redirects());
        assertEquals(base + "/file", r.finalUrl());
    }

    @Test void aRedirectLoopEndsAtTheLimit() {
        HttpException e = assertThrows(HttpException.class, () -> fetcher().fetch(base + "/loop", new ByteArrayOutputStream(), -1, null));
        assertTrue(e.getMessage().startsWith(base + "/loop: more than 5 redirects"), e.getMessage());
    }

    @Test void aRedirectToHttpsIsRefused() {
        HttpException e = assertThrows(HttpException.class, () -> fetcher().fetch(base + "/tls", new ByteArrayOutputStream(), -1, null));
        assertTrue(e.getMessage().contains("redirect from " + base + "/tls refused: URL 'https://127.0.0.1/file' refused: https is not supported"), e.getMessage());
    }

    @Test void aContentLengthOverTheCapIsRefusedBeforeTheBody() {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        HttpException e = assertThrows(HttpException.class, () -> fetcher().fetch(base + "/file", out, 1000, null));
        assertEquals(base + "/file: the file is " + FILE.length + " bytes, more than the limit of 1000", e.getMessage());
        assertEquals(0, out.size());
    }

    @Test void aChunkedBodyOverTheCapIsCutOff() {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        HttpException e = assertThrows(HttpException.class, () -> fetcher().fetch(base + "/chunked", out, 100_000, null));
        assertEquals(base + "/chunked: more than the limit of 100000 bytes", e.getMessage());
        assertTrue(out.size() <= 100_000);
    }

    @Test void aRefusedAddressGetsNoConnection() {
        HttpFetcher f = new HttpFetcher(HttpFetcher.Settings.defaults().withHosts(HostPolicy.NOT_LOCAL));
        HttpException e = assertThrows(HttpException.class, () -> f.fetch(base + "/file", new ByteArrayOutputStream(), -1, null));
        assertEquals(base + "/file: refused to connect to 127.0.0.1: it is a loopback, link-local, wildcard or multicast address", e.getMessage());
    }

    @Test void aRedirectToARefusedAddressIsRefused() throws IOException {
        try (RawServer s = new RawServer((head, out) -> out.write(RawServer.ascii(
                "HTTP/1.1 302 Found\r\nLocation: http://169.254.169.254/latest/meta-data/\r\nContent-Length: 0\r\n\r\n")))) {
            HttpFetcher f = new HttpFetcher(HttpFetcher.Settings.defaults()
                    .withHosts(HostPolicy.only(List.of(InetAddress.getLoopbackAddress()))));
            HttpException e = assertThrows(HttpException.class, () -> f.fetch(s.url("/k"), new ByteArrayOutputStream(), -1, null));
            assertTrue(e.getMessage().startsWith(s.url("/k") + " (redirected to http://169.254.169.254/latest/meta-data/): refused to connect to 169.254.169.254: it is not an allowed HTTP server"), e.getMessage());
        }
    }

    @Test void aShortBodyIsAnErrorNotATruncatedFile() throws IOException {
        try (RawServer s = new RawServer((head, out) -> {
            out.write(RawServer.ascii("HTTP/1.1 200 OK\r\nContent-Length: 1000\r\n\r\n"));
            out.write(new byte[600]);
        })) {
            HttpException e = assertThrows(HttpException.class, () -> fetcher().fetch(s.url("/linux"), new ByteArrayOutputStream(), -1, null));
            assertEquals(s.url("/linux") + ": the server closed the connection after 600 of 1000 bytes (Content-Length); the file is incomplete", e.getMessage());
        }
    }

    @Test void aChunkedBodyWithoutItsLastChunkIsAnError() throws IOException {
        try (RawServer s = new RawServer((head, out) -> out.write(RawServer.ascii(
                "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n")))) {
            HttpException e = assertThrows(HttpException.class, () -> fetcher().fetch(s.url("/i"), new ByteArrayOutputStream(), -1, null));
            assertTrue(e.getMessage().startsWith(s.url("/i") + ": the server closed the connection"), e.getMessage());
        }
    }

    @Test void chunkExtensionsAndTrailersAreHandled() throws IOException {
        try (RawServer s = new RawServer((head, out) -> out.write(RawServer.ascii(
                "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5;name=x\r\nhello\r\nA\r\n, world!!!\r\n0\r\nX-Sum: 1\r\n\r\n")))) {
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            fetcher().fetch(s.url("/i"), out, -1, null);
            assertEquals("hello, world!!!", out.toString(java.nio.charset.StandardCharsets.ISO_8859_1));
        }
    }

    @Test void aBodyOfUnknownLengthIsRefused() throws IOException {
        try (RawServer s = new RawServer((head, out) -> out.write(RawServer.ascii("HTTP/1.0 200 OK\r\n\r\nkernel")))) {
            HttpException e = assertThrows(HttpException.class, () -> fetcher().fetch(s.url("/k"), new ByteArrayOutputStream(), -1, null));
            assertTrue(e.getMessage().contains("neither Content-Length nor chunked"), e.getMessage());
        }
    }

    @Test void endlessHeadersAreCutOff() throws IOException {
        try (RawServer s = new RawServer((head, out) -> {
            out.write(RawServer.ascii("HTTP/1.1 200 OK\r\n"));
            for (int i = 0; ; i++) out.write(RawServer.ascii("X-" + i + ": y\r\n"));
        })) {
            HttpException e = assertThrows(HttpException.class, () -> fetcher().fetch(s.url("/k"), new ByteArrayOutputStream(), -1, null));
            assertEquals(s.url("/k") + ": more than 128 header lines", e.getMessage());
        }
    }

    @Test void aHugeHeaderLineIsCutOff() throws IOException {
        try (RawServer s = new RawServer((head, out) -> {
            out.write(RawServer.ascii("HTTP/1.1 200 OK\r\nX-Big: "));
            byte[] a = new byte[4096];
            java.util.Arrays.fill(a, (byte) 'a');
            while (true) out.write(a);
        })) {
            HttpException e = assertThrows(HttpException.class, () -> fetcher().fetch(s.url("/k"), new ByteArrayOutputStream(), -1, null));
            assertEquals(s.url("/k") + ": a response head line is longer than 8192 bytes", e.getMessage());
        }
    }

    @Test void anEndlessChunkedBodyStopsAtTheCap() throws IOException {
        try (RawServer s = new RawServer((head, out) -> {
            out.write(RawServer.ascii("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"));
            while (true) out.write(RawServer.ascii("400\r\n" + "z".repeat(1024) + "\r\n"));
        })) {
            HttpException e = assertThrows(HttpException.class, () -> fetcher().fetch(s.url("/k"), new ByteArrayOutputStream(), 1 << 20, null));
            assertEquals(s.url("/k") + ": more than the limit of 1048576 bytes", e.getMessage());
        }
    }

    @Test void aStalledServerIsCutOffAtTheStallTimeout() throws IOException {
        java.util.concurrent.CountDownLatch release = new java.util.concurrent.CountDownLatch(1);
        try (RawServer s = new RawServer((head, out) -> {
            out.write(RawServer.ascii("HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nabc"));
            out.flush();
            try {
                release.await(); // sends nothing more until the test is over
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        })) {
            HttpFetcher f = new HttpFetcher(HttpFetcher.Settings.defaults().withStallTimeout(Duration.ofMillis(200)));
            HttpException e = assertThrows(HttpException.class, () -> f.fetch(s.url("/k"), new ByteArrayOutputStream(), -1, null));
            assertEquals(s.url("/k") + ": the server sent nothing for 0.2 s (stalled)", e.getMessage());
        } finally {
            release.countDown();
        }
    }

    /** A slowloris sends a byte now and then, never stalling: the deadline of the whole fetch ends it. The clock moves 1 s per look. */
    @Test void aTricklingServerIsCutOffAtTheDeadline() throws IOException {
        try (RawServer s = new RawServer((head, out) -> {
            out.write(RawServer.ascii("HTTP/1.1 200 OK\r\nContent-Length: 100000000\r\n\r\n"));
            while (true) {
                out.write('x');
                out.flush();
            }
        })) {
            AtomicLong now = new AtomicLong();
            HttpFetcher f = new HttpFetcher(HttpFetcher.Settings.defaults().withTotalTimeout(Duration.ofSeconds(30))
                    .withClock(() -> now.addAndGet(1_000_000_000L)));
            HttpException e = assertThrows(HttpException.class, () -> f.fetch(s.url("/k"), new ByteArrayOutputStream(), -1, null));
            assertEquals(s.url("/k") + ": not finished within 30 s", e.getMessage());
        }
    }

    @Test void theRequestIsMinimalAndAsksForIdentity() throws IOException {
        try (RawServer s = new RawServer((head, out) -> out.write(RawServer.ascii("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok")))) {
            fetcher().fetch(s.url("/d/linux?x=1"), new ByteArrayOutputStream(), -1, null);
            assertEquals("GET /d/linux?x=1 HTTP/1.1\r\nHost: 127.0.0.1:" + s.port() + "\r\nUser-Agent: javapxeboot\r\nAccept: */*\r\n"
                    + "Accept-Encoding: identity\r\nConnection: close\r\n\r\n", s.requests.get(0));
        }
    }
}
