package org.javapxeboot.provisioner.serve;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.InputStream;
import java.io.StringReader;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.javapxeboot.provisioner.Fixtures;
import org.javapxeboot.provisioner.model.Cluster;
import org.javapxeboot.provisioner.model.ClusterLoader;
import org.javapxeboot.provisioner.model.Guest;
import org.javapxeboot.provisioner.plan.Layout;
import org.javapxeboot.provisioner.render.DomainXml;
import org.javapxeboot.provisioner.render.Kickstart;
import org.javapxeboot.provisioner.render.PxelinuxEntry;
import org.javapxeboot.provisioner.render.RenderException;
import org.javapxeboot.xman.vm.LibvirtVmControl;
import org.javapxeboot.xman.vm.VmControl;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The install server on loopback, fetched by the JDK client, raw sockets and curl (what the
 * kickstart's %post uses). The guests' own address is 127.0.0.1; 127.0.0.2 (also loopback on
 * Linux) plays another machine. Deadlines are fired by the test through a manual watchdog.
 */
@Timeout(60)
class KickstartServerTest {
    /** The fixture's guests, each with ip=127.0.0.1, plus one without ip=. */
    static final String YAML = Fixtures.CLUSTER
            .replace("mac=AA:00:86:e2:35:72, bridge=xenbr0", "mac=AA:00:86:e2:35:72, bridge=xenbr0, ip=127.0.0.1")
            .replace("\"mac=52:54:00:12:34:56\"", "\"mac=52:54:00:12:34:56, ip=127.0.0.1\"")
            + "  noip:\n    vif: [ \"mac=52:54:00:00:00:99\" ]\n";

    @TempDir Path dir;
    KickstartServer server;
    Cluster cluster;
    Layout layout;
    final List<String> log = Collections.synchronizedList(new ArrayList<>());
    final HttpClient http = HttpClient.newHttpClient();
    LibvirtVmControl vm;

    /** Deadlines the test fires itself. */
    static final class ManualWatchdog implements HttpLite.Watchdog {
        record Timer(Runnable onExpiry, boolean[] cancelled) {
            void fire() {
                synchronized (cancelled) {
                    if (!cancelled[0]) {
                        onExpiry.run();
                    }
                }
            }
        }

        final BlockingQueue<Timer> armed = new LinkedBlockingQueue<>();

        @Override
        public Runnable arm(Duration after, Runnable onExpiry) {
            boolean[] cancelled = {false};
            armed.add(new Timer(onExpiry, cancelled));
            return () -> {
                synchronized (cancelled) {
                    cancelled[0] = true;
                }
            };
        }

        Timer next() throws InterruptedException {
            Timer t = armed.poll(30, TimeUnit.SECONDS);
            assertTrue(t != null, "no connection reached a worker");
            return t;
        }

        @Override
        public void close() {
        }
    }

    @BeforeEach
    void start() throws Exception {
        cluster = ClusterLoader.load("cluster.yaml", new StringReader(YAML));
        layout = Layout.of(dir, null);
        // kvmnode1's ack redefines its domain: a test-driver host where it runs the installer
        vm = new LibvirtVmControl("test://" + Files.writeString(dir.resolve("node.xml"), "<node/>\n"));
        vm.define(DomainXml.render(layout.resolve(cluster.guest("kvmnode1").orElseThrow()), cluster.server(), false));
        vm.start("kvmnode1");
        server = start(KickstartServer.Settings.DEFAULT, HttpLite.Watchdog.scheduled());
    }

    KickstartServer start(KickstartServer.Settings settings, HttpLite.Watchdog watchdog) throws Exception {
        KickstartServer.Host host = new KickstartServer.Host() {
            @Override
            public VmControl open() {
                return vm;
            }

            @Override
            public void release(VmControl v) {
                // shared by the test: a test:///file connection is a node of its own
            }
        };
        return KickstartServer.start(cluster, layout, new Kickstart(Fixtures.TEMPLATES), host, "127.0.0.1", 0, settings,
                watchdog, log::add);
    }

    @AfterEach
    void stop() {
        server.close();
        vm.close();
    }

    String url(String path) {
        return "http://127.0.0.1:" + server.port() + path;
    }

    HttpResponse<String> get(String path) throws Exception {
        return http.send(HttpRequest.newBuilder(URI.create(url(path))).GET().build(), HttpResponse.BodyHandlers.ofString());
    }

    HttpResponse<String> post(String path, String form) throws Exception {
        return http.send(HttpRequest.newBuilder(URI.create(url(path))).POST(HttpRequest.BodyPublishers.ofString(form))
                .header("Content-Type", "application/x-www-form-urlencoded").build(), HttpResponse.BodyHandlers.ofString());
    }

    /** One raw request from {@code from}; the whole answer. */
    String raw(String from, String request) throws Exception {
        try (Socket s = connect(from)) {
            s.getOutputStream().write(request.getBytes(StandardCharsets.ISO_8859_1));
            return new String(s.getInputStream().readAllBytes(), StandardCharsets.ISO_8859_1);
        }
    }

    Socket connect(String from) throws Exception {
        Socket s = new Socket();
        s.bind(new InetSocketAddress(InetAddress.getByName(from), 0));
        s.connect(new InetSocketAddress("127.0.0.1", server.port()));
        return s;
    }

    static String form(String path, String body) {
        return "POST " + path + " HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: "
                + body.length() + "\r\n\r\n" + body;
    }

    @Test
    void servesTheRenderedKickstartToItsGuestOnly() throws Exception {
        HttpResponse<String> r = get("/ks/cagnode50.ks");
        assertEquals(200, r.statusCode());
        Guest g = cluster.guest("cagnode50").orElseThrow();
        assertEquals(new Kickstart(Fixtures.TEMPLATES).render(cluster.server(), g), r.body());
        assertEquals(404, get("/ks/nobody.ks").statusCode());
        assertEquals(404, get("/ks/..%2f..%2fetc%2fpasswd").statusCode());
        assertEquals(404, get("/ks/cagnode50").statusCode());
        assertEquals(404, get("/other").statusCode());
        String other = raw("127.0.0.2", "GET /ks/cagnode50.ks HTTP/1.1\r\nHost: x\r\nX-Forwarded-For: 127.0.0.1\r\n\r\n");
        assertTrue(other.startsWith("HTTP/1.1 403 "), other);
        assertFalse(other.contains("rootpw"), other);
        assertTrue(other.endsWith("its kickstart is served only for cagnode50 itself; you are 127.0.0.2\n"), other);
        assertFalse(other.contains("127.0.0.1"), "the guest's address is not told to others: " + other);
        assertTrue(log.stream().anyMatch(l -> l.endsWith("403: not cagnode50's address 127.0.0.1")), "but logged: " + log);
        HttpResponse<String> noip = get("/ks/noip.ks");
        assertEquals(403, noip.statusCode());
        assertEquals("noip has no ip= in its first vif in the YAML; its kickstart is served refused\n", noip.body());
        assertTrue(log.stream().anyMatch(l -> l.startsWith("warning: cluster.yaml:") && l.contains("noip has no ip=")), log.toString());
    }

    @Test
    void ackOnlyByPostFromTheGuestWithItsMac() throws Exception {
        Guest g = cluster.guest("cagnode50").orElseThrow();
        Path entry = layout.pxelinux(g);
        Files.createDirectories(entry.getParent());
        Files.writeString(entry, PxelinuxEntry.install(cluster.server(), g));
        // what must change nothing: a GET (a crawler, a typo), another machine, no MAC, another MAC
        assertEquals(405, get("/ack/cagnode50?mac=aa:00:86:e2:35:72").statusCode());
        String other = raw("127.0.0.2", form("/ack/cagnode50", "mac=aa:00:86:e2:35:72"));
        assertTrue(other.startsWith("HTTP/1.1 403 "), other);
        assertEquals(400, post("/ack/cagnode50", "").statusCode());
        assertEquals(409, post("/ack/cagnode50", "mac=52:54:00:12:34:56").statusCode());
        assertEquals(PxelinuxEntry.install(cluster.server(), g), Files.readString(entry));
        assertFalse(Files.exists(layout.installed("cagnode50")));

        HttpResponse<String> r = post("/ack/cagnode50", "mac=aa:00:86:e2:35:72");
        assertEquals(200, r.statusCode());
        assertEquals("cagnode50: local boot\n", r.body());
        assertEquals(PxelinuxEntry.localBoot(g), Files.readString(entry));
        assertTrue(Files.exists(layout.installed("cagnode50")));
        try (var files = Files.list(entry.getParent())) {
            assertEquals(1, files.count(), "no temporary file left beside the entry");
        }
        HttpResponse<String> again = post("/ack/cagnode50", "mac=AA-00-86-E2-35-72");
        assertEquals(200, again.statusCode());
        assertEquals("cagnode50: local boot (already)\n", again.body());
        assertEquals(404, post("/ack/ghost", "mac=aa:00:86:e2:35:72").statusCode());
        assertEquals(403, post("/ack/noip", "mac=52:54:00:00:00:99").statusCode());
        assertFalse(Files.exists(layout.installed("noip")));
        assertTrue(log.stream().anyMatch(l -> l.contains("POST /ack/cagnode50 200")), log.toString());
    }

    /**
     * An ack while apply holds the output folder: the guest is told 503 with Retry-After (its
     * template retries), never the 408 of the request deadline, because the ack's lock wait is
     * shorter than that deadline; once apply is done the retried ack succeeds.
     */
    @Test
    void anAckWhileApplyHoldsTheLockGets503AndSucceedsAfterwards() throws Exception {
        KickstartServer.Settings d = KickstartServer.Settings.DEFAULT;
        assertTrue(d.ackLockWait().compareTo(d.requestDeadline()) < 0, d.toString());
        assertThrows(IllegalArgumentException.class,
                () -> new KickstartServer.Settings(8, 32, Duration.ofSeconds(10), Duration.ofSeconds(10)));
        server.close();
        ManualWatchdog watchdog = new ManualWatchdog(); // the request deadline never fires here
        server = start(d, watchdog);
        String busy;
        try (var apply = layout.lock(Duration.ZERO, "provision apply (test)")) {
            busy = raw("127.0.0.1", form("/ack/cagnode50", "mac=aa:00:86:e2:35:72"));
        }
        assertTrue(busy.startsWith("HTTP/1.1 503 Service Unavailable\r\n"), busy);
        assertTrue(busy.contains("Retry-After: 5\r\n"), busy);
        assertTrue(busy.contains("provision apply (test)"), busy);
        assertFalse(Files.exists(layout.installed("cagnode50")));
        String ok = raw("127.0.0.1", form("/ack/cagnode50", "mac=aa:00:86:e2:35:72"));
        assertTrue(ok.startsWith("HTTP/1.1 200 OK\r\n"), ok);
        assertTrue(Files.exists(layout.installed("cagnode50")));
    }

    @Test
    void theAckLockWaitFollowsAShortDeadline() {
        assertEquals(Duration.ofSeconds(1), KickstartServer.Settings.of(8, 32, Duration.ofSeconds(3)).ackLockWait());
        assertEquals(Duration.ofSeconds(3), KickstartServer.Settings.of(8, 32, Duration.ofSeconds(60)).ackLockWait());
    }

    /** What a client sends reaches the log escaped: no raw control character for the admin's terminal. */
    @Test
    void requestValuesAreLoggedEscaped() throws Exception {
        String a = raw("127.0.0.2", "G\u001b]0;owned\u0007ET /ack/cagnode50 HTTP/1.1\r\nHost: x\r\n\r\n");
        assertTrue(a.startsWith("HTTP/1.1 405 "), a);
        raw("127.0.0.2", "GET /ks/cagnode50.ks\u001b[2J HTTP/1.1\r\nHost: x\r\n\r\n");
        synchronized (log) {
            assertTrue(log.stream().anyMatch(l -> l.equals("127.0.0.2 G\\x1b]0;owned\\x07ET /ack/cagnode50 405")), log.toString());
            for (String l : log) {
                assertTrue(l.chars().noneMatch(c -> c < 0x20 || c == 0x7f), "raw control character in " + l);
            }
        }
    }

    /** The exact command line sl-basic.ks runs in %post, with curl as the client. */
    @Test
    void curlAsTheInstallerDoes() throws Exception {
        Path curl = Path.of("/usr/bin/curl");
        Assumptions.assumeTrue(Files.isExecutable(curl), "curl not installed");
        Process ks = new ProcessBuilder(curl.toString(), "-fsS", url("/ks/kvmnode1.ks")).start();
        String body = new String(ks.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(ks.waitFor(20, TimeUnit.SECONDS));
        assertEquals(0, ks.exitValue());
        assertTrue(body.startsWith("# Debian installer preseed for kvmnode1"), body);
        Process ack = new ProcessBuilder(curl.toString(), "-fsS", "-d", "mac=52:54:00:12:34:56", url("/ack/kvmnode1"),
                "-o", "/dev/null").start();
        assertTrue(ack.waitFor(20, TimeUnit.SECONDS));
        assertEquals(0, ack.exitValue());
        assertTrue(Files.readString(layout.pxelinux(cluster.guest("kvmnode1").orElseThrow())).contains("LOCALBOOT 0"));
        assertFalse(vm.describeInactive("kvmnode1").contains("<kernel>"), "the ack made kvmnode1 boot its disk");
    }

    /**
     * A client that sends half a header holds one worker until its deadline, not the server: a
     * normal request is answered meanwhile; at the deadline the slow one gets 408 and is dropped.
     */
    @Test
    void aSlowClientDoesNotBlockOthersAndIsDroppedAtItsDeadline() throws Exception {
        server.close();
        ManualWatchdog watchdog = new ManualWatchdog();
        server = start(KickstartServer.Settings.of(2, 4, Duration.ofSeconds(10)), watchdog);
        try (Socket slow = connect("127.0.0.1")) {
            slow.getOutputStream().write("GET /ks/cagnode50.ks HTTP/1.1\r\nHost: x\r\n".getBytes(StandardCharsets.ISO_8859_1));
            ManualWatchdog.Timer slowDeadline = watchdog.next(); // a worker is reading its header now
            HttpResponse<String> normal = get("/ks/kvmnode1.ks");
            assertEquals(200, normal.statusCode());
            assertTrue(normal.body().startsWith("# Debian installer preseed for kvmnode1"));
            watchdog.next(); // the normal request's own deadline, cancelled when it was answered
            slowDeadline.fire();
            String answer = new String(slow.getInputStream().readAllBytes(), StandardCharsets.ISO_8859_1);
            assertTrue(answer.startsWith("HTTP/1.1 408 Request Timeout\r\n"), answer);
            assertFalse(answer.contains("rootpw"), "the half request was never answered with the kickstart");
        }
        assertTrue(log.stream().anyMatch(l -> l.startsWith("127.0.0.1 408: request not complete within 10000 ms")), log.toString());
    }

    /** Every worker busy and the queue full: the next connection is answered 503 at once. */
    @Test
    void aFullQueueIsAnswered503() throws Exception {
        server.close();
        ManualWatchdog watchdog = new ManualWatchdog();
        server = start(KickstartServer.Settings.of(1, 1, Duration.ofSeconds(10)), watchdog);
        byte[] half = "GET /ks/cagnode50.ks HTTP/1.1\r\n".getBytes(StandardCharsets.ISO_8859_1);
        try (Socket a = connect("127.0.0.1"); Socket b = connect("127.0.0.1")) {
            a.getOutputStream().write(half);
            ManualWatchdog.Timer aDeadline = watchdog.next(); // a has the only worker; b waits in the queue
            b.getOutputStream().write(half);
            String c = raw("127.0.0.1", "GET /ks/kvmnode1.ks HTTP/1.1\r\nHost: x\r\n\r\n");
            assertTrue(c.startsWith("HTTP/1.1 503 Service Unavailable\r\n"), c);
            assertTrue(c.contains("Retry-After: 5\r\n"), c);
            aDeadline.fire();
            assertTrue(read(a.getInputStream()).startsWith("HTTP/1.1 408 "));
            watchdog.next().fire(); // b reached the worker; its deadline
            assertTrue(read(b.getInputStream()).startsWith("HTTP/1.1 408 "));
        }
        assertTrue(log.stream().anyMatch(l -> l.contains("503: all 1 workers busy")), log.toString());
    }

    static String read(InputStream in) throws Exception {
        return new String(in.readAllBytes(), StandardCharsets.ISO_8859_1);
    }

    @Test
    void aBrokenTemplateStopsTheServerFromStarting() throws Exception {
        Cluster c = ClusterLoader.load("c.yaml", new StringReader(
                "domains:\n  a: { vif: [\"mac=52:54:00:00:00:01\"], kickstart: sl-basic.ks }\n"));
        RenderException e = assertThrows(RenderException.class, () -> KickstartServer.start(c, layout,
                new Kickstart(Fixtures.TEMPLATES), "127.0.0.1", 0, log::add));
        assertTrue(e.getMessage().contains("sl-basic.ks:5:11: undefined variable '${repo}'"), e.getMessage());
        assertTrue(e.getMessage().contains("sl-basic.ks:12:16: undefined variable '${timezone}'"), "every undefined variable at once");
        assertFalse(e.getMessage().isEmpty());
    }

    @Test
    void theDefaultAddressIsTheProvisioningAddressOrLoopback() {
        assertEquals("192.0.2.1", KickstartServer.defaultBind("http://192.0.2.1:8069"));
        assertEquals("2001:db8::1", KickstartServer.defaultBind("http://[2001:db8::1]:8069"));
        assertEquals("127.0.0.1", KickstartServer.defaultBind("http://install.example.org:8069"));
    }
}
