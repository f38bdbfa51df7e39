package org.javapxeboot.boot;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.sun.net.httpserver.HttpServer;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.javapxeboot.dhcp.DhcpLease;
import org.javapxeboot.xen.OutputFormat;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Boots whose files are named by http:// URLs (lpxelinux style), by a path prefix that is a URL, or
 * fetched over HTTP with --fetch=http: configs that are server paths come from a directory (the TFTP
 * stand-in), URLs go through the real network code to the JDK's HTTP server on loopback, port 0.
 */
class HttpBootTest {
    @TempDir Path tftpRoot;
    @TempDir Path httpRoot;
    @TempDir Path xen;
    private HttpServer http;
    private String base;
    private final List<String> httpRequests = new ArrayList<>();
    private final ByteArrayOutputStream stdout = new ByteArrayOutputStream();

    @BeforeEach void start() throws Exception {
        http = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        http.createContext("/", x -> {
            String path = x.getRequestURI().getPath();
            synchronized (httpRequests) { httpRequests.add(path); }
            if (path.equals("/short")) {
                // Promises 1000 bytes, sends 10 and closes: a cut-off kernel.
                x.sendResponseHeaders(200, 1000);
                x.getResponseBody().write(new byte[10]);
                x.getResponseBody().flush();
                x.close();
                return;
            }
            Path p = httpRoot.resolve(path.substring(1)).normalize();
            if (!p.startsWith(httpRoot) || !Files.isRegularFile(p)) {
                x.sendResponseHeaders(404, -1);
                x.close();
                return;
            }
            byte[] body = Files.readAllBytes(p);
            x.sendResponseHeaders(200, body.length);
            try (OutputStream o = x.getResponseBody()) { o.write(body); }
        });
        http.start();
        base = "http://127.0.0.1:" + http.getAddress().getPort();
        put(httpRoot, "boot/linux", "KERNEL-OVER-HTTP");
        put(httpRoot, "boot/initrd-a", "AAAA");
        put(httpRoot, "boot/initrd-b", "BBBB");
    }

    @AfterEach void stop() { http.stop(0); }

    private static void put(Path root, String path, String text) throws IOException {
        Path p = root.resolve(path);
        Files.createDirectories(p.getParent());
        Files.writeString(p, text, StandardCharsets.ISO_8859_1);
    }

    /** The TFTP side from a directory; URLs through ProtocolNetwork's HTTP path. */
    private Network network(String tftpServer, String prefix, BootRequest r) throws Exception {
        DhcpLease lease = new DhcpLease(ip("10.0.0.50"), ip(tftpServer), ip(tftpServer), "pxelinux.0", null, prefix,
                ip("255.255.255.0"), null, List.of(), null, null, 3600);
        DirectoryNetwork dir = new DirectoryNetwork(tftpRoot, lease);
        ProtocolNetwork real = new ProtocolNetwork(r, Log.silent());
        return new Network() {
            @Override public DhcpLease lease(BootRequest req) { return lease; }

            @Override public void fetch(InetSocketAddress server, String path, OutputStream out, long max, Duration limit) throws IOException {
                if (path.contains("://")) real.fetch(server, path, out, max, limit);
                else dir.fetch(server, path, out, max, limit);
            }
        };
    }

    private static Inet4Address ip(String s) throws Exception { return (Inet4Address) InetAddress.getByName(s); }

    private BootRequest request(boolean notReally) {
        return new BootRequest(BootFlowTest.MAC, null, null, null, "-", OutputFormat.SIMPLE, xen, notReally, false, null, null,
                new InetSocketAddress("255.255.255.255", 67), 68, 69, Duration.ofSeconds(5), null,
                BootRequest.DEFAULT_MAX_FILE_SIZE, 0, 0, -1, null, null, List.of(), false);
    }

    private BootFlow.Outcome boot(Network n, BootRequest r) throws BootException {
        return new BootFlow(n, Log.silent(), cmd -> 0, new PrintStream(stdout, true)).run(r);
    }

    @Test void kernelAndInitrdsNamedByUrls() throws Exception {
        put(tftpRoot, "pxelinux.cfg/default", "default http\nlabel http\n kernel " + base + "/boot/linux\n"
                + " initrd " + base + "/boot/initrd-a," + base + "/boot/initrd-b\n append console=hvc0\n");
        BootRequest r = request(false);
        BootFlow.Outcome o = boot(network("127.0.0.1", null, r), r);
        assertEquals("KERNEL-OVER-HTTP", Files.readString(Path.of(o.stanza().kernel())));
        assertEquals("AAAABBBB", Files.readString(Path.of(o.stanza().ramdisk())));
        assertEquals("console=hvc0", o.stanza().args());
        assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(Path.of(o.stanza().kernel()))));
    }

    @Test void aPathPrefixThatIsAUrlMakesTheWholeBootHttp() throws Exception {
        put(httpRoot, "tree/pxelinux.cfg/default", "include menu.cfg\n");
        put(httpRoot, "tree/menu.cfg", "label m\n kernel ::boot/linux\n append initrd=::boot/initrd-a\n");
        put(httpRoot, "boot/linux", "K");
        BootRequest r = request(false);
        String prefix = base + "/tree/";
        // "::name" drops the prefix; with a URL prefix that leaves a server path, fetched over TFTP (here: the directory).
        put(tftpRoot, "boot/linux", "KERNEL-OVER-TFTP");
        put(tftpRoot, "boot/initrd-a", "A");
        BootFlow.Outcome o = boot(network("127.0.0.1", prefix, r), r);
        assertEquals("KERNEL-OVER-TFTP", Files.readString(Path.of(o.stanza().kernel())));
        assertTrue(httpRequests.contains("/tree/pxelinux.cfg/01-aa-00-86-e2-35-72"), "the config search ran over HTTP: " + httpRequests);
        assertTrue(httpRequests.contains("/tree/menu.cfg"), "INCLUDE under the URL prefix: " + httpRequests);
    }

    @Test void fetchHttpTakesRelativeFilesFromTheTftpServerOverHttp() throws Exception {
        put(tftpRoot, "pxelinux.cfg/default", "label x\n kernel boot/linux\n initrd boot/initrd-a\n");
        BootRequest r = request(false).withHttp(new HttpOptions(true, http.getAddress().getPort(), List.of(), false));
        BootFlow.Outcome o = boot(network("127.0.0.1", null, r), r);
        assertEquals("KERNEL-OVER-HTTP", Files.readString(Path.of(o.stanza().kernel())));
        assertEquals(List.of("/boot/linux", "/boot/initrd-a"), httpRequests);
    }

    @Test void notReallyShowsTheUrls() throws Exception {
        put(tftpRoot, "pxelinux.cfg/default", "label x\n kernel " + base + "/boot/linux\n initrd boot/initrd-a\n");
        BootRequest r = request(true);
        BootFlow.Outcome o = boot(network("127.0.0.1", null, r), r);
        assertEquals(base + "/boot/linux", o.stanza().kernel());
        assertEquals("tftp://127.0.0.1/boot/initrd-a", o.stanza().ramdisk());
        assertEquals(List.of(), httpRequests);
    }

    /** A config from the TFTP server at 10.0.0.1 must not make the host fetch from its own loopback. */
    @Test void aUrlToAnotherHostIsRefusedByDefault() throws Exception {
        put(tftpRoot, "pxelinux.cfg/default", "label x\n kernel " + base + "/boot/linux\n");
        BootRequest r = request(false);
        BootException e = assertThrows(BootException.class, () -> boot(network("10.0.0.1", null, r), r));
        assertEquals(base + "/boot/linux: refused to connect to 127.0.0.1: it is not an allowed HTTP server "
                + "(allowed: 10.0.0.1; see --http-hosts)", e.getMessage());
        assertEquals(List.of(), httpRequests);
        try (var files = Files.list(xen)) { assertEquals(0, files.count(), "no file left behind"); }
    }

    @Test void anyHostStillRefusesLoopback() throws Exception {
        put(tftpRoot, "pxelinux.cfg/default", "label x\n kernel " + base + "/boot/linux\n");
        BootRequest r = request(false).withHttp(new HttpOptions(false, 80, List.of(), true));
        BootException e = assertThrows(BootException.class, () -> boot(network("10.0.0.1", null, r), r));
        assertTrue(e.getMessage().endsWith("refused to connect to 127.0.0.1: it is a loopback, link-local, wildcard or multicast address"),
                e.getMessage());
    }

    @Test void anAllowedExtraHost() throws Exception {
        put(tftpRoot, "pxelinux.cfg/default", "label x\n kernel " + base + "/boot/linux\n");
        BootRequest r = request(false).withHttp(new HttpOptions(false, 80, List.of("127.0.0.1"), false));
        BootFlow.Outcome o = boot(network("10.0.0.1", null, r), r);
        assertEquals("KERNEL-OVER-HTTP", Files.readString(Path.of(o.stanza().kernel())));
    }

    @Test void aCutOffKernelFailsTheBootAndLeavesNothing() throws Exception {
        put(tftpRoot, "pxelinux.cfg/default", "label x\n kernel " + base + "/short\n");
        BootRequest r = request(false);
        BootException e = assertThrows(BootException.class, () -> boot(network("127.0.0.1", null, r), r));
        assertEquals(base + "/short: the server closed the connection after 10 of 1000 bytes (Content-Length); the file is incomplete",
                e.getMessage());
        try (var files = Files.list(xen)) { assertEquals(0, files.count(), "no file left behind"); }
    }

    @Test void aMissingHttpIncludeIsSkippedLikeATftpOne() throws Exception {
        put(tftpRoot, "pxelinux.cfg/default", "include " + base + "/nope.cfg\nlabel x\n kernel " + base + "/boot/linux\n");
        BootRequest r = request(false);
        BootFlow.Outcome o = boot(network("127.0.0.1", null, r), r);
        assertEquals("x", o.entry().label());
    }
}
