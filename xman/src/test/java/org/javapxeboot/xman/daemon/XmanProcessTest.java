package org.javapxeboot.xman.daemon;

import org.javapxeboot.xman.auth.MintedTicket;
import org.javapxeboot.xman.auth.MitKdc;
import org.javapxeboot.xman.client.RxmMain;
import org.javapxeboot.xman.auth.Kerberos;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * The way admins run it: two xmand processes (two libvirt test nodes, one MIT KDC), rxm processes
 * with a ticket cache from kinit, and curl --negotiate as the stock client.
 */
@Timeout(300)
class XmanProcessTest {
    static MitKdc kdc;
    @TempDir static Path dir;
    static final List<XmandProcess> daemons = new ArrayList<>();
    static final int[] ports = new int[2];
    static DatagramSocket syslog;

    static Process java(String main, Map<String, String> env, List<String> args) throws IOException {
        return XmandProcess.java(kdc, main, env, args);
    }

    /**
     * Why this class cannot run here, or null. Surefire reports a skip in @BeforeAll as "Tests run: 0"
     * with no reason; skipping each test keeps the reason in the report.
     */
    static String skip;

    @BeforeAll
    static void startDaemons() throws Exception {
        skip = MitKdc.available() ? null : "MIT krb5-kdc and krb5-user are not installed";
        if (skip != null) return;
        kdc = MitKdc.shared();
        syslog = new DatagramSocket(0, InetAddress.getLoopbackAddress());
        syslog.setSoTimeout(5000);
        Files.writeString(dir.resolve("k5login"), kdc.principal("admin") + "\n");
        // --request-timeout runs from a connection's first byte to the end of its request, TLS handshake
        // included: it must leave a client JVM on a busy machine time to start its handshake. --idle-timeout
        // is short so that idleConnectionsAreHarmlessAndClosed sees silent connections closed soon.
        for (int i = 0; i < 2; i++) {
            String h = "h" + (i + 1);
            XmandProcess d = XmandProcess.start(kdc, dir, h, XmandFixture.NODE.replace("vm1", h + "-vm1").replace("vm2", h + "-vm2"),
                    dir.resolve("k5login"), List.of("--syslog", "udp:127.0.0.1:" + syslog.getLocalPort(),
                            "--idle-timeout", "5", "--request-timeout", "30", "--threads", "2", "--max-threads", "64"));
            daemons.add(d);
            ports[i] = d.port;
        }
    }

    @BeforeEach
    void runnableHere() {
        assumeTrue(skip == null, () -> skip);
    }

    @AfterAll
    static void stopDaemons() throws Exception {
        for (XmandProcess d : daemons) d.close();
        if (syslog != null) syslog.close();
    }

    record Result(int exit, String out, String err) {}

    static Result rxm(Path ccache, String... args) throws Exception {
        List<String> a = new ArrayList<>(List.of("--cacert", dir.resolve("h1/xmand.crt") + "," + dir.resolve("h2/xmand.crt")));
        a.addAll(List.of(args));
        Process p = java("org.javapxeboot.xman.client.RxmMain", Map.of("KRB5CCNAME", "FILE:" + ccache), a);
        p.getOutputStream().close();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        String err = new String(p.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(60, TimeUnit.SECONDS));
        return new Result(p.exitValue(), out, err);
    }

    static String both() {
        return "localhost:" + ports[0] + ",localhost:" + ports[1];
    }

    static String h1() {
        return "localhost:" + ports[0];
    }

    @Test
    void listAcrossTwoHostsThenLifecycleOnOne() throws Exception {
        Path cc = kdc.kinit("admin");
        Result r = rxm(cc, "-H", both(), "list");
        assertEquals(0, r.exit(), r.err());
        assertTrue(r.out().startsWith("HOST"), r.out());
        assertTrue(r.out().contains("h1-vm1") && r.out().contains("h2-vm2"), r.out());
        r = rxm(cc, "-H", h1(), "pause", "h1-vm1");
        assertEquals(0, r.exit(), r.err());
        assertTrue(r.out().contains("h1-vm1: paused"), r.out());
        r = rxm(cc, "-H", h1(), "--json", "lookup", "h1-vm1");
        assertEquals(0, r.exit(), r.err());
        assertTrue(r.out().contains("\"state\":\"paused\""), r.out());
        r = rxm(cc, "-H", h1(), "unpause", "h1-vm1");
        assertEquals(0, r.exit(), r.err());
        r = rxm(cc, "-H", h1(), "mem-set", "h1-vm1", "2G");
        assertEquals(1, r.exit());
        assertTrue(r.err().contains("above the domain's maximum"), r.err());
        r = rxm(cc, "-H", h1(), "migrate", "h1-vm1", "test:///default");
        assertEquals(1, r.exit());
        // Migration to the other xmand: rxm asks h2 for its libvirt URI, h1's test driver cannot migrate.
        r = rxm(cc, "-H", h1(), "migrate", "h1-vm1", "localhost:" + ports[1]);
        assertEquals(1, r.exit(), r.err());
        assertTrue(r.err().contains("cannot migrate"), r.err());
        assertTrue(Files.readString(dir.resolve("h2.log")).contains("principal=admin@XMAN.TEST op=info result=ok"));
        r = rxm(cc, "-H", h1(), "pause", "no-such-vm");
        assertEquals(1, r.exit());
        assertTrue(r.err().contains("no-such-vm"), r.err());
        String log = Files.readString(dir.resolve("h1.log"));
        assertTrue(log.contains("principal=admin@XMAN.TEST op=pause domain=h1-vm1 result=ok status=200"), log);
        byte[] buf = new byte[4096];
        DatagramPacket p = new DatagramPacket(buf, buf.length);
        syslog.receive(p);
        assertTrue(new String(buf, 0, p.getLength(), StandardCharsets.UTF_8).startsWith("<"));
    }

    @Test
    void oneHostDownDoesNotHideTheOther() throws Exception {
        Path cc = kdc.kinit("admin");
        int dead;
        try (java.net.ServerSocket s = new java.net.ServerSocket(0)) {
            dead = s.getLocalPort();
        }
        Result r = rxm(cc, "-H", h1() + ",localhost:" + dead, "list");
        assertEquals(4, r.exit());
        assertTrue(r.out().contains("h1-vm1"), r.out());
        assertTrue(r.err().contains("localhost:" + dead + ": list: connection refused"), r.err());
        r = rxm(cc, "-H", both() + ",localhost:" + dead, "--json", "list");
        assertEquals(4, r.exit());
        assertTrue(r.out().contains("\"ok\":false") && r.out().contains("h2-vm1"), r.out());
    }

    @Test
    void refusedPrincipalAndMissingTicketExitThree() throws Exception {
        Result r = rxm(kdc.kinit("other"), "-H", h1(), "info");
        assertEquals(3, r.exit());
        assertTrue(r.err().contains("other@XMAN.TEST is not listed in"), r.err());
        r = rxm(dir.resolve("no-such-ccache"), "-H", h1(), "list");
        assertEquals(3, r.exit());
        assertTrue(r.err().contains("no usable Kerberos credentials"), r.err());
        assertEquals(2, rxm(dir.resolve("x"), "frobnicate").exit());
        assertEquals(2, rxm(dir.resolve("x"), "-H", both(), "pause", "vm").exit());
        assertTrue(Files.readString(dir.resolve("h1.log")).contains("principal=other@XMAN.TEST op=info result=refused status=403"));
    }

    /**
     * A ticket cache whose ticket-granting ticket ended an hour ago (minted with the KDC's key, as kinit
     * can only get tickets that start now): rxm refuses it itself, before asking for anything. Its twin,
     * minted the same way but ending in an hour, lists the host, so only the ticket's age differs.
     */
    @Test
    void expiredTicketIsRefused() throws Exception {
        Instant now = Instant.now();
        Path valid = MintedTicket.mint(kdc.keytab(MitKdc.TGS), MitKdc.TGS, "admin", now.minus(Duration.ofHours(2)), now.plus(Duration.ofHours(1)))
                .writeCcache(dir.resolve("cc-minted-valid"));
        Result ok = rxm(valid, "-H", h1(), "list");
        assertEquals(0, ok.exit(), ok.err());
        assertTrue(ok.out().contains("h1-vm1"), ok.out());

        Path expired = MintedTicket.mint(kdc.keytab(MitKdc.TGS), MitKdc.TGS, "admin", now.minus(Duration.ofHours(2)), now.minus(Duration.ofHours(1)))
                .writeCcache(dir.resolve("cc-minted-expired"));
        Result r = rxm(expired, "-H", h1(), "list");
        assertEquals(3, r.exit(), r.out());
        assertTrue(r.err().contains("rxm: no usable Kerberos credentials (ticket cache; run kinit)"), r.err());
        assertEquals("", r.out());
    }

    @Test
    void stockCurlNegotiates() throws Exception {
        Process v = new ProcessBuilder("curl", "-V").start();
        String features = new String(v.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        v.waitFor();
        assumeTrue(features.contains("GSS-API") || features.contains("SPNEGO"), "curl has no GSS-API support");
        Path cc = kdc.kinit("admin");
        ProcessBuilder pb = new ProcessBuilder("curl", "-sS", "--negotiate", "-u", ":", "--cacert", dir.resolve("h2/xmand.crt").toString(),
                "-w", "\\n%{http_code}", "https://localhost:" + ports[1] + "/v1/list");
        kdc.env(pb.environment());
        pb.environment().put("KRB5CCNAME", "FILE:" + cc);
        Process c = pb.start();
        String out = new String(c.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        String err = new String(c.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
        assertEquals(0, c.waitFor(), err);
        assertTrue(out.endsWith("\n200"), out);
        assertTrue(out.contains("\"ok\":true") && out.contains("h2-vm1"), out);
        assertTrue(Files.readString(dir.resolve("h2.log")).contains("principal=admin@XMAN.TEST op=list result=ok"));
    }

    /** Idle connections cost no worker: with 4 threads, 1000 silent connections, rxm is still served; then they are closed. */
    @Test
    void idleConnectionsAreHarmlessAndClosed() throws Exception {
        Path cc = kdc.kinit("admin");
        List<java.net.Socket> idle = new ArrayList<>();
        try {
            for (int i = 0; i < 1000; i++) idle.add(new java.net.Socket("127.0.0.1", ports[0]));
            Result r = rxm(cc, "-H", h1(), "list");
            assertEquals(0, r.exit(), r.err());
            assertTrue(r.out().contains("h1-vm1"), r.out());
            for (java.net.Socket s : List.of(idle.get(0), idle.get(999))) {
                s.setSoTimeout(30_000);
                try {
                    assertEquals(-1, s.getInputStream().read(), "the daemon should close an idle connection");
                } catch (java.net.SocketException reset) {
                    // Closed with a reset: closed too.
                }
            }
        } finally {
            for (java.net.Socket s : idle) s.close();
        }
        assertEquals(0, rxm(cc, "-H", h1(), "list").exit());
    }

    /**
     * Slow senders: 40 connections each send the first byte of a TLS record and stall. Each holds
     * a worker until --request-timeout (30 s here); the pool grows (2 kept, 64 at most), so rxm is
     * served without waiting for them (with 2 fixed threads it would wait 10 minutes; rxm gives up at 15 s).
     * rxm starts once the daemon has logged a CONNECT line for each of them: all 40 hold a worker.
     */
    @Test
    void slowSendersDoNotStarveOthers() throws Exception {
        Path cc = kdc.kinit("admin");
        List<java.net.Socket> slow = new ArrayList<>();
        Path log = dir.resolve("h2.log");
        long connectsBefore = connectLines(log);
        try {
            for (int i = 0; i < 40; i++) {
                java.net.Socket s = new java.net.Socket("127.0.0.1", ports[1]);
                s.getOutputStream().write(0x16);
                s.getOutputStream().flush();
                slow.add(s);
            }
            awaitConnectLines(log, connectsBefore + 40);
            Result r = rxm(cc, "-H", "localhost:" + ports[1], "--timeout", "15", "list");
            assertEquals(0, r.exit(), r.err());
            assertTrue(r.out().contains("h2-vm1"), r.out());
        } finally {
            for (java.net.Socket s : slow) s.close();
        }
    }

    static long connectLines(Path log) throws IOException {
        return Files.readAllLines(log, StandardCharsets.UTF_8).stream().filter(l -> l.contains(" CONNECT ")).count();
    }

    /**
     * Until {@code log} holds {@code n} CONNECT lines: xmand writes one when a worker takes up a TLS
     * connection. It reads the file as it grows (no fixed pause); the test's timeout stops a hang.
     */
    static void awaitConnectLines(Path log, long n) throws Exception {
        try (java.nio.file.WatchService w = log.getFileSystem().newWatchService()) {
            log.getParent().register(w, java.nio.file.StandardWatchEventKinds.ENTRY_MODIFY);
            while (connectLines(log) < n) {
                java.nio.file.WatchKey k = w.poll(1, TimeUnit.SECONDS);
                if (k != null) {
                    k.pollEvents();
                    k.reset();
                }
            }
        }
    }

    /** XMAN_HOSTS and XMAN_CACERT instead of options, as in an admin's profile. */
    @Test
    void hostsAndCertificatesFromTheEnvironment() throws Exception {
        Path cc = kdc.kinit("admin");
        Process p = java("org.javapxeboot.xman.client.RxmMain", Map.of("KRB5CCNAME", "FILE:" + cc, "XMAN_HOSTS", both(),
                "XMAN_CACERT", dir.resolve("h1/xmand.crt") + "," + dir.resolve("h2/xmand.crt")), List.of("list"));
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        String err = new String(p.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(60, TimeUnit.SECONDS));
        assertEquals(0, p.exitValue(), err);
        assertTrue(out.contains("h1-vm1") && out.contains("h2-vm1"), out);
    }
}
