package org.javapxeboot.provisioner.serve;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.StringReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
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
import org.javapxeboot.provisioner.virt.LibvirtVmControl;
import org.javapxeboot.provisioner.virt.VmControl;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** The install server on loopback, fetched by the JDK client and by curl (what the kickstart's %post uses). */
@Timeout(60)
class KickstartServerTest {
    @TempDir Path dir;
    KickstartServer server;
    Cluster cluster;
    Layout layout;
    final List<String> log = Collections.synchronizedList(new ArrayList<>());
    final HttpClient http = HttpClient.newHttpClient();

    LibvirtVmControl vm;

    @BeforeEach
    void start() throws Exception {
        cluster = Fixtures.cluster();
        layout = Layout.of(dir, null);
        // kvmnode1's ack redefines its domain: a test-driver host where it runs the installer
        vm = new LibvirtVmControl("test://" + Files.writeString(dir.resolve("node.xml"), "<node/>\n"));
        vm.define(DomainXml.render(layout.resolve(cluster.guest("kvmnode1").orElseThrow()), cluster.server(), false));
        vm.start("kvmnode1");
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
        server = KickstartServer.start(cluster, layout, new Kickstart(Fixtures.TEMPLATES), host, "127.0.0.1", 0, log::add);
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

    @Test
    void servesTheRenderedKickstart() throws Exception {
        HttpResponse<String> r = get("/ks/cagnode50.ks");
        assertEquals(200, r.statusCode());
        Guest g = cluster.guest("cagnode50").orElseThrow();
        assertEquals(new Kickstart(Fixtures.TEMPLATES).render(cluster.server(), g), r.body());
        assertEquals(404, get("/ks/nobody.ks").statusCode());
        assertEquals(404, get("/ks/..%2f..%2fetc%2fpasswd").statusCode());
        assertEquals(404, get("/ks/cagnode50").statusCode());
        assertEquals(404, get("/other").statusCode());
    }

    @Test
    void ackSwitchesToLocalBootAtomicallyAndIdempotently() throws Exception {
        Guest g = cluster.guest("cagnode50").orElseThrow();
        Path entry = layout.pxelinux(g);
        Files.createDirectories(entry.getParent());
        Files.writeString(entry, PxelinuxEntry.install(cluster.server(), g));
        HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(url("/ack/cagnode50")))
                .POST(HttpRequest.BodyPublishers.ofString("mac=aa:00:86:e2:35:72")).build(), HttpResponse.BodyHandlers.ofString());
        assertEquals(200, r.statusCode());
        assertEquals("cagnode50: local boot\n", r.body());
        assertEquals(PxelinuxEntry.localBoot(g), Files.readString(entry));
        assertTrue(Files.exists(layout.installed("cagnode50")));
        try (var files = Files.list(entry.getParent())) {
            assertEquals(1, files.count(), "no temporary file left beside the entry");
        }
        HttpResponse<String> wrong = get("/ack/kvmnode1?mac=aa:00:86:e2:35:72");
        assertEquals(409, wrong.statusCode(), "a MAC that is not the guest's switches nothing");
        assertFalse(Files.exists(layout.installed("kvmnode1")));
        HttpResponse<String> again = get("/ack/cagnode50?mac=AA-00-86-E2-35-72");
        assertEquals(200, again.statusCode());
        assertEquals("cagnode50: local boot (already)\n", again.body());
        assertEquals(404, get("/ack/ghost").statusCode());
        assertEquals(405, http.send(HttpRequest.newBuilder(URI.create(url("/ack/cagnode50"))).DELETE().build(),
                HttpResponse.BodyHandlers.ofString()).statusCode());
        assertTrue(log.stream().anyMatch(l -> l.contains("POST /ack/cagnode50 200")), log.toString());
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
}
