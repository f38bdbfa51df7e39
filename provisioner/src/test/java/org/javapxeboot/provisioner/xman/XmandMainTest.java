package org.javapxeboot.provisioner.xman;

import org.javapxeboot.provisioner.virt.LibvirtVmControl;
import org.javapxeboot.provisioner.xman.Protocol.Op;
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
        assertEquals(1, XmandMain.run("--syslog", "tcp:h", "--log", dir.resolve("l").toString()));
        assertEquals(1, XmandMain.run("--syslog", "off", "--log", dir.resolve("l").toString(), "--keytab", dir.resolve("none.keytab").toString()));
        assertEquals("keytab " + dir.resolve("none.keytab") + " does not exist or is not readable", Kerberos.checkKeytab(dir.resolve("none.keytab"), "*"));
    }

    @Test
    void keytabWithoutTheServiceKeyIsNamed() throws Exception {
        org.junit.jupiter.api.Assumptions.assumeTrue(MitKdc.available(), "MIT krb5-kdc is not installed");
        MitKdc kdc = MitKdc.shared();
        assertEquals(null, Kerberos.checkKeytab(kdc.keytab("HTTP/localhost"), kdc.principal("HTTP/localhost")));
        assertEquals("keytab " + kdc.keytab("admin") + " has no key for HTTP/localhost@XMAN.TEST",
                Kerberos.checkKeytab(kdc.keytab("admin"), kdc.principal("HTTP/localhost")));
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
                assertTrue(log.toString(StandardCharsets.UTF_8).contains("principal=(unauthenticated) op=list result=ok"));
            } finally {
                s.close();
            }
        }
        assertThrows(IllegalArgumentException.class, () -> new XmandServer(new XmandServer.Settings(new InetSocketAddress("127.0.0.1", 0),
                "h0", 4096, 2, 4, null, false, null), null, null, null, null));
    }
}
