package org.javapxeboot.xman.daemon;

import org.javapxeboot.xman.auth.CraftedApReq;
import org.javapxeboot.xman.auth.MintedTicket;
import org.javapxeboot.xman.auth.MitKdc;
import org.javapxeboot.xman.client.XmanClient;
import org.javapxeboot.xman.transport.Tls;
import org.javapxeboot.xman.auth.Kerberos;
import org.javapxeboot.xman.wire.Protocol;
import org.javapxeboot.xman.vm.VmControl;

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
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/** xmand in process against the real MIT KDC and libvirt's test driver; the client is XmanClient. */
@Timeout(120)
class XmandServerTest {
    @TempDir Path dir;
    XmandFixture x;
    XmanClient admin;

    @BeforeEach
    void start() throws Exception {
        assumeTrue(MitKdc.available(), "MIT krb5-kdc and krb5-user are not installed");
        x = new XmandFixture(dir);
        admin = x.client("admin");
    }

    @AfterEach
    void stop() {
        if (x != null) x.close();
    }

    Object call(Op op, Map<String, Object> args) throws Exception {
        return admin.call(x.target(), op, args);
    }

    /** More requests than the fixture's 64 worker threads, one after another: idle workers must take them. */
    @Test
    void moreSequentialRequestsThanMaxThreadsAreAllAnswered() throws Exception {
        for (int i = 0; i < 150; i++) {
            List<?> list = (List<?>) call(Op.LIST, Map.of());
            assertEquals(2, list.size(), "request " + i);
        }
    }

    @Test
    void everyOperationEndToEnd() throws Exception {
        List<?> list = (List<?>) call(Op.LIST, Map.of());
        assertEquals(2, list.size());
        assertEquals("vm1", ((Map<?, ?>) list.get(0)).get("name"));
        call(Op.PAUSE, Map.of("domain", "vm1"));
        assertEquals(DomainState.PAUSED, x.vm.lookup("vm1").state());
        call(Op.UNPAUSE, Map.of("domain", "vm1"));
        assertEquals(DomainState.RUNNING, x.vm.lookup("vm1").state());
        call(Op.MEM_SET, Map.of("domain", "vm1", "kib", 786432L));
        assertEquals(786432L, x.vm.lookup("vm1").memoryKiB());
        call(Op.VCPU_SET, Map.of("domain", "vm1", "count", 1L));
        assertEquals(1, x.vm.lookup("vm1").vcpus());
        assertTrue(((String) call(Op.DESCRIBE, Map.of("domain", "vm1"))).contains("<name>vm1</name>"));
        call(Op.REBOOT, Map.of("domain", "vm1"));
        call(Op.SHUTDOWN, Map.of("domain", "vm2"));
        assertEquals(DomainState.SHUTOFF, x.vm.lookup("vm2").state());
        call(Op.CREATE, Map.of("domain", "vm2"));
        assertEquals(DomainState.RUNNING, x.vm.lookup("vm2").state());
        call(Op.DESTROY, Map.of("domain", "vm2"));
        assertEquals(DomainState.SHUTOFF, x.vm.lookup("vm2").state());
        String xml = "<domain type='test'><name>vm3</name><memory>262144</memory><vcpu>1</vcpu><os><type>hvm</type></os></domain>";
        Map<?, ?> created = (Map<?, ?>) call(Op.CREATE, Map.of("xml", xml));
        assertEquals("running", created.get("state"));
        assertEquals(DomainState.RUNNING, x.vm.lookup("vm3").state());
        XmanClient.Failure mig = assertThrows(XmanClient.Failure.class, () -> call(Op.MIGRATE, Map.of("domain", "vm1", "destination", "test:///default")));
        assertEquals("UNSUPPORTED", mig.kind);
        XmanClient.Failure ext = assertThrows(XmanClient.Failure.class, () -> call(Op.MIGRATE, Map.of("domain", "vm1", "destination", "qemu+ext:///system?command=/bin/sh")));
        assertEquals("INVALID_ARGUMENT", ext.kind);
        assertTrue(ext.getMessage().contains("'command': it names a program to run"), ext.getMessage());
        Map<?, ?> info = (Map<?, ?>) call(Op.INFO, Map.of());
        assertEquals(4L, info.get("cpus"));
        Files.writeString(x.dir.resolve("hypervisor.log"), "old line\n(XendDomain 1234) domain vm1 paused\n");
        List<?> dmesg = (List<?>) call(Op.DMESG, Map.of());
        assertTrue(dmesg.stream().anyMatch(l -> l.toString().endsWith("pause vm1")), dmesg.toString());
        assertEquals("hypervisor.log: (XendDomain 1234) domain vm1 paused", dmesg.get(dmesg.size() - 1));
        assertTrue(((List<?>) call(Op.HELP, Map.of())).size() >= 14);
        String log = x.log();
        assertTrue(log.contains("REQUEST from=127.0.0.1:"), log);
        assertTrue(log.contains("principal=admin@XMAN.TEST op=pause domain=vm1 result=ok status=200"), log);
        assertTrue(log.contains("CONNECT from=127.0.0.1:"), log);
    }

    @Test
    void autostartIsSetThroughXmandAndAudited() throws Exception {
        // vm1 comes from the node file, so it is persistent and may autostart.
        Map<?, ?> on = (Map<?, ?>) call(Op.AUTOSTART, Map.of("domain", "vm1", "on", true));
        assertEquals(true, on.get("autostart"));
        assertTrue(x.vm.lookup("vm1").autostart());
        assertTrue(x.log().contains("principal=admin@XMAN.TEST op=autostart domain=vm1 result=ok status=200"), x.log());
        assertNotNull(x.syslogWith("op=\"autostart\" domain=\"vm1\" result=\"ok\""), "no syslog line for autostart");
        Map<?, ?> off = (Map<?, ?>) call(Op.AUTOSTART, Map.of("domain", "vm1", "on", false));
        assertEquals(false, off.get("autostart"));
        assertEquals(false, x.vm.lookup("vm1").autostart());

        // "on" must be a JSON boolean: a string is refused, audited, and changes nothing.
        XmanClient.Failure str = assertThrows(XmanClient.Failure.class, () -> call(Op.AUTOSTART, Map.of("domain", "vm1", "on", "yes")));
        assertEquals(400, str.status);
        assertEquals("INVALID_ARGUMENT", str.kind);
        assertTrue(str.getMessage().contains("\"on\" must be a boolean"), str.getMessage());
        XmanClient.Failure missing = assertThrows(XmanClient.Failure.class, () -> call(Op.AUTOSTART, Map.of("domain", "vm1")));
        assertEquals(400, missing.status);
        assertEquals(false, x.vm.lookup("vm1").autostart());
        assertTrue(x.log().contains("principal=admin@XMAN.TEST op=autostart domain=vm1 result=refused status=400"), x.log());

        XmanClient.Failure ghost = assertThrows(XmanClient.Failure.class, () -> call(Op.AUTOSTART, Map.of("domain", "ghost", "on", true)));
        assertEquals(404, ghost.status);
        assertEquals("NO_DOMAIN", ghost.kind);
        assertTrue(x.log().contains("principal=admin@XMAN.TEST op=autostart domain=ghost result=failed status=404"), x.log());

        // It changes the host: GET is refused; someone not in .k5login hears only "denied".
        HttpResponse<String> get = HttpClient.newBuilder().sslContext(Tls.clientContext(List.of(x.cert))).version(HttpClient.Version.HTTP_1_1).build()
                .send(HttpRequest.newBuilder(URI.create("https://localhost:" + x.server.address().getPort() + "/v1/autostart?domain=vm1&on=true"))
                        .header("Authorization", token()).GET().build(), HttpResponse.BodyHandlers.ofString());
        assertEquals(405, get.statusCode(), get.body());
        XmanClient.Failure denied = assertThrows(XmanClient.Failure.class,
                () -> x.client("other").call(x.target(), Op.AUTOSTART, Map.of("domain", "vm1", "on", true)));
        assertEquals(403, denied.status);
        assertEquals(false, x.vm.lookup("vm1").autostart());
        assertTrue(x.log().contains("principal=other@XMAN.TEST op=autostart domain=vm1 result=refused status=403"), x.log());
    }

    @Test
    void syslogGetsRfc5424Lines() throws Exception {
        call(Op.PAUSE, Map.of("domain", "vm1"));
        String m = x.syslogWith("op=\"pause\"");
        assertNotNull(m, "no syslog message for pause");
        // <authpriv.notice>=85, version 1, host h1, app xmand, msgid REQUEST, structured data with the principal.
        assertTrue(m.matches("<85>1 \\d{4}-\\d\\d-\\d\\dT[0-9:.]+Z h1 xmand \\d+ REQUEST \\[xman@32473 from=\"127\\.0\\.0\\.1:\\d+\" "
                + "principal=\"admin@XMAN\\.TEST\" op=\"pause\" domain=\"vm1\" result=\"ok\" status=\"200\" auth=\"negotiate\"\\]"), m);
    }

    @Test
    void principalNotInK5loginIsRefusedAndNothingChanges() throws Exception {
        XmanClient other = x.client("other");
        XmanClient.Failure f = assertThrows(XmanClient.Failure.class, () -> other.call(x.target(), Op.PAUSE, Map.of("domain", "vm1")));
        assertEquals(403, f.status);
        assertEquals(XmanClient.Category.AUTH, f.category);
        assertTrue(f.getMessage().contains("other@XMAN.TEST may not pause 'vm1' on h1: not listed in " + x.k5login), f.getMessage());
        assertEquals(DomainState.RUNNING, x.vm.lookup("vm1").state());
        assertTrue(x.log().contains("principal=other@XMAN.TEST op=pause domain=vm1 result=refused status=403"), x.log());
    }

    @Test
    void removedAdminLosesAccessAtOnce() throws Exception {
        assertEquals(2, ((List<?>) call(Op.LIST, Map.of())).size());
        Files.writeString(x.k5login, "# admin was removed\n" + x.kdc.principal("other") + "\n");
        XmanClient.Failure f = assertThrows(XmanClient.Failure.class, () -> call(Op.INFO, Map.of()));
        assertEquals(403, f.status);
        // No longer an administrator, and owner of nothing: list is empty.
        assertEquals(0, ((List<?>) call(Op.LIST, Map.of())).size());
        assertEquals(2, ((List<?>) x.client("other").call(x.target(), Op.LIST, Map.of())).size());
        Files.delete(x.k5login);
        assertEquals(403, assertThrows(XmanClient.Failure.class, () -> x.client("other").call(x.target(), Op.INFO, Map.of())).status);
        assertEquals(0, ((List<?>) x.client("other").call(x.target(), Op.LIST, Map.of())).size());
    }

    /** A raw HTTPS client, to send what XmanClient never would. */
    HttpResponse<String> raw(String path, String auth, String body) throws Exception {
        HttpClient c = HttpClient.newBuilder().sslContext(Tls.clientContext(List.of(x.cert))).version(HttpClient.Version.HTTP_1_1).build();
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create("https://localhost:" + x.server.address().getPort() + path))
                .POST(HttpRequest.BodyPublishers.ofString(body));
        if (auth != null) b.header("Authorization", auth);
        return c.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    String token() throws Exception {
        Kerberos.Initiator i = new Kerberos.Initiator(Kerberos.login(x.kdc.keytab("admin"), x.kdc.principal("admin"), true));
        return "Negotiate " + Base64.getEncoder().encodeToString(i.start("HTTP@localhost").token);
    }

    @Test
    void noTicketIsAskedToNegotiate() throws Exception {
        HttpResponse<String> r = raw("/v1/pause", null, "{\"domain\":\"vm1\"}");
        assertEquals(401, r.statusCode());
        assertEquals("Negotiate", r.headers().firstValue("WWW-Authenticate").orElse(""));
        assertTrue(r.body().contains("\"kind\":\"UNAUTHENTICATED\""), r.body());
        assertEquals(DomainState.RUNNING, x.vm.lookup("vm1").state());
        assertTrue(x.log().contains("principal=- op=pause result=refused status=401 detail="), "no auth field: it brought none\n" + x.log());
        assertEquals(401, raw("/v1/list", "Negotiate !!!notbase64", "").statusCode());
        assertTrue(x.log().contains("op=list result=refused status=401 auth=negotiate detail=\"UNAUTHENTICATED: the Negotiate token is not base64"), x.log());
        assertEquals(401, raw("/v1/list", "Basic YWRtaW46eA==", "").statusCode());
        assertTrue(x.log().contains("op=list result=refused status=401 auth=other detail=\"UNAUTHENTICATED: only the Negotiate"), "Basic is not Negotiate\n" + x.log());
        assertEquals(401, raw("/v1/list", "Negotiate " + Base64.getEncoder().encodeToString("garbage".getBytes()), "").statusCode());
    }

    @Test
    void replayedTokenIsRefused() throws Exception {
        String t = token();
        HttpResponse<String> first = raw("/v1/pause", t, "{\"domain\":\"vm1\"}");
        assertEquals(200, first.statusCode(), first.body());
        x.vm.unpause("vm1");
        HttpResponse<String> again = raw("/v1/pause", t, "{\"domain\":\"vm1\"}");
        assertEquals(401, again.statusCode());
        assertTrue(again.body().contains("replay"), again.body());
        assertEquals(DomainState.RUNNING, x.vm.lookup("vm1").state());
        assertTrue(x.log().contains("op=pause result=refused status=401 auth=negotiate detail=\"UNAUTHENTICATED: Kerberos authentication failed"), x.log());
    }

    @Test
    void badRequestsAreRefusedWithAClearError() throws Exception {
        HttpResponse<String> r = raw("/v1/pause", token(), "{\"domain\":\"vm1\",}");
        assertEquals(400, r.statusCode());
        assertTrue(r.body().contains("malformed request: JSON 1:17: unexpected '}', expected a key string"), r.body());
        r = raw("/v1/pause", token(), "{\"domain\":\"" + "x".repeat(70 * 1024) + "\"}");
        assertEquals(413, r.statusCode());
        assertTrue(r.body().contains("exceeds the limit of 65536"), r.body());
        r = raw("/v1/pause", token(), "[" .repeat(100) + "]".repeat(100));
        assertEquals(400, r.statusCode());
        r = raw("/v1/frobnicate", token(), "{}");
        assertEquals(404, r.statusCode());
        for (String evil : List.of("vm1; rm -rf /", "vm1$(reboot)", "<name>vm1</name>", "vm1'\"&", "../vm1", "vm1\n")) {
            XmanClient.Failure f = assertThrows(XmanClient.Failure.class, () -> call(Op.DESTROY, Map.of("domain", evil)));
            assertEquals(400, f.status, evil);
            assertTrue(f.getMessage().contains("is not allowed"), f.getMessage());
        }
        XmanClient.Failure xxe = assertThrows(XmanClient.Failure.class, () -> call(Op.CREATE, Map.of("xml",
                "<!DOCTYPE d [<!ENTITY x SYSTEM 'file:///etc/passwd'>]><domain><name>&x;</name></domain>")));
        assertEquals(400, xxe.status);
        XmanClient.Failure evilXml = assertThrows(XmanClient.Failure.class, () -> call(Op.CREATE, Map.of("xml",
                "<domain type='test'><name>a&amp;b</name><memory>1024</memory><os><type>hvm</type></os></domain>")));
        assertTrue(evilXml.getMessage().contains("'a&b' is not allowed"), evilXml.getMessage());
        XmanClient.Failure mem = assertThrows(XmanClient.Failure.class, () -> call(Op.MEM_SET, Map.of("domain", "vm1", "kib", 2_000_000L)));
        assertEquals(400, mem.status);
        assertTrue(mem.getMessage().contains("above the domain's maximum of 1048576 KiB"), mem.getMessage());
        XmanClient.Failure get = assertThrows(XmanClient.Failure.class, () -> call(Op.MEM_SET, Map.of("domain", "vm1", "kib", "lots")));
        assertTrue(get.getMessage().contains("\"kib\" must be an integer"), get.getMessage());
        assertEquals(524288L, x.vm.lookup("vm1").memoryKiB());
        assertEquals(2, x.vm.list().size());
        assertEquals(DomainState.RUNNING, x.vm.lookup("vm1").state());
        assertTrue(x.log().contains("result=refused status=413"), x.log());
    }

    @Test
    void aThousandIdleConnectionsDoNotStopService() throws Exception {
        List<java.net.Socket> idle = new java.util.ArrayList<>();
        try {
            for (int i = 0; i < 1000; i++) {
                java.net.Socket s = new java.net.Socket("127.0.0.1", x.server.address().getPort());
                idle.add(s);
            }
            assertEquals(2, ((List<?>) call(Op.LIST, Map.of())).size());
            call(Op.PAUSE, Map.of("domain", "vm1"));
            assertEquals(DomainState.PAUSED, x.vm.lookup("vm1").state());
        } finally {
            for (java.net.Socket s : idle) s.close();
        }
    }

    @Test
    void concurrentPausesOfOneDomainApplyOnce() throws Exception {
        int n = 8;
        java.util.concurrent.CountDownLatch go = new java.util.concurrent.CountDownLatch(1);
        java.util.concurrent.atomic.AtomicInteger ok = new java.util.concurrent.atomic.AtomicInteger();
        java.util.concurrent.atomic.AtomicInteger refused = new java.util.concurrent.atomic.AtomicInteger();
        List<Thread> ts = new java.util.ArrayList<>();
        for (int i = 0; i < n; i++) {
            XmanClient c = x.client("admin");
            Thread t = new Thread(() -> {
                try {
                    go.await();
                    c.call(x.target(), Op.PAUSE, Map.of("domain", "vm1"));
                    ok.incrementAndGet();
                } catch (XmanClient.Failure f) {
                    refused.incrementAndGet();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            });
            t.start();
            ts.add(t);
        }
        go.countDown();
        for (Thread t : ts) t.join();
        assertEquals(1, ok.get());
        assertEquals(n - 1, refused.get());
        assertEquals(DomainState.PAUSED, x.vm.lookup("vm1").state());
        assertEquals(1, x.log().lines().filter(l -> l.contains("op=pause domain=vm1 result=ok")).count(), x.log());
    }

    @Test
    void readOnlyOperationsAnswerGetWithQueryParameters() throws Exception {
        HttpClient c = HttpClient.newBuilder().sslContext(Tls.clientContext(List.of(x.cert))).version(HttpClient.Version.HTTP_1_1).build();
        HttpResponse<String> r = c.send(HttpRequest.newBuilder(URI.create("https://localhost:" + x.server.address().getPort() + "/v1/lookup?domain=vm2"))
                .header("Authorization", token()).GET().build(), HttpResponse.BodyHandlers.ofString());
        assertEquals(200, r.statusCode(), r.body());
        assertTrue(r.body().startsWith("{\"ok\":true,\"host\":\"h1\",\"op\":\"lookup\",\"result\":{\"name\":\"vm2\""), r.body());
        assertTrue(r.headers().firstValue("WWW-Authenticate").orElse("").startsWith("Negotiate "), "no mutual-auth token");
        r = c.send(HttpRequest.newBuilder(URI.create("https://localhost:" + x.server.address().getPort() + "/v1/pause?domain=vm2"))
                .header("Authorization", token()).GET().build(), HttpResponse.BodyHandlers.ofString());
        assertEquals(405, r.statusCode());
        assertEquals(DomainState.RUNNING, x.vm.lookup("vm2").state());
    }

    @Test
    void plainHttpToTheTlsPortGetsNothing() throws Exception {
        HttpClient c = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
        assertThrows(java.io.IOException.class, () -> c.send(HttpRequest.newBuilder(URI.create("http://localhost:" + x.server.address().getPort() + "/v1/list"))
                .header("Authorization", token()).GET().build(), HttpResponse.BodyHandlers.ofString()));
        // A client that does not trust the daemon's certificate stops at the handshake: exit 4 in rxm.
        XmanClient untrusting = new XmanClient(new Kerberos.Initiator(Kerberos.login(x.kdc.keytab("admin"), x.kdc.principal("admin"), true)),
                javax.net.ssl.SSLContext.getDefault(), null, java.time.Duration.ofSeconds(10));
        XmanClient.Failure f = assertThrows(XmanClient.Failure.class, () -> untrusting.call(x.target(), Op.LIST, Map.of()));
        assertEquals(XmanClient.Category.UNREACHABLE, f.category);
        assertTrue(f.getMessage().startsWith("TLS handshake failed"), f.getMessage());
    }

    /**
     * A hand-built token on a ticket that ended an hour ago, far beyond any clock skew, with a fresh
     * authenticator: the daemon itself must refuse it. Its twin, minted the same way from the same
     * keytab for the same admin but ending in an hour, is accepted, so only the ticket's age differs.
     */
    @Test
    void expiredServiceTicketIsRefusedByTheDaemon() throws Exception {
        CraftedApReq fresh = new CraftedApReq(x.kdc, "admin", x.kdc.principal("HTTP/localhost"));
        HttpResponse<String> ok = raw("/v1/list", "Negotiate " + Base64.getEncoder().encodeToString(fresh.token()), "");
        assertEquals(200, ok.statusCode(), "the crafted token itself must be acceptable: " + ok.body());
        Instant now = Instant.now();
        Path serviceKeytab = x.kdc.keytab("HTTP/localhost");
        CraftedApReq valid = new CraftedApReq(MintedTicket.mint(serviceKeytab, "HTTP/localhost", "admin",
                now.minus(Duration.ofHours(2)), now.plus(Duration.ofHours(1))));
        HttpResponse<String> twin = raw("/v1/list", "Negotiate " + Base64.getEncoder().encodeToString(valid.token()), "");
        assertEquals(200, twin.statusCode(), "the minted twin must be acceptable: " + twin.body());
        assertTrue(x.log().contains("principal=admin@XMAN.TEST op=list result=ok status=200"), x.log());

        CraftedApReq expired = new CraftedApReq(MintedTicket.mint(serviceKeytab, "HTTP/localhost", "admin",
                now.minus(Duration.ofHours(2)), now.minus(Duration.ofHours(1))));
        HttpResponse<String> r = raw("/v1/pause", "Negotiate " + Base64.getEncoder().encodeToString(expired.token()), "{\"domain\":\"vm1\"}");
        assertEquals(401, r.statusCode(), r.body());
        assertTrue(r.body().contains("Ticket expired"), r.body());
        assertEquals(DomainState.RUNNING, x.vm.lookup("vm1").state());
        assertTrue(x.log().contains("principal=- op=pause result=refused status=401 auth=negotiate detail=\"UNAUTHENTICATED: Kerberos authentication failed"), x.log());
    }
}
