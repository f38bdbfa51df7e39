package org.javapxeboot.xman.text;

import org.javapxeboot.xman.daemon.PlainXmand;
import org.javapxeboot.xman.vm.FakeVm;
import org.javapxeboot.xman.client.RxmMain;
import org.javapxeboot.xman.daemon.Syslog;
import org.javapxeboot.xman.daemon.Audit;
import org.javapxeboot.xman.wire.Protocol;

import org.javapxeboot.xman.vm.VirtException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Control characters in names from others never reach a log, syslog or the admin's terminal raw. */
@Timeout(60)
class EscapeTest {
    /** ESC ]0; retitles an xterm, BEL ends it, CSI 2J clears the screen, U+009B is a one-byte CSI; the newline forges a line. */
    static final String EVIL = "vm\u001b]0;pwned\u0007\u001b[2J\u009b1m\nREQUEST forged=1\r\u007f";

    static boolean hasControl(String s, boolean linesAllowed) {
        for (char c : s.toCharArray()) if (Escape.control(c) && !(linesAllowed && c == '\n')) return true;
        return false;
    }

    @Test
    void escapesEveryControlCharacter() {
        assertEquals("vm\\x1b]0;pwned\\x07\\x1b[2J\\x9b1m\\x0aREQUEST forged=1\\x0d\\x7f", Escape.line(EVIL));
        assertEquals("<a>\n\t<b/>\\x1b</a>\n", Escape.text("<a>\n\t<b/>\u001b</a>\n"));
        assertEquals("plain-name_1", Escape.line("plain-name_1"));
        assertEquals("'vm\\x1b]0;pwned\\x07\\x1b[2J\\x9b1m\\x0aREQUEST forged=1\\x0d\\x7f'", Protocol.printable(EVIL));
    }

    @Test
    void auditLogAndSyslogCarryNoControlCharacters() throws Exception {
        List<byte[]> sent = new CopyOnWriteArrayList<>();
        Syslog.Transport capture = new Syslog.Transport() {
            @Override public void send(byte[] m) { sent.add(m); }
            @Override public void close() {}
        };
        ByteArrayOutputStream log = new ByteArrayOutputStream();
        try (Audit a = new Audit(log, capture, Clock.fixed(Instant.parse("2026-01-01T00:00:00Z"), ZoneOffset.UTC), "h1")) {
            a.event("REQUEST", "127.0.0.1:5", "ad\u001bmin@X", "pause", EVIL, "failed", 500, "libvirt said " + EVIL);
            a.note("keytab /tmp/" + EVIL + " is missing");
        }
        String l = log.toString(StandardCharsets.UTF_8);
        assertEquals(2, l.lines().count(), l);
        assertFalse(hasControl(l, true), l);
        assertTrue(l.contains("principal=\"ad\\x1bmin@X\""), l);
        assertTrue(l.contains("domain=\"vm\\x1b]0;pwned\\x07\\x1b[2J\\x9b1m\\x0aREQUEST forged=1\\x0d\\x7f\""), l);
        assertTrue(l.contains(" keytab /tmp/vm\\x1b]0;pwned"), l);
        assertEquals(1, sent.size());
        String m = new String(sent.get(0), StandardCharsets.UTF_8);
        assertFalse(hasControl(m, false), m);
        assertTrue(m.endsWith("] libvirt said vm\\x1b]0;pwned\\x07\\x1b[2J\\x9b1m REQUEST forged=1\\x0d\\x7f"), m);
    }

    /** rxm prints what a daemon sent: a domain name (list) and a libvirt error, both escaped on the terminal. */
    @Test
    void rxmEscapesWhatTheDaemonSent() throws Exception {
        FakeVm vm = new FakeVm();
        vm.names = List.of("vm1", EVIL);
        vm.failures.put("pause", new VirtException(VirtException.Kind.FAILED, "pause", "vm1", "hypervisor said " + EVIL));
        try (PlainXmand x = new PlainXmand(vm, false)) {
            String host = "127.0.0.1:" + x.server.address().getPort();
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            ByteArrayOutputStream err = new ByteArrayOutputStream();
            PrintStream o = new PrintStream(out, true, StandardCharsets.UTF_8);
            PrintStream e = new PrintStream(err, true, StandardCharsets.UTF_8);
            assertEquals(0, RxmMain.run(o, e, "--no-tls", "--insecure-no-auth", "-H", host, "list"), err.toString(StandardCharsets.UTF_8));
            assertEquals(1, RxmMain.run(o, e, "--no-tls", "--insecure-no-auth", "-H", host, "pause", "vm1"));
            String so = out.toString(StandardCharsets.UTF_8);
            String se = err.toString(StandardCharsets.UTF_8);
            assertFalse(hasControl(so, true), so);
            assertFalse(hasControl(se, true), se);
            assertTrue(so.contains("vm\\x1b]0;pwned\\x07\\x1b[2J\\x9b1m\\x0aREQUEST forged=1\\x0d\\x7f"), so);
            assertEquals(3, so.lines().count(), so);
            assertTrue(se.contains("hypervisor said vm\\x1b]0;pwned"), se);
            assertEquals(1, se.lines().count(), se);
        }
    }
}
