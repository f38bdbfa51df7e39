package org.javapxeboot.xman.wire;

import org.javapxeboot.xman.daemon.PlainXmand;
import org.javapxeboot.xman.vm.FakeVm;

import org.javapxeboot.xman.wire.Protocol.ProtocolException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.net.http.HttpResponse;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** migrate's destination: libvirt remote URIs that could run code or read root's files are refused. */
@Timeout(60)
class MigrationUriTest {
    static String refused(String uri, boolean testDriver) {
        ProtocolException e = assertThrows(ProtocolException.class, () -> MigrationUri.check(uri, testDriver), uri);
        assertEquals(400, e.status);
        assertEquals("INVALID_ARGUMENT", e.kind);
        assertTrue(e.getMessage().startsWith("migration destination " + Protocol.printable(uri) + " is refused: "), e.getMessage());
        assertTrue(e.getMessage().contains("Allowed: qemu+tls, qemu+ssh, qemu+tcp, xen+ssh, xen+tls"), e.getMessage());
        return e.getMessage();
    }

    @Test
    void networkTransportsToAPlainHostAreAccepted() throws Exception {
        for (String ok : List.of("qemu+tls://h2.example.org/system", "qemu+ssh://root@h2/system", "qemu+tcp://10.0.0.2:16509/system",
                "xen+ssh://h2/", "xen+tls://h2", "qemu+ssh://[2001:db8::2]/session", "xen+ssh://admin_1@h2.example.org:2222/system")) {
            assertEquals(ok, MigrationUri.check(ok, false));
        }
        assertEquals("test:///default", MigrationUri.check("test:///default", true));
    }

    @Test
    void everythingElseIsRefusedWithTheReason() {
        assertTrue(refused("qemu+ext:///system?command=/tmp/x", false).contains("query parameters are not allowed ('command': it names a program to run)"));
        assertTrue(refused("qemu+ext://h2/system", false).contains("transport 'qemu+ext' is not allowed (it runs a local program"));
        assertTrue(refused("qemu+unix:///system?socket=/run/evil.sock", false).contains("'socket': it points libvirt at any local Unix socket"));
        assertTrue(refused("qemu+ssh://h2/system?netcat=nc%3Brm", false).contains("'netcat': it is run by a shell on the destination"));
        assertTrue(refused("qemu+ssh://h2/system?keyfile=/root/.ssh/id_rsa", false).contains("'keyfile': libvirt would read that file with root's rights"));
        assertTrue(refused("qemu+tls://h2/system?pkipath=/home/mallory/pki", false).contains("'pkipath'"));
        assertTrue(refused("qemu+tls://h2/system?no_verify=1", false).contains("'no_verify': it turns off the check"));
        assertTrue(refused("qemu+ssh://h2/system?comm%61nd=x", false).contains("'command': it names a program to run"));
        assertTrue(refused("qemu+ssh://h2/system?no_tty=1&proxy=netcat", false).contains("'no_tty'"));
        assertTrue(refused("qemu+ssh://h2/system?", false).contains("query parameters are not allowed"));
        assertTrue(refused("qemu+ssh://-oProxyCommand=touch%20x@h2/system", false).contains("the user must be a plain login name"));
        assertTrue(refused("qemu+ssh://-oProxyCommand=x/system", false).contains("the host must be"));
        assertTrue(refused("qemu+ssh://user:secret@h2/system", false).contains("no password"));
        assertTrue(refused("qemu+ssh://h2/embed", false).contains("path '/embed' is not /system or /session"));
        assertTrue(refused("qemu+ssh://h2/system#x", false).contains("fragment"));
        assertTrue(refused("qemu:///system", false).contains("transport 'qemu' is not allowed"));
        assertTrue(refused("qemu+ssh:///system", false).contains("no destination host"));
        assertTrue(refused("lxc+ssh://h2/", false).contains("transport 'lxc+ssh'"));
        assertTrue(refused("not a uri", false).contains("not a URI"));
        assertTrue(refused(null, false).contains("no destination URI"));
        // The test driver only when xmand itself runs on it, and never remote.
        assertTrue(refused("test:///default", false).contains("transport 'test' is not allowed"));
        String t = refused("test://h2/default", true);
        assertTrue(t.contains("without a host") && t.contains("test (this xmand runs on libvirt's test driver)"), t);
        refused("test:///default?x=1", true);
    }

    /** Through the server: the hostile URI is refused with 400, audited, and libvirt is never asked. */
    @Test
    void hostileMigrateRequestChangesNothing() throws Exception {
        FakeVm vm = new FakeVm();
        try (PlainXmand x = new PlainXmand(vm, false)) {
            HttpResponse<String> r = x.post("migrate", "{\"domain\":\"vm1\",\"destination\":\"qemu+ext:///system?command=/bin/touch%20/tmp/pwned\"}");
            assertEquals(400, r.statusCode(), r.body());
            assertTrue(r.body().contains("\"kind\":\"INVALID_ARGUMENT\""), r.body());
            assertTrue(r.body().contains("is refused: query parameters are not allowed ('command': it names a program to run)"), r.body());
            assertEquals(List.of(), vm.calls);
            HttpResponse<String> ok = x.post("migrate", "{\"domain\":\"vm1\",\"destination\":\"qemu+ssh://h2/system\"}");
            assertEquals(200, ok.statusCode(), ok.body());
            assertEquals("migrate vm1 qemu+ssh://h2/system", vm.calls.get(0));
        }
    }
}
