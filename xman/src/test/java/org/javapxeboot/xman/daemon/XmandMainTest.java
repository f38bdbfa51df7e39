package org.javapxeboot.xman.daemon;

import org.javapxeboot.xman.auth.MitKdc;
import org.javapxeboot.xman.client.RxmMain;
import org.javapxeboot.xman.client.XmanClient;
import org.javapxeboot.xman.auth.K5Login;
import org.javapxeboot.xman.auth.Kerberos;
import org.javapxeboot.xman.wire.Protocol;

import org.javapxeboot.xman.vm.LibvirtVmControl;
import org.javapxeboot.xman.wire.Op;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

@Timeout(60)
class XmandMainTest {
    @Test
    void badSettingsStopBeforeListening(@TempDir Path dir) {
        assertEquals(2, XmandMain.run("--listen", "nope"));
        assertEquals(2, XmandMain.run("--listen", "127.0.0.1:99999"));
        assertEquals(2, XmandMain.run("--threads", "0"));
        assertEquals(2, XmandMain.run("--no-such-option"));
        assertEquals(2, XmandMain.run("--trust-proxy", "portal", "--log", dir.resolve("l").toString()));
        assertEquals(2, XmandMain.run("--trust-proxy", "HTTP/portal@R", "--insecure-no-auth", "--no-tls", "--log", dir.resolve("l").toString()));
        assertEquals(1, XmandMain.run("--syslog", "tcp:h", "--log", dir.resolve("l").toString()));
        assertEquals(1, XmandMain.run("--syslog", "off", "--log", dir.resolve("l").toString(), "--keytab", dir.resolve("none.keytab").toString()));
        assertEquals("keytab " + dir.resolve("none.keytab") + " does not exist or is not readable", Kerberos.checkKeytab(dir.resolve("none.keytab"), "*"));
    }

    @Test
    void trustProxyIsRepeatableAndNoneByDefault() {
        XmandMain none = new XmandMain();
        new picocli.CommandLine(none).parseArgs();
        assertEquals(List.of(), none.config().trustProxies());
        XmandMain two = new XmandMain();
        new picocli.CommandLine(two).parseArgs("--trust-proxy", "HTTP/portal@R", "--trust-proxy", "HTTP/portal2@R");
        assertEquals(List.of("HTTP/portal@R", "HTTP/portal2@R"), two.config().trustProxies());
    }

    @Test
    void keytabWithoutTheServiceKeyIsNamed() throws Exception {
        org.junit.jupiter.api.Assumptions.assumeTrue(MitKdc.available(), "MIT krb5-kdc is not installed");
        MitKdc kdc = MitKdc.shared();
        assertEquals(null, Kerberos.checkKeytab(kdc.keytab("HTTP/localhost"), kdc.principal("HTTP/localhost")));
        assertEquals("keytab " + kdc.keytab("admin") + " has no key for HTTP/localhost@XMAN.TEST",
                Kerberos.checkKeytab(kdc.keytab("admin"), kdc.principal("HTTP/localhost")));
    }

    /**
     * Without --principal xmand is bound to HTTP/<canonical host name>: from a keytab that also
     * holds host/localhost, a ticket for host/localhost is refused (with the old default '*' it
     * authenticated). '*' still works when given by name, and says so.
     */
    @Test
    void defaultPrincipalIsHttpSlashHostNotAnyKey() throws Exception {
        org.junit.jupiter.api.Assumptions.assumeTrue(MitKdc.available(), "MIT krb5-kdc is not installed");
        MitKdc kdc = MitKdc.shared();
        assertEquals("HTTP/h1.example.org", Xmand.servicePrincipal(null, "h1.example.org"));
        Kerberos.Initiator client = new Kerberos.Initiator(Kerberos.login(kdc.keytab("admin"), kdc.principal("admin"), true));

        XmandMain defaults = new XmandMain();
        new picocli.CommandLine(defaults).parseArgs("--keytab", kdc.sharedKeytab().toString());
        Kerberos.Acceptor bound = Xmand.acceptor(defaults.config(), "localhost", null, System.err);
        assertEquals(kdc.principal("admin"), bound.accept(client.start(kdc.principal("HTTP/localhost")).token).principal());
        org.ietf.jgss.GSSException wrongService = assertThrows(org.ietf.jgss.GSSException.class,
                () -> bound.accept(client.start(kdc.principal("host/localhost")).token));
        assertTrue(Kerberos.describe(wrongService).length() > 0);

        XmandMain any = new XmandMain();
        new picocli.CommandLine(any).parseArgs("--keytab", kdc.sharedKeytab().toString(), "--principal", "*");
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        PrintStream saved = System.err;
        System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
        Kerberos.Acceptor star;
        try {
            star = Xmand.acceptor(any.config(), "localhost", null, System.err);
        } finally {
            System.setErr(saved);
        }
        assertEquals(kdc.principal("admin"), star.accept(client.start(kdc.principal("host/localhost")).token).principal());
        assertTrue(err.toString(StandardCharsets.UTF_8).contains("WARNING: --principal '*': every key in " + kdc.sharedKeytab()), err.toString(StandardCharsets.UTF_8));

        // A keytab without the default principal's key: the error names both, and the flag to give.
        XmandMain elsewhere = new XmandMain();
        new picocli.CommandLine(elsewhere).parseArgs("--keytab", kdc.sharedKeytab().toString());
        java.io.IOException e = assertThrows(java.io.IOException.class, () -> Xmand.acceptor(elsewhere.config(), "h9.example.org", null, System.err));
        assertEquals("keytab " + kdc.sharedKeytab() + " has no key for HTTP/h9.example.org@XMAN.TEST (the default --principal; give --principal HTTP/NAME@REALM)",
                e.getMessage());
    }

    /** --host-name names the host to its clients, so the default principal is HTTP/ that name, not the resolver's. */
    @Test
    void theDefaultPrincipalFollowsHostName(@TempDir Path dir) throws Exception {
        org.junit.jupiter.api.Assumptions.assumeTrue(MitKdc.available(), "MIT krb5-kdc is not installed");
        MitKdc kdc = MitKdc.shared();
        PrintStream saved = System.err;
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
        try {
            assertEquals(1, XmandMain.run("--host-name", "h9.example.org", "--keytab", kdc.sharedKeytab().toString(), "--listen", "127.0.0.1:0",
                    "--syslog", "off", "--log", dir.resolve("l").toString(), "--tls-keystore", dir.resolve("k.p12").toString()));
        } finally {
            System.setErr(saved);
        }
        String s = err.toString(StandardCharsets.UTF_8);
        assertTrue(s.contains("has no key for HTTP/h9.example.org@XMAN.TEST (the default --principal"), s);
    }

    /** --no-tls and --insecure-no-auth only on loopback: xmand, its server class and rxm refuse them elsewhere, before any socket. */
    @Test
    void insecureFlagsAreRefusedOffLoopback(@TempDir Path dir) throws Exception {
        PrintStream saved = System.err;
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
        try {
            assertEquals(2, XmandMain.run("--no-tls", "--insecure-no-auth", "--listen", "0.0.0.0:0", "--syslog", "off", "--log", dir.resolve("l").toString()));
            assertEquals(2, XmandMain.run("--no-tls", "--listen", "[::]:0", "--syslog", "off", "--log", dir.resolve("l").toString()));
            assertEquals(2, XmandMain.run("--insecure-no-auth", "--listen", ":0", "--syslog", "off", "--log", dir.resolve("l").toString()));
        } finally {
            System.setErr(saved);
        }
        String s = err.toString(StandardCharsets.UTF_8);
        assertTrue(s.contains("xmand: --no-tls and --insecure-no-auth refused for --listen 0.0.0.0:0: it is not a loopback address (127.0.0.1, ::1, localhost)"), s);
        assertTrue(s.contains("xmand: --no-tls refused for --listen [::]:0"), s);
        assertTrue(s.contains("xmand: --insecure-no-auth refused for --listen :0"), s);
        assertTrue(!Files.exists(dir.resolve("l")), "nothing was started, not even the log");

        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> new XmandServer(new XmandServer.Settings(
                new InetSocketAddress("0.0.0.0", 0), "h0", 4096, 2, 4, null, true, null), null, null, null, null));
        assertTrue(e.getMessage().startsWith("xmand: --no-tls and --insecure-no-auth refused for 0.0.0.0:0"), e.getMessage());

        ByteArrayOutputStream rerr = new ByteArrayOutputStream();
        PrintStream re = new PrintStream(rerr, true, StandardCharsets.UTF_8);
        PrintStream ro = new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8);
        assertEquals(2, RxmMain.run(ro, re, "--no-tls", "--insecure-no-auth", "-H", "0.0.0.0:1", "list"));
        assertEquals(2, RxmMain.run(ro, re, "--insecure-no-auth", "-H", "localhost:1,0.0.0.0:1", "list"));
        String r = rerr.toString(StandardCharsets.UTF_8);
        assertTrue(r.contains("rxm: --no-tls and --insecure-no-auth refused for host 0.0.0.0:1: it is not a loopback address"), r);
        assertTrue(r.contains("rxm: --insecure-no-auth refused for host 0.0.0.0:1"), r);
    }

    @Test
    void rxmUsageErrorsExitTwo() {
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        PrintStream e = new PrintStream(err, true, StandardCharsets.UTF_8);
        PrintStream o = new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8);
        assertEquals(2, RxmMain.run(o, e, "frobnicate"));
        assertEquals(2, RxmMain.run(o, e, "pause"));
        assertEquals(2, RxmMain.run(o, e, "mem-set", "vm1", "lots"));
        assertEquals(2, RxmMain.run(o, e, "-H", "h1:x", "list"));
        assertEquals(2, RxmMain.run(o, e, "define"));
        assertEquals(2, RxmMain.run(o, e));
        String s = err.toString(StandardCharsets.UTF_8);
        assertTrue(s.contains("rxm: unknown operation 'frobnicate' (rxm help lists them)"), s);
        assertTrue(s.contains("rxm: pause takes DOMAIN, got 0 argument(s)"), s);
        assertTrue(s.contains("rxm: mem-set: 'lots' is not a size (KiB, or with K, M, G)"), s);
    }

    /** --insecure-no-auth with --no-tls: the loopback-testing mode still serves, and says who it was. */
    @Test
    void insecureModeServesWithoutKerberos(@TempDir Path dir) throws Exception {
        Path node = dir.resolve("node.xml");
        Files.writeString(node, XmandFixture.NODE);
        ByteArrayOutputStream log = new ByteArrayOutputStream();
        try (LibvirtVmControl vm = new LibvirtVmControl("test://" + node);
             Audit audit = new Audit(log, null, Clock.systemUTC(), "h0")) {
            XmandServer s = new XmandServer(new XmandServer.Settings(new InetSocketAddress("127.0.0.1", 0), "h0", 4096, 2, 4, null, true, null),
                    vm, null, new K5Login(dir.resolve("none")), audit);
            s.start();
            try {
                XmanClient c = new XmanClient(null, null, null, Duration.ofSeconds(10));
                XmanClient.Target t = new XmanClient.Target("127.0.0.1", s.address().getPort());
                assertEquals(2, ((List<?>) c.call(t, Op.LIST, Map.of())).size());
                assertTrue(log.toString(StandardCharsets.UTF_8).contains("WITHOUT AUTHENTICATION"));
                assertTrue(log.toString(StandardCharsets.UTF_8).contains("principal=(unauthenticated) op=list result=ok status=200 auth=none"));
            } finally {
                s.close();
            }
        }
        assertThrows(IllegalArgumentException.class, () -> new XmandServer(new XmandServer.Settings(new InetSocketAddress("127.0.0.1", 0),
                "h0", 4096, 2, 4, null, false, null), null, null, null, null));
    }
}
