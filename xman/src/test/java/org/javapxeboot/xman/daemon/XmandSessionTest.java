package org.javapxeboot.xman.daemon;

import org.javapxeboot.xman.auth.Kerberos;
import org.javapxeboot.xman.auth.MitKdc;
import org.javapxeboot.xman.client.XmanClient;
import org.javapxeboot.xman.transport.Tls;
import org.javapxeboot.xman.vm.VmControl.DomainState;
import org.javapxeboot.xman.wire.Op;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Base64;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/** xmand's session cookie (--session-lifetime) against the real MIT KDC: what it saves and what it refuses. */
@Timeout(120)
class XmandSessionTest {
    @TempDir Path dir;
    XmandFixture x;

    @BeforeEach
    void start() throws Exception {
        assumeTrue(MitKdc.available(), "MIT krb5-kdc and krb5-user are not installed");
        x = new XmandFixture(dir);
    }

    @AfterEach
    void stop() {
        if (x != null) x.close();
    }

    /** One HTTPS connection's client (its own TLS context, so no session is shared with another). */
    HttpClient connection() throws Exception {
        return HttpClient.newBuilder().sslContext(Tls.clientContext(List.of(x.cert))).version(HttpClient.Version.HTTP_1_1).build();
    }

    HttpResponse<String> post(HttpClient c, String op, String auth, String cookie, String body) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create("https://localhost:" + x.server.address().getPort() + "/v1/" + op))
                .POST(HttpRequest.BodyPublishers.ofString(body));
        if (auth != null) b.header("Authorization", auth);
        if (cookie != null) b.header("Cookie", cookie);
        return c.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    String token() throws Exception {
        Kerberos.Initiator i = new Kerberos.Initiator(Kerberos.login(x.kdc.keytab("admin"), x.kdc.principal("admin"), true));
        return "Negotiate " + Base64.getEncoder().encodeToString(i.start("HTTP@localhost").token);
    }

    /** The session cookie ("xman_session=...") a Negotiate answer set. */
    static String cookieOf(HttpResponse<?> r) {
        String set = r.headers().firstValue("Set-Cookie").orElseThrow(() -> new AssertionError("no Set-Cookie in " + r.headers().map()));
        return set.split(";", 2)[0];
    }

    @Test
    void aClientAuthenticatesOnceAndThenUsesItsSession() throws Exception {
        XmanClient admin = x.client("admin");
        for (int i = 0; i < 20; i++) assertEquals(2, ((List<?>) admin.call(x.target(), Op.LIST, Map.of())).size());
        admin.call(x.target(), Op.PAUSE, Map.of("domain", "vm1"));
        assertEquals(DomainState.PAUSED, x.vm.lookup("vm1").state());
        assertEquals(1, x.server.negotiationCount());
        // Every request is still audited under the principal the session was opened by.
        assertTrue(x.log().contains("principal=admin@XMAN.TEST op=pause domain=vm1 result=ok"), x.log());
        // And says how: the first list with a Kerberos token, everything after it with the session.
        List<String> requests = x.log().lines().filter(l -> l.contains(" REQUEST ")).toList();
        assertEquals(21, requests.size(), x.log());
        assertTrue(requests.get(0).endsWith("op=list result=ok status=200 auth=negotiate"), requests.get(0));
        for (String l : requests.subList(1, 21)) assertTrue(l.endsWith("result=ok status=200 auth=session"), l);
    }

    @Test
    void theSessionCookieIsTlsOnlyHttpOnlyAndSameSiteStrict() throws Exception {
        HttpResponse<String> r = post(connection(), "list", token(), null, "{}");
        assertEquals(200, r.statusCode(), r.body());
        String set = r.headers().firstValue("Set-Cookie").orElseThrow();
        assertTrue(set.matches("xman_session=v1\\.[0-9]+\\.[A-Za-z0-9_-]+\\.[A-Za-z0-9_-]+; Max-Age=[0-9]+; Path=/v1/; Secure; HttpOnly; SameSite=Strict"), set);
        assertTrue(r.headers().firstValue("WWW-Authenticate").orElse("").startsWith("Negotiate "), "mutual authentication still answered");
    }

    @Test
    void theCookieWorksOnlyOnTheTlsSessionItWasIssuedOn() throws Exception {
        HttpClient a = connection();
        String cookie = cookieOf(post(a, "list", token(), null, "{}"));
        HttpResponse<String> same = post(a, "pause", null, cookie, "{\"domain\":\"vm1\"}");
        assertEquals(200, same.statusCode(), same.body());
        x.vm.unpause("vm1");
        // Captured and sent again from another connection: refused, nothing done, told to forget it.
        HttpResponse<String> stolen = post(connection(), "pause", null, cookie, "{\"domain\":\"vm1\"}");
        assertEquals(401, stolen.statusCode(), stolen.body());
        assertTrue(stolen.body().contains("signature does not match"), stolen.body());
        assertEquals("Negotiate", stolen.headers().firstValue("WWW-Authenticate").orElse(""));
        assertTrue(stolen.headers().firstValue("Set-Cookie").orElse("").startsWith("xman_session=; Max-Age=0"), stolen.headers().map().toString());
        assertEquals(DomainState.RUNNING, x.vm.lookup("vm1").state());
        assertTrue(x.log().contains("principal=- op=pause result=refused status=401 auth=session detail=\"UNAUTHENTICATED: the session cookie's signature"), x.log());
    }

    @Test
    void anAlteredCookieIsRefusedAndChangesNothing() throws Exception {
        HttpClient a = connection();
        String cookie = cookieOf(post(a, "list", token(), null, "{}"));
        String[] p = cookie.split("\\.");
        String other = Base64.getUrlEncoder().withoutPadding().encodeToString("root@XMAN.TEST".getBytes());
        for (String bad : List.of(p[0] + "." + (Long.parseLong(p[1]) + 86400) + "." + p[2] + "." + p[3],
                p[0] + "." + p[1] + "." + other + "." + p[3], "xman_session=garbage", "xman_session=")) {
            HttpResponse<String> r = post(a, "pause", null, bad, "{\"domain\":\"vm1\"}");
            assertEquals(401, r.statusCode(), bad + ": " + r.body());
            assertEquals(DomainState.RUNNING, x.vm.lookup("vm1").state());
        }
    }

    @Test
    void aSessionOfARemovedAdministratorLosesItsRightsAtOnce() throws Exception {
        XmanClient admin = x.client("admin");
        admin.call(x.target(), Op.INFO, Map.of());
        admin.call(x.target(), Op.INFO, Map.of());
        Files.writeString(x.k5login, "# admin was removed\n");
        XmanClient.Failure f = assertThrows(XmanClient.Failure.class, () -> admin.call(x.target(), Op.PAUSE, Map.of("domain", "vm1")));
        assertEquals(403, f.status);
        assertEquals(DomainState.RUNNING, x.vm.lookup("vm1").state());
        assertEquals(1, x.server.negotiationCount(), "the refusals came over the session");
    }

    @Test
    void sessionLifetimeZeroHandsOutNoSessionAndRefusesCookies(@TempDir Path other) throws Exception {
        String cookie = cookieOf(post(connection(), "list", token(), null, "{}"));
        try (XmandFixture off = new XmandFixture(other, XmandFixture.NODE, true, XmandServer.Limits.DEFAULT, java.time.Duration.ZERO)) {
            HttpClient c = HttpClient.newBuilder().sslContext(Tls.clientContext(List.of(off.cert))).version(HttpClient.Version.HTTP_1_1).build();
            Kerberos.Initiator i = new Kerberos.Initiator(Kerberos.login(off.kdc.keytab("admin"), off.kdc.principal("admin"), true));
            HttpRequest.Builder b = HttpRequest.newBuilder(URI.create("https://localhost:" + off.server.address().getPort() + "/v1/list"))
                    .POST(HttpRequest.BodyPublishers.ofString("{}"));
            HttpResponse<String> r = c.send(b.copy().header("Authorization", "Negotiate " + Base64.getEncoder().encodeToString(i.start("HTTP@localhost").token)).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertEquals(200, r.statusCode(), r.body());
            assertTrue(r.headers().firstValue("Set-Cookie").isEmpty(), r.headers().map().toString());
            // Without sessions a cookie (here another daemon's) is no credential at all.
            HttpResponse<String> withCookie = c.send(b.copy().header("Cookie", cookie).build(), HttpResponse.BodyHandlers.ofString());
            assertEquals(401, withCookie.statusCode(), withCookie.body());
            XmanClient admin = off.client("admin");
            for (int k = 0; k < 3; k++) admin.call(off.target(), Op.LIST, Map.of());
            assertEquals(4, off.server.negotiationCount());
        }
    }

    @Test
    void aNegotiateTokenIsStillCheckedAgainstTheReplayCache() throws Exception {
        String t = token();
        assertEquals(200, post(connection(), "list", t, null, "{}").statusCode());
        HttpResponse<String> again = post(connection(), "pause", t, null, "{\"domain\":\"vm1\"}");
        assertEquals(401, again.statusCode());
        assertTrue(again.body().contains("replay"), again.body());
        assertEquals(DomainState.RUNNING, x.vm.lookup("vm1").state());
    }
}
