package org.javapxeboot.xman.daemon;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.LinkedHashMap;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class SyslogTest {
    static final Instant T = Instant.parse("2026-11-21T08:30:00.123456Z");

    @Test
    void rfc5424WithEscapedStructuredData() {
        Map<String, String> p = new LinkedHashMap<>();
        p.put("principal", "admin@XMAN.TEST");
        p.put("domain", "a\"b]c\\d");
        byte[] m = Syslog.format(Syslog.FACILITY_AUTHPRIV, Syslog.SEVERITY_WARNING, T, "host one", "xmand", 42, "REQUEST", p, "line\nbreak");
        assertEquals("<84>1 2026-11-21T08:30:00.123456Z host_one xmand 42 REQUEST [xman@32473 principal=\"admin@XMAN.TEST\" "
                + "domain=\"a\\\"b\\]c\\\\d\"] line break", new String(m, StandardCharsets.UTF_8));
        assertEquals("<85>1 2026-11-21T08:30:00.123456Z - - 1 - -",
                new String(Syslog.format(10, 5, T, null, "", 1, null, Map.of(), null), StandardCharsets.UTF_8));
        assertEquals(Syslog.MAX_MESSAGE, Syslog.format(10, 5, T, "h", "a", 1, "M", Map.of(), "x".repeat(5000)).length);
    }

    @Test
    void badSpecsAreNamed() {
        assertEquals("--syslog tcp:x: expected off, udp:HOST[:PORT] or unix:PATH",
                assertThrows(IOException.class, () -> Syslog.open("tcp:x")).getMessage());
        assertEquals("--syslog udp:h:x: the port is not a number", assertThrows(IOException.class, () -> Syslog.open("udp:h:x")).getMessage());
    }

    /** /dev/log is a Unix datagram socket: bind one with libc (JNA), send through the transport, read it back. */
    @Test
    @Timeout(30)
    void unixDatagramSocketLikeDevLog(@TempDir Path dir) throws Exception {
        Syslog.LibC libc = Syslog.libc();
        String path = dir.resolve("log").toString();
        int fd = libc.socket(Syslog.LibC.AF_UNIX, Syslog.LibC.SOCK_DGRAM, 0);
        assertTrue(fd >= 0);
        try {
            byte[] addr = Syslog.sockaddrUn(path);
            assertEquals(0, libc.bind(fd, addr, addr.length));
            ByteArrayOutputStream log = new ByteArrayOutputStream();
            try (Audit a = new Audit(log, Syslog.open("unix:" + path), Clock.fixed(T, ZoneOffset.UTC), "h1")) {
                a.event("REQUEST", "127.0.0.1:5", "admin@XMAN.TEST", "pause", "vm1", "ok", 200, null);
            }
            byte[] buf = new byte[4096];
            long n = libc.recv(fd, buf, buf.length, 0);
            String got = new String(buf, 0, (int) n, StandardCharsets.UTF_8);
            assertEquals("<85>1 2026-11-21T08:30:00.123456Z h1 xmand " + ProcessHandle.current().pid() + " REQUEST [xman@32473 "
                    + "from=\"127.0.0.1:5\" principal=\"admin@XMAN.TEST\" op=\"pause\" domain=\"vm1\" result=\"ok\" status=\"200\"]", got);
            assertEquals("2026-11-21T08:30:00.123456Z REQUEST from=127.0.0.1:5 principal=admin@XMAN.TEST op=pause domain=vm1 result=ok status=200\n",
                    log.toString(StandardCharsets.UTF_8));
        } finally {
            libc.close(fd);
        }
    }

    /**
     * A syslog daemon that stops reading: /dev/log's buffer fills and a plain send() would wait
     * forever. The transport says "full" instead (MSG_DONTWAIT), however large the buffer is.
     */
    @Test
    @Timeout(value = 60, threadMode = Timeout.ThreadMode.SEPARATE_THREAD) // a blocked send() ignores interrupts
    void fullUnixSocketNeverBlocksTheSender(@TempDir Path dir) throws Exception {
        Syslog.LibC libc = Syslog.libc();
        String path = dir.resolve("log").toString();
        int fd = libc.socket(Syslog.LibC.AF_UNIX, Syslog.LibC.SOCK_DGRAM, 0);
        assertTrue(fd >= 0);
        try (Syslog.Transport t = Syslog.open("unix:" + path)) {
            byte[] addr = Syslog.sockaddrUn(path);
            assertEquals(0, libc.bind(fd, addr, addr.length));
            byte[] m = new byte[Syslog.MAX_MESSAGE];
            String full = null;
            for (int i = 0; i < 1_000_000 && full == null; i++) {
                try {
                    t.send(m);
                } catch (IOException e) {
                    full = e.getMessage();
                }
            }
            assertEquals("send to " + path + ": the socket is full (syslog daemon not reading); message dropped", full);
            // Still usable once the reader catches up.
            byte[] buf = new byte[4096];
            assertEquals(Syslog.MAX_MESSAGE, libc.recv(fd, buf, buf.length, 0));
            t.send("after".getBytes(StandardCharsets.UTF_8));
        } finally {
            libc.close(fd);
        }
    }

    /** The audit writer drops and counts while syslog is stuck; Audit.event returns at once. */
    @Test
    @Timeout(60)
    void stuckSyslogDropsAndCounts() throws Exception {
        StuckSyslog stuck = new StuckSyslog();
        ByteArrayOutputStream log = new ByteArrayOutputStream();
        Audit a = new Audit(log, stuck, Clock.fixed(T, ZoneOffset.UTC), "h1", 2);
        a.event("CONNECT", "127.0.0.1:1", null, null, null, "ok", 0, null);
        stuck.entered.await();
        for (int i = 2; i <= 5; i++) a.event("CONNECT", "127.0.0.1:" + i, null, null, null, "ok", 0, null);
        assertEquals(2, a.syslogDropped());
        stuck.release();
        a.close();
        assertEquals(3, stuck.sent.size());
        String s = log.toString(StandardCharsets.UTF_8);
        assertEquals(5, s.lines().filter(l -> l.contains(" CONNECT ")).count(), s);
        assertTrue(s.contains("WARNING syslog: 2 messages wait for syslog, the most kept; dropping (1 audit message(s) not sent to syslog so far)"), s);
        assertEquals(1, s.split("WARNING syslog").length - 1, s);
    }

    @Test
    void missingSocketIsReportedOnceInTheLogAndTheLineIsKept(@TempDir Path dir) throws Exception {
        ByteArrayOutputStream log = new ByteArrayOutputStream();
        try (Audit a = new Audit(log, Syslog.open("unix:" + dir.resolve("none")), Clock.fixed(T, ZoneOffset.UTC), "h1")) {
            a.event("CONNECT", "127.0.0.1:5", null, null, null, "ok", 0, "TLS connection");
            a.event("CONNECT", "127.0.0.1:6", null, null, null, "ok", 0, "TLS connection");
        }
        String s = log.toString(StandardCharsets.UTF_8);
        assertEquals(1, s.split("WARNING syslog").length - 1, s);
        assertTrue(s.contains("CONNECT from=127.0.0.1:6 principal=- result=ok detail=\"TLS connection\""), s);
    }
}
