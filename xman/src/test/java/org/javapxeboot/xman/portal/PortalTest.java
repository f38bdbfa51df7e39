package org.javapxeboot.xman.portal;

import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The settings the portal refuses before it listens, each with its flag named. */
class PortalTest {
    private static Portal.Config config(List<String> hosts, String listen, boolean noTls, boolean noAuth) {
        return new Portal.Config(hosts, null, listen, null, null, null, null, null, null, null, 10, 5, noTls, noAuth, 4, 4, null);
    }

    private static String refusal(Portal.Config c) {
        return assertThrows(IllegalArgumentException.class, () -> Portal.start(c, new org.javapxeboot.xman.portal.fleet.LibvirtStates(),
                new PrintStream(new ByteArrayOutputStream()))).getMessage();
    }

    @Test
    void noTlsAndNoAuthOnlyOnLoopback() {
        assertTrue(refusal(config(List.of("127.0.0.1"), "0.0.0.0:0", true, false)).contains("--no-tls refused for --listen 0.0.0.0:0"));
        assertTrue(refusal(config(List.of("127.0.0.1"), "0.0.0.0:0", false, true)).contains("--insecure-no-auth refused"));
        assertTrue(refusal(config(List.of("192.0.2.1"), "127.0.0.1:0", true, true)).contains("xmand host 192.0.2.1:8740"));
    }

    @Test
    void hostsFromExactlyOneSource() {
        assertTrue(refusal(config(List.of(), "127.0.0.1:0", true, true)).contains("--xmand"));
        assertTrue(refusal(new Portal.Config(List.of("a"), java.nio.file.Path.of("hosts"), "127.0.0.1:0", null, null, null, null, null, null, null,
                10, 5, true, true, 4, 4, null)).contains("either"));
        assertTrue(refusal(new Portal.Config(List.of("127.0.0.1"), null, "127.0.0.1:0", null, null, null, null, null, null, null, 0, 5, true, true, 4, 4, null)).contains("--poll"));
    }

    @Test
    void badListenIsNamed() {
        assertTrue(refusal(config(List.of("127.0.0.1"), "127.0.0.1", true, true)).startsWith("--listen 127.0.0.1: expected ADDR:PORT"));
        assertEquals(2, PortalMain.run("--xmand", "127.0.0.1", "--listen", "0.0.0.0:0", "--no-tls", "--insecure-no-auth"));
    }

    @Test
    void anUnknownJobSourceIsNamed() {
        assertEquals("--job-source lsf: expected pbs, slurm or json:FILE",
                assertThrows(IllegalArgumentException.class, () -> Portal.view(new Portal.Config(List.of("127.0.0.1"), null,
                        "127.0.0.1:0", null, null, null, null, null, null, null, 10, 5, true, true, 4, 4, "lsf"))).getMessage());
        assertEquals(2, PortalMain.run("--xmand", "127.0.0.1", "--listen", "127.0.0.1:0", "--no-tls", "--insecure-no-auth",
                "--job-source", "json:"));
    }

    /**
     * The JDK server reads a request's line and headers on a worker thread, with no deadline of its
     * own: one unauthenticated connection sending its headers slowly holds a thread for ever, and
     * --threads of them stop the portal. The portal sets the server's limits before it makes one.
     */
    @Test
    void aSlowClientGetsADeadline() {
        for (String p : List.of("sun.net.httpserver.maxReqTime", "sun.net.httpserver.idleInterval", "sun.net.httpserver.maxRspTime")) System.clearProperty(p);
        refusal(config(List.of(), "127.0.0.1:0", true, true));
        assertEquals(Integer.toString(Portal.REQUEST_SECONDS), System.getProperty("sun.net.httpserver.maxReqTime"));
        assertEquals(Integer.toString(Portal.IDLE_SECONDS), System.getProperty("sun.net.httpserver.idleInterval"));
        // An answer may take as long as a migrate (the longest action) and must not be cut short.
        assertTrue(Long.parseLong(System.getProperty("sun.net.httpserver.maxRspTime"))
                > org.javapxeboot.xman.wire.Op.Deadline.MIGRATE.byDefault.toSeconds());
    }
}
