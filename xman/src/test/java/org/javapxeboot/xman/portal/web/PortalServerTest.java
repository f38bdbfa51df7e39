package org.javapxeboot.xman.portal.web;

import com.sun.net.httpserver.HttpServer;
import org.javapxeboot.xman.client.XmanClient;
import org.javapxeboot.xman.daemon.PlainXmand;
import org.javapxeboot.xman.portal.fleet.Fleet;
import org.javapxeboot.xman.portal.fleet.HostSnapshot;
import org.javapxeboot.xman.portal.fleet.Hosts;
import org.javapxeboot.xman.portal.fleet.LibvirtStates;
import org.javapxeboot.xman.vm.FakeVm;
import org.javapxeboot.xman.wire.Protocol;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import javax.security.auth.Subject;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The portal over a PlainXmand with a FakeVm: what each request gets, and what reaches the hypervisor. */
class PortalServerTest {
    private static final Instant T0 = Instant.parse("2007-12-07T16:33:17Z");
    private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
    private PlainXmand xmand;
    private Fleet fleet;
    private PortalServer portal;
    private final FakeVm vm = new FakeVm();

    private String start(Authenticator auth) throws Exception {
        xmand = new PlainXmand(vm, false);
        String host = "127.0.0.1:" + xmand.server.address().getPort();
        XmanClient client = new XmanClient(null, null, null, Duration.ofSeconds(30));
        LinkedBlockingQueue<HostSnapshot> seen = new LinkedBlockingQueue<>();
        fleet = new Fleet(Hosts.of(List.of(host)), client::call, Clock.fixed(T0, ZoneOffset.UTC), new LibvirtStates(), 2, seen::add);
        portal = new PortalServer(new PortalServer.Settings(new InetSocketAddress("127.0.0.1", 0), null, 4, Duration.ofSeconds(10)),
                fleet, client::call, auth);
        portal.start();
        fleet.pollOnce();
        assertNotNull(seen.poll(60, TimeUnit.SECONDS));
        return host;
    }

    @AfterEach
    void stop() {
        if (portal != null) portal.close();
        if (fleet != null) fleet.close();
        if (xmand != null) xmand.close();
    }

    private URI uri(String path) {
        return URI.create("http://127.0.0.1:" + portal.address().getPort() + path);
    }

    private HttpResponse<String> get(String path) throws Exception {
        return http.send(HttpRequest.newBuilder(uri(path)).build(), HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
    }

    private HttpResponse<String> post(String path, String cookie, String form) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(uri(path)).header("Content-Type", "application/x-www-form-urlencoded")
                .POST(HttpRequest.BodyPublishers.ofString(form));
        if (cookie != null) b.header("Cookie", cookie);
        return http.send(b.build(), HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
    }

    private static void assertSecurityHeaders(HttpResponse<?> r) {
        var h = r.headers();
        assertTrue(h.firstValue("Content-Security-Policy").orElse("").contains("default-src 'self'"), "CSP on " + r.uri());
        assertTrue(h.firstValue("Content-Security-Policy").orElse("").contains("frame-ancestors 'none'"));
        assertFalse(h.firstValue("Content-Security-Policy").orElse("").contains("unsafe-inline"));
        assertEquals("nosniff", h.firstValue("X-Content-Type-Options").orElse(null));
        assertEquals("no-referrer", h.firstValue("Referrer-Policy").orElse(null));
    }

    @Test
    void overviewListsTheDomainsWithTheSecurityHeaders() throws Exception {
        String host = start(Authenticator.NONE);
        HttpResponse<String> r = get("/");
        assertEquals(200, r.statusCode());
        assertSecurityHeaders(r);
        assertTrue(r.body().contains("<table id=\"overview\""), r.body());
        assertTrue(r.body().contains("data-host=\"" + host + "\" data-domain=\"vm1\" data-state=\"running\""), r.body());
        assertTrue(r.body().contains("2007-12-07 16:33:17 UTC"));
        assertTrue(r.body().contains("id=\"legend\"") && r.body().contains(Pages.STALE_SENTENCE));
        assertFalse(r.body().contains("<script>"), "no inline script");
        HttpResponse<String> json = get("/api/overview");
        assertEquals(200, json.statusCode());
        assertSecurityHeaders(json);
        assertTrue(json.body().contains("\"domain\":\"vm2\""), json.body());
        for (String f : List.of("/static/portal.js", "/static/portal.css")) {
            HttpResponse<String> s = get(f);
            assertEquals(200, s.statusCode(), f);
            assertSecurityHeaders(s);
        }
        assertSecurityHeaders(get("/nowhere"));
        assertEquals(404, get("/domain/elsewhere.example:8740/vm1").statusCode(), "only listed hosts");
    }

    @Test
    void withoutNegotiateEveryPathIs401() throws Exception {
        start(Authenticator.spnego(new org.javapxeboot.xman.auth.Kerberos.Acceptor(new Subject())));
        for (String p : List.of("/", "/api/overview", "/static/portal.js", "/domain/x/vm1")) {
            HttpResponse<String> r = get(p);
            assertEquals(401, r.statusCode(), p);
            assertEquals("Negotiate", r.headers().firstValue("WWW-Authenticate").orElse(null), p);
            assertSecurityHeaders(r);
        }
        HttpResponse<String> basic = http.send(HttpRequest.newBuilder(uri("/")).header("Authorization", "Basic YTpi").build(),
                HttpResponse.BodyHandlers.ofString());
        assertEquals(401, basic.statusCode());
        HttpResponse<String> bad = http.send(HttpRequest.newBuilder(uri("/")).header("Authorization", "Negotiate AAAA").build(),
                HttpResponse.BodyHandlers.ofString());
        assertEquals(401, bad.statusCode());
        HttpResponse<String> forged = post("/domain/x/vm1", null, "op=destroy&confirm=yes");
        assertEquals(401, forged.statusCode());
        assertFalse(vm.calls.contains("destroy vm1"));
    }

    private static String csrf(String page) {
        Matcher m = Pattern.compile("name=\"csrf\" value=\"([^\"]+)\"").matcher(page);
        assertTrue(m.find(), page);
        return m.group(1);
    }

    private static String cookie(HttpResponse<?> r) {
        String c = r.headers().firstValue("Set-Cookie").orElseThrow();
        assertTrue(c.contains("HttpOnly") && c.contains("SameSite=Strict"), c);
        return c.substring(0, c.indexOf(';'));
    }

    @Test
    void anActionNeedsItsSessionsCsrfToken() throws Exception {
        String host = start(Authenticator.NONE);
        String path = "/domain/" + host + "/vm1";
        HttpResponse<String> page = get(path);
        assertEquals(200, page.statusCode(), page.body());
        String cookie = cookie(page);
        String token = csrf(page.body());
        assertTrue(page.body().contains("form class=\"action\" data-op=\"destroy\""));
        vm.calls.clear();
        assertEquals(403, post(path, cookie, "op=pause").statusCode(), "no token");
        assertEquals(403, post(path, cookie, "op=pause&csrf=" + token + "x").statusCode(), "wrong token");
        assertEquals(403, post(path, null, "op=pause&csrf=" + token).statusCode(), "a token without its session cookie");
        assertEquals(403, post(path, "xman_portal_session=forged", "op=pause&csrf=" + token).statusCode(), "another session");
        assertTrue(vm.calls.isEmpty(), "nothing reached xmand: " + vm.calls);
        HttpResponse<String> ok = post(path, cookie, "op=pause&csrf=" + token);
        assertEquals(200, ok.statusCode(), ok.body());
        assertSecurityHeaders(ok);
        assertTrue(ok.body().contains("id=\"result\""), ok.body());
        assertTrue(vm.calls.contains("pause vm1"), vm.calls.toString());
    }

    @Test
    void destroyNeedsItsConfirmationAndBadInputChangesNothing() throws Exception {
        String host = start(Authenticator.NONE);
        String path = "/domain/" + host + "/vm1";
        HttpResponse<String> page = get(path);
        String cookie = cookie(page);
        String token = csrf(page.body());
        vm.calls.clear();
        HttpResponse<String> r = post(path, cookie, "op=destroy&csrf=" + token);
        assertEquals(400, r.statusCode());
        assertTrue(r.body().contains("id=\"error\"") && r.body().contains("confirmation"), r.body());
        r = post(path, cookie, "op=mem-set&kib=lots&csrf=" + token);
        assertEquals(400, r.statusCode());
        r = post(path, cookie, "op=undefine&csrf=" + token);
        assertEquals(400, r.statusCode(), "only the page's actions");
        assertFalse(vm.calls.stream().anyMatch(c -> c.startsWith("destroy") || c.startsWith("mem-set") || c.startsWith("undefine")), vm.calls.toString());
        r = post(path, cookie, "op=destroy&confirm=yes&csrf=" + token);
        assertEquals(200, r.statusCode(), r.body());
        assertTrue(vm.calls.contains("destroy vm1"));
        // A failure from xmand is shown, located.
        r = post("/domain/" + host + "/vm1", cookie, "op=vcpu-set&count=3&csrf=" + token);
        assertEquals(200, r.statusCode(), r.body());
        assertTrue(vm.calls.contains("vcpu-set vm1 3"), vm.calls.toString());
    }

    @Test
    void hostileNamesAreEscaped() throws Exception {
        vm.names = List.of("vm1", "<script>alert(1)</script>", "a\"onmouseover=\"x", "b'&amp;\u001b[31m");
        start(Authenticator.NONE);
        String body = get("/").body();
        assertFalse(body.contains("<script>alert"), body);
        assertTrue(body.contains("&lt;script&gt;alert(1)&lt;/script&gt;"));
        assertFalse(body.contains("a\"onmouseover"));
        assertTrue(body.contains("a&quot;onmouseover=&quot;x"));
        assertTrue(body.contains("b&#39;&amp;amp;\\x1b[31m"), body);
        String json = get("/api/overview").body();
        assertTrue(json.contains("\\u003cscript") || json.contains("<script>alert(1)</script>"), "JSON carries the name; the script sets it as text");
    }

    /** The action goes out as the portal, naming the authenticated user in the on-behalf header. */
    @Test
    void actionsGoOutOnBehalfOfTheUser() throws Exception {
        LinkedBlockingQueue<String> onBehalf = new LinkedBlockingQueue<>();
        HttpServer fake = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 16);
        fake.createContext("/", ex -> {
            String op = ex.getRequestURI().getPath().substring(Protocol.PREFIX.length());
            onBehalf.add(op + " " + ex.getRequestHeaders().getFirst(Protocol.ON_BEHALF_HEADER));
            ex.getRequestBody().readAllBytes();
            String result = switch (op) {
                case "list" -> "[]";
                case "lookup" -> org.javapxeboot.xman.wire.Json.write(Protocol.domainJson(new org.javapxeboot.xman.vm.VmControl.DomainInfo("vm1", "u", 1,
                        org.javapxeboot.xman.vm.VmControl.DomainState.RUNNING, 1024, 2048, 1, 0, true, false)));
                case "describe" -> "\"<domain/>\"";
                case "dmesg" -> "[]";
                default -> "null";
            };
            byte[] b = ("{\"ok\":true,\"host\":\"f\",\"op\":\"" + op + "\",\"result\":" + result + "}").getBytes(StandardCharsets.UTF_8);
            ex.sendResponseHeaders(200, b.length);
            ex.getResponseBody().write(b);
            ex.close();
        });
        fake.start();
        try {
            String host = "127.0.0.1:" + fake.getAddress().getPort();
            XmanClient client = new XmanClient(null, null, null, Duration.ofSeconds(30));
            fleet = new Fleet(Hosts.of(List.of(host)), client::call, Clock.systemUTC(), new LibvirtStates(), 2, s -> { });
            portal = new PortalServer(new PortalServer.Settings(new InetSocketAddress("127.0.0.1", 0), null, 4, Duration.ofSeconds(10)),
                    fleet, client::call, h -> new Authenticator.Identity("alice@EXAMPLE.ORG", null));
            portal.start();
            HttpResponse<String> page = get("/domain/" + host + "/vm1");
            assertEquals(200, page.statusCode(), page.body());
            onBehalf.clear();
            HttpResponse<String> r = post("/domain/" + host + "/vm1", cookie(page), "op=pause&csrf=" + csrf(page.body()));
            assertEquals(200, r.statusCode(), r.body());
            assertEquals("pause alice@EXAMPLE.ORG", onBehalf.poll(30, TimeUnit.SECONDS));
        } finally {
            fake.stop(0);
        }
    }

    /**
     * A details page only reads (lookup, describe, dmesg, and info for migrate's destination), so it
     * reads with the hosts' short deadline; only the action itself may wait as long as a migrate.
     * With the long client for everything, any user opening --threads details pages of a host that
     * does not answer held every portal thread for half an hour.
     */
    @Test
    void detailsReadWithTheShortDeadlineAndOnlyTheActionWaitsLong() throws Exception {
        String host = "127.0.0.1:1";
        List<String> reads = new java.util.concurrent.CopyOnWriteArrayList<>();
        List<String> acts = new java.util.concurrent.CopyOnWriteArrayList<>();
        // as the client hands a lookup over: the answer's JSON, parsed
        Object vm1 = org.javapxeboot.xman.wire.Json.parse(org.javapxeboot.xman.wire.Json.write(Protocol.domainJson(
                new org.javapxeboot.xman.vm.VmControl.DomainInfo("vm1", "u", 1,
                        org.javapxeboot.xman.vm.VmControl.DomainState.RUNNING, 1024, 2048, 1, 0, true, false))));
        PortalServer.UserCaller reader = (t, op, args, who) -> {
            reads.add(op.wire);
            return switch (op) {
                case LOOKUP -> vm1;
                case DESCRIBE -> "<domain/>";
                default -> List.of();
            };
        };
        PortalServer.UserCaller actions = (t, op, args, who) -> {
            acts.add(op.wire);
            return null;
        };
        fleet = new Fleet(Hosts.of(List.of(host)), (t, op, args) -> List.of(), Clock.systemUTC(), new LibvirtStates(), 1, s -> { });
        portal = new PortalServer(new PortalServer.Settings(new InetSocketAddress("127.0.0.1", 0), null, 2, Duration.ofSeconds(10)),
                fleet, reader, actions, h -> new Authenticator.Identity("alice@EXAMPLE.ORG", null));
        portal.start();
        HttpResponse<String> page = get("/domain/" + host + "/vm1");
        assertEquals(200, page.statusCode(), page.body());
        assertEquals(List.of("lookup", "describe", "dmesg"), reads);
        assertEquals(List.of(), acts);
        reads.clear();
        HttpResponse<String> r = post("/domain/" + host + "/vm1", cookie(page), "op=pause&csrf=" + csrf(page.body()));
        assertEquals(200, r.statusCode(), r.body());
        assertEquals(List.of("pause"), acts);
        assertEquals(List.of("lookup", "describe", "dmesg"), reads);
    }
}
