package org.javapxeboot.xman.daemon;

import org.javapxeboot.xman.auth.Kerberos;
import org.javapxeboot.xman.auth.MitKdc;
import org.javapxeboot.xman.transport.Tls;
import org.javapxeboot.xman.vm.FakeVm;
import org.javapxeboot.xman.vm.VmControl.DomainState;
import org.javapxeboot.xman.wire.Json;
import org.javapxeboot.xman.wire.Op;
import org.javapxeboot.xman.wire.Protocol;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * Owners and trusted proxies (docs/xman.md, "Authorization"), end to end against the MIT KDC and
 * libvirt's test driver: vm1's metadata names alice, vm2's bob; admin is in the .k5login; other
 * owns nothing; portal is trusted as a proxy and is no administrator. Every refusal checks that
 * the domain did not change and that the audit line names the user and the result.
 */
@Timeout(120)
class OwnersTest {
    static final String ALICE = "alice@XMAN.TEST", ADMIN = "admin@XMAN.TEST", OTHER = "other@XMAN.TEST", PORTAL = "portal@XMAN.TEST";

    @TempDir Path dir;
    XmandFixture x;

    @BeforeEach
    void start() throws Exception {
        assumeTrue(MitKdc.available(), "MIT krb5-kdc and krb5-user are not installed");
        x = new XmandFixture(dir, List.of(PORTAL));
    }

    @AfterEach
    void stop() {
        if (x != null) x.close();
    }

    /** POST /v1/OP as {@code principal} (a KDC name: "alice"), with one on-behalf header line per value. */
    HttpResponse<String> as(String principal, Op op, Map<String, Object> args, String... onBehalf) throws Exception {
        Kerberos.Initiator i = new Kerberos.Initiator(Kerberos.login(x.kdc.keytab(principal), x.kdc.principal(principal), true));
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create("https://localhost:" + x.server.address().getPort() + Protocol.PREFIX + op.wire))
                .header("Authorization", "Negotiate " + Base64.getEncoder().encodeToString(i.start("HTTP@localhost").token))
                .POST(HttpRequest.BodyPublishers.ofString(Json.write(args)));
        for (String v : onBehalf) b.header(Protocol.ON_BEHALF_HEADER, v);
        return HttpClient.newBuilder().sslContext(Tls.clientContext(List.of(x.cert))).version(HttpClient.Version.HTTP_1_1).build()
                .send(b.build(), HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
    }

    static Object result(HttpResponse<String> r) throws Exception {
        assertEquals(200, r.statusCode(), r.body());
        return Json.parseObject(r.body()).get("result");
    }

    static List<String> names(Object list) {
        List<String> l = new ArrayList<>();
        for (Object d : (List<?>) list) l.add((String) ((Map<?, ?>) d).get("name"));
        return l;
    }

    static String message(HttpResponse<String> r) throws Exception {
        return (String) ((Map<?, ?>) Json.parseObject(r.body()).get("error")).get("message");
    }

    void assertLogged(String line) {
        assertTrue(x.log().contains(line), "no audit line with '" + line + "' in:\n" + x.log());
    }

    @Test
    void ownerActsOnOwnDomain() throws Exception {
        assertEquals("paused", ((Map<?, ?>) result(as("alice", Op.PAUSE, Map.of("domain", "vm1")))).get("state"));
        assertEquals(DomainState.PAUSED, x.vm.lookup("vm1").state());
        assertLogged(" principal=" + ALICE + " op=pause domain=vm1 result=ok status=200");
        result(as("alice", Op.UNPAUSE, Map.of("domain", "vm1")));
        result(as("alice", Op.MEM_SET, Map.of("domain", "vm1", "kib", 786432L)));
        assertEquals(786432L, x.vm.lookup("vm1").memoryKiB());
        assertEquals("vm1", ((Map<?, ?>) result(as("alice", Op.LOOKUP, Map.of("domain", "vm1")))).get("name"));
        assertTrue(((String) result(as("alice", Op.DESCRIBE, Map.of("domain", "vm1")))).contains("<xman:owner>" + ALICE + "</xman:owner>"));
        result(as("alice", Op.DESTROY, Map.of("domain", "vm1")));
        assertEquals(DomainState.SHUTOFF, x.vm.lookup("vm1").state());
        result(as("alice", Op.START, Map.of("domain", "vm1")));
        assertEquals(DomainState.RUNNING, x.vm.lookup("vm1").state());
        assertEquals(Op.values().length, ((List<?>) result(as("other", Op.HELP, Map.of()))).size());
    }

    @Test
    void ownerOnAnothersDomainIsRefusedAndNothingChanges() throws Exception {
        for (Op op : List.of(Op.PAUSE, Op.DESTROY, Op.SHUTDOWN, Op.REBOOT, Op.LOOKUP, Op.DESCRIBE)) {
            HttpResponse<String> r = as("alice", op, Map.of("domain", "vm2"));
            assertEquals(403, r.statusCode(), op.wire + ": " + r.body());
            assertEquals("DENIED", ((Map<?, ?>) Json.parseObject(r.body()).get("error")).get("kind"));
            assertLogged(" principal=" + ALICE + " op=" + op.wire + " domain=vm2 result=refused status=403");
        }
        assertEquals(403, as("alice", Op.MEM_SET, Map.of("domain", "vm2", "kib", 262144L)).statusCode());
        assertEquals(403, as("other", Op.PAUSE, Map.of("domain", "vm1")).statusCode());
        assertEquals(DomainState.RUNNING, x.vm.lookup("vm2").state());
        assertEquals(524288L, x.vm.lookup("vm2").memoryKiB());
        assertEquals(DomainState.RUNNING, x.vm.lookup("vm1").state());
    }

    @Test
    void nonAdministratorListsOnlyOwnDomains() throws Exception {
        assertEquals(List.of("vm1"), names(result(as("alice", Op.LIST, Map.of()))));
        assertEquals(List.of(), names(result(as("other", Op.LIST, Map.of()))));
        assertEquals(List.of("vm1", "vm2"), names(result(as("admin", Op.LIST, Map.of()))));
        assertLogged(" principal=" + OTHER + " op=list result=ok status=200");
    }

    /** A domain that does not exist is refused to a non-administrator in the very words used for another's. */
    @Test
    void missingDomainDoesNotRevealItself() throws Exception {
        HttpResponse<String> ghost = as("alice", Op.PAUSE, Map.of("domain", "ghost"));
        HttpResponse<String> theirs = as("alice", Op.PAUSE, Map.of("domain", "vm2"));
        assertEquals(403, ghost.statusCode(), ghost.body());
        assertEquals(message(theirs).replace("vm2", "ghost"), message(ghost));
        assertEquals(Json.parseObject(theirs.body()).keySet(), Json.parseObject(ghost.body()).keySet());
        assertEquals(403, as("alice", Op.LOOKUP, Map.of("domain", "ghost")).statusCode());
        assertLogged(" principal=" + ALICE + " op=pause domain=ghost result=refused status=403");
        // An administrator is told the truth.
        assertEquals(404, as("admin", Op.PAUSE, Map.of("domain", "ghost")).statusCode());
    }

    @Test
    void administratorsOperationsAreRefusedToOwners() throws Exception {
        String xml = "<domain type='test'><name>vm3</name><memory>262144</memory><vcpu>1</vcpu><os><type>hvm</type></os>"
                + "<metadata><xman:guest xmlns:xman='urn:javapxeboot:xman:1'><xman:owner>" + ALICE + "</xman:owner></xman:guest></metadata></domain>";
        List<HttpResponse<String>> refused = List.of(
                as("alice", Op.AUTOSTART, Map.of("domain", "vm1", "on", true)),
                as("alice", Op.UNDEFINE, Map.of("domain", "vm1")),
                as("alice", Op.MIGRATE, Map.of("domain", "vm1", "destination", "test:///default")),
                as("alice", Op.DEFINE, Map.of("xml", xml)),
                as("alice", Op.CREATE, Map.of("xml", xml)),
                as("alice", Op.CREATE, Map.of("domain", "vm1")),
                as("alice", Op.INFO, Map.of()),
                as("alice", Op.DMESG, Map.of()));
        for (HttpResponse<String> r : refused) {
            assertEquals(403, r.statusCode(), r.body());
            assertTrue(message(r).startsWith(ALICE + " is not listed in " + x.k5login + " on h1: '"), message(r));
        }
        assertFalse(x.vm.lookup("vm1").autostart());
        assertEquals(List.of("vm1", "vm2"), x.vm.list().stream().map(d -> d.name()).sorted().toList());
        assertLogged(" principal=" + ALICE + " op=define result=refused status=403");
        assertLogged(" principal=" + ALICE + " op=info result=refused status=403");
    }

    @Test
    void administratorIsUnaffected() throws Exception {
        result(as("admin", Op.PAUSE, Map.of("domain", "vm2")));
        assertEquals(DomainState.PAUSED, x.vm.lookup("vm2").state());
        result(as("admin", Op.AUTOSTART, Map.of("domain", "vm1", "on", true)));
        assertTrue(x.vm.lookup("vm1").autostart());
        assertLogged(" principal=" + ADMIN + " op=pause domain=vm2 result=ok status=200");
    }

    @Test
    void onBehalfHeaderFromAnyoneButATrustedProxyIsRefused() throws Exception {
        for (String who : List.of("alice", "admin", "other")) {
            HttpResponse<String> r = as(who, Op.PAUSE, Map.of("domain", "vm1"), ADMIN);
            assertEquals(403, r.statusCode(), who + ": " + r.body());
            assertTrue(message(r).contains("is not a trusted proxy"), message(r));
            assertLogged(" principal=" + x.kdc.principal(who) + " op=pause result=refused status=403");
        }
        assertEquals(DomainState.RUNNING, x.vm.lookup("vm1").state());
        assertFalse(x.log().contains("via="), x.log());
    }

    @Test
    void proxyActsForTheUserItNames() throws Exception {
        result(as("portal", Op.PAUSE, Map.of("domain", "vm1"), ALICE));
        assertEquals(DomainState.PAUSED, x.vm.lookup("vm1").state());
        assertLogged(" principal=" + ALICE + " via=" + PORTAL + " op=pause domain=vm1 result=ok status=200");
        assertNotNullSyslog("principal=\"" + ALICE + "\" via=\"" + PORTAL + "\" op=\"pause\"");
        assertEquals(List.of("vm1"), names(result(as("portal", Op.LIST, Map.of(), ALICE))));

        HttpResponse<String> theirs = as("portal", Op.PAUSE, Map.of("domain", "vm2"), ALICE);
        assertEquals(403, theirs.statusCode(), theirs.body());
        assertEquals(DomainState.RUNNING, x.vm.lookup("vm2").state());
        assertLogged(" principal=" + ALICE + " via=" + PORTAL + " op=pause domain=vm2 result=refused status=403");
        assertEquals(403, as("portal", Op.INFO, Map.of(), ALICE).statusCode());
        assertEquals(List.of(), names(result(as("portal", Op.LIST, Map.of(), OTHER))));

        // For an administrator, the proxy may do what the administrator may.
        result(as("portal", Op.PAUSE, Map.of("domain", "vm2"), ADMIN));
        assertEquals(DomainState.PAUSED, x.vm.lookup("vm2").state());
        assertLogged(" principal=" + ADMIN + " via=" + PORTAL + " op=pause domain=vm2 result=ok status=200");
    }

    void assertNotNullSyslog(String needle) throws InterruptedException {
        assertTrue(x.syslogWith(needle) != null, "no syslog message with " + needle);
    }

    /**
     * A trusted proxy naming no user reads every domain for its overview (list, lookup, describe:
     * what the portal's poller needs) and can change nothing, nor read the host's own data.
     */
    @Test
    void proxyWithoutTheHeaderReadsTheOverviewAndChangesNothing() throws Exception {
        assertEquals(List.of("vm1", "vm2"), names(result(as("portal", Op.LIST, Map.of()))));
        assertEquals(200, as("portal", Op.DESCRIBE, Map.of("domain", "vm2")).statusCode());
        assertEquals(200, as("portal", Op.LOOKUP, Map.of("domain", "vm2")).statusCode());
        // Not for anyone else who is neither admin nor owner: the reader's right is the proxy's alone.
        assertEquals(List.of(), names(result(as("other", Op.LIST, Map.of()))));
        assertEquals(403, as("other", Op.DESCRIBE, Map.of("domain", "vm2")).statusCode());
        assertEquals(403, as("portal", Op.PAUSE, Map.of("domain", "vm1")).statusCode());
        assertEquals(403, as("portal", Op.DMESG, Map.of()).statusCode());
        assertEquals(403, as("portal", Op.INFO, Map.of()).statusCode());
        assertEquals(DomainState.RUNNING, x.vm.lookup("vm1").state());
        assertLogged(" principal=" + PORTAL + " op=pause domain=vm1 result=refused status=403");
    }

    @Test
    void malformedHeaderFromTheProxyIsRefused() throws Exception {
        List<String[]> bad = List.of(new String[] {"alice"}, new String[] {""}, new String[] {ALICE + ", " + ADMIN},
                new String[] {"<b>alice</b>@XMAN.TEST"}, new String[] {"alice@XMAN.TEST extra"},
                new String[] {"a".repeat(300) + "@XMAN.TEST"}, new String[] {ALICE, ADMIN});
        for (String[] h : bad) {
            HttpResponse<String> r = as("portal", Op.PAUSE, Map.of("domain", "vm2"), h);
            assertEquals(400, r.statusCode(), String.join("|", h) + ": " + r.body());
            assertEquals("BAD_REQUEST", ((Map<?, ?>) Json.parseObject(r.body()).get("error")).get("kind"));
        }
        assertEquals(DomainState.RUNNING, x.vm.lookup("vm2").state());
        assertLogged(" principal=" + PORTAL + " op=pause result=refused status=400");
        assertFalse(x.log().contains("via="), x.log());
    }

    /** With a FakeVm: a refused owner operation reads the domain's description and never reaches the call itself. */
    @Test
    void refusalNeverReachesTheHypervisor(@TempDir Path other) throws Exception {
        x.close();
        FakeVm fake = new FakeVm();
        fake.owners.put("vm1", List.of(ALICE));
        fake.owners.put("vm2", List.of("bob@XMAN.TEST", ADMIN));
        x = new XmandFixture(other, fake, List.of(PORTAL));
        assertEquals(403, as("alice", Op.PAUSE, Map.of("domain", "vm2")).statusCode());
        assertEquals(403, as("portal", Op.SHUTDOWN, Map.of("domain", "vm2"), ALICE).statusCode());
        assertEquals(List.of("describe vm2", "describe vm2"), fake.calls);
        result(as("alice", Op.PAUSE, Map.of("domain", "vm1")));
        assertTrue(fake.calls.contains("pause vm1"), fake.calls.toString());
        assertEquals(List.of("vm1"), names(result(as("alice", Op.LIST, Map.of()))));
    }
}
