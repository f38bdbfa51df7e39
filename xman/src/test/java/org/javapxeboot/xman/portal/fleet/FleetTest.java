package org.javapxeboot.xman.portal.fleet;

import org.javapxeboot.xman.client.XmanClient;
import org.javapxeboot.xman.daemon.PlainXmand;
import org.javapxeboot.xman.vm.FakeVm;
import org.junit.jupiter.api.Test;

import java.net.ServerSocket;
import java.net.Socket;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

class FleetTest {
    private static final Instant T0 = Instant.parse("2007-12-07T16:33:17Z");

    /** A host that accepts connections and never answers: the others' snapshots must not wait for it. */
    @Test
    void aHungHostDoesNotDelayTheOthers() throws Exception {
        FakeVm vm = new FakeVm();
        LinkedBlockingQueue<HostSnapshot> seen = new LinkedBlockingQueue<>();
        LinkedBlockingQueue<Socket> held = new LinkedBlockingQueue<>();
        try (PlainXmand a = new PlainXmand(vm, false); PlainXmand b = new PlainXmand(vm, false);
             ServerSocket silent = new ServerSocket(0, 50, java.net.InetAddress.getLoopbackAddress())) {
            Thread acceptor = new Thread(() -> {
                try {
                    while (true) held.add(silent.accept());
                } catch (java.io.IOException e) {
                    // closed at the end of the test
                }
            });
            acceptor.setDaemon(true);
            acceptor.start();
            // The hung host comes first in the list, and its deadline is far beyond the test's bounds.
            Hosts hosts = Hosts.of(List.of("127.0.0.1:" + silent.getLocalPort(), "127.0.0.1:" + a.server.address().getPort(),
                    "127.0.0.1:" + b.server.address().getPort()));
            XmanClient client = new XmanClient(null, null, null, Duration.ofMinutes(10));
            try (Fleet fleet = new Fleet(hosts, client::call, Clock.fixed(T0, ZoneOffset.UTC), new LibvirtStates(), 4, seen::add)) {
                fleet.pollOnce();
                HostSnapshot first = seen.poll(60, TimeUnit.SECONDS);
                HostSnapshot second = seen.poll(60, TimeUnit.SECONDS);
                assertNotNull(first);
                assertNotNull(second);
                Socket hungConnection = held.poll(60, TimeUnit.SECONDS);
                assertNotNull(hungConnection, "the silent host was connected to");
                held.add(hungConnection);
                for (HostSnapshot s : List.of(first, second)) {
                    assertTrue(s.target().port() != silent.getLocalPort(), "an answering host's snapshot: " + s.target());
                    assertEquals(T0, s.readAt());
                    assertEquals(List.of("vm1", "vm2"), s.domains().stream().map(d -> d.name()).toList());
                }
                // The hung host is still pending: no snapshot, not read yet.
                HostSnapshot hung = fleet.snapshots().get(0);
                assertNull(hung.readAt());
                assertNull(hung.failure());
                // A second poll does not queue a second read of the hung host, and reads the others again.
                fleet.pollOnce();
                assertNotNull(seen.poll(60, TimeUnit.SECONDS));
                assertNotNull(seen.poll(60, TimeUnit.SECONDS));
                assertEquals(1, held.size(), "one connection to the hung host, not one per poll");
            }
        } finally {
            for (Socket s : held) s.close();
        }
    }

    /**
     * Whoever hears of a read and polls at once gets a new read of that host: the host is free
     * again before its snapshot is told (told while still "in flight", the poll skipped it, and a
     * test that polled right after a snapshot waited for a read that never came).
     */
    @Test
    void aPollRightAfterASnapshotReadsTheHostAgain() throws Exception {
        FakeVm vm = new FakeVm();
        try (PlainXmand a = new PlainXmand(vm, false)) {
            XmanClient client = new XmanClient(null, null, null, Duration.ofSeconds(30));
            LinkedBlockingQueue<HostSnapshot> seen = new LinkedBlockingQueue<>();
            java.util.concurrent.atomic.AtomicReference<Fleet> self = new java.util.concurrent.atomic.AtomicReference<>();
            java.util.concurrent.atomic.AtomicInteger told = new java.util.concurrent.atomic.AtomicInteger();
            try (Fleet fleet = new Fleet(Hosts.of(List.of("127.0.0.1:" + a.server.address().getPort())), client::call,
                    Clock.fixed(T0, ZoneOffset.UTC), new LibvirtStates(), 2, s -> {
                        seen.add(s);
                        if (told.incrementAndGet() == 1) self.get().pollOnce();
                    })) {
                self.set(fleet);
                fleet.pollOnce();
                assertNotNull(seen.poll(60, TimeUnit.SECONDS), "the first read");
                assertNotNull(seen.poll(60, TimeUnit.SECONDS), "the poll made on hearing of the first read read the host again");
            }
        }
    }

    @Test
    void aRefusedHostIsAHostRowWithTheReason() throws Exception {
        int port;
        try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            port = s.getLocalPort();
        }
        LinkedBlockingQueue<HostSnapshot> seen = new LinkedBlockingQueue<>();
        Hosts hosts = Hosts.of(List.of("127.0.0.1:" + port));
        XmanClient client = new XmanClient(null, null, null, Duration.ofSeconds(30));
        try (Fleet fleet = new Fleet(hosts, client::call, Clock.fixed(T0, ZoneOffset.UTC), new LibvirtStates(), 2, seen::add)) {
            fleet.pollOnce();
            HostSnapshot s = seen.poll(60, TimeUnit.SECONDS);
            assertNotNull(s);
            assertEquals(HostSnapshot.Reason.REFUSED, s.failure().reason());
            List<Overview.Row> rows = Overview.rows(fleet.snapshots(), T0, Duration.ofSeconds(10), new LibvirtStates());
            assertEquals(1, rows.size());
            assertTrue(rows.get(0).problem().startsWith("refused"), rows.get(0).problem());
        }
    }

    @Test
    void failureCategories() {
        assertEquals(HostSnapshot.Reason.UNAUTHENTICATED, HostSnapshot.Reason.of(new XmanClient.Failure(XmanClient.Category.AUTH, "UNAUTHENTICATED", 401, "x")));
        assertEquals(HostSnapshot.Reason.DENIED, HostSnapshot.Reason.of(new XmanClient.Failure(XmanClient.Category.AUTH, "DENIED", 403, "x")));
        assertEquals(HostSnapshot.Reason.TLS, HostSnapshot.Reason.of(new XmanClient.Failure(XmanClient.Category.UNREACHABLE, "TLS", 0, "x")));
        assertEquals(HostSnapshot.Reason.TIMED_OUT, HostSnapshot.Reason.of(new XmanClient.Failure(XmanClient.Category.UNREACHABLE, "UNREACHABLE", 0, "no answer within 5 s")));
        assertEquals(HostSnapshot.Reason.TIMED_OUT, HostSnapshot.Reason.of(new XmanClient.Failure(XmanClient.Category.UNREACHABLE, "UNREACHABLE", 0, "connection timed out")));
        assertEquals(HostSnapshot.Reason.REFUSED, HostSnapshot.Reason.of(new XmanClient.Failure(XmanClient.Category.UNREACHABLE, "UNREACHABLE", 0, "connection refused")));
    }

    /** Stale is older than two polls by the given clock; a failed host keeps its last domains, greying as they age. */
    @Test
    void staleByTheClock() {
        XmanClient.Target t = XmanClient.Target.parse("h1");
        var d = new org.javapxeboot.xman.vm.VmControl.DomainInfo("vm1", "u", 1, org.javapxeboot.xman.vm.VmControl.DomainState.RUNNING, 1024, 2048, 1, 0, true, false);
        HostSnapshot s = HostSnapshot.never(t).answered(T0, List.of(d), java.util.Map.of());
        Duration poll = Duration.ofSeconds(10);
        assertFalse(Overview.rows(List.of(s), T0.plusSeconds(20), poll, new LibvirtStates()).get(0).stale(), "exactly two polls old is not stale");
        assertTrue(Overview.rows(List.of(s), T0.plusSeconds(21), poll, new LibvirtStates()).get(0).stale());
        HostSnapshot failed = s.failed(new HostSnapshot.Failure(HostSnapshot.Reason.TIMED_OUT, "no answer within 5 s", T0.plusSeconds(30)));
        List<Overview.Row> rows = Overview.rows(List.of(failed), T0.plusSeconds(30), poll, new LibvirtStates());
        assertEquals(2, rows.size());
        assertEquals("timed out: no answer within 5 s", rows.get(0).problem());
        assertTrue(rows.get(1).stale());
        assertEquals("running", rows.get(1).state());
    }

    @Test
    void hostsFileParsesAndLocatesErrors() {
        assertEquals(List.of(XmanClient.Target.parse("a"), XmanClient.Target.parse("b:9000")),
                Hosts.parse("# fleet\na  # first\n\nb:9000\na\n", "hosts"));
        IllegalArgumentException e = org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class,
                () -> Hosts.parse("a\nb c\n", "hosts"));
        assertTrue(e.getMessage().startsWith("hosts:2:"), e.getMessage());
        e = org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class, () -> Hosts.parse("a\n<script>\n", "hosts"));
        assertTrue(e.getMessage().startsWith("hosts:2:"), e.getMessage());
    }

    @Test
    void hostsFileIsReReadWhenItChanges(@org.junit.jupiter.api.io.TempDir java.nio.file.Path dir) throws Exception {
        java.nio.file.Path f = dir.resolve("hosts");
        java.nio.file.Files.writeString(f, "a\n");
        List<String> warnings = new java.util.ArrayList<>();
        Hosts h = Hosts.file(f, warnings::add);
        assertEquals(1, h.current().size());
        java.nio.file.Files.writeString(f, "a\nb\n");
        java.nio.file.Files.setLastModifiedTime(f, java.nio.file.attribute.FileTime.fromMillis(System.currentTimeMillis() + 10_000));
        assertEquals(2, h.current().size());
        java.nio.file.Files.writeString(f, "a\nb c\n");
        java.nio.file.Files.setLastModifiedTime(f, java.nio.file.attribute.FileTime.fromMillis(System.currentTimeMillis() + 20_000));
        assertEquals(2, h.current().size(), "a broken file keeps the previous list");
        assertEquals(1, warnings.size());
        assertTrue(warnings.get(0).contains(":2:"), warnings.get(0));
    }
}
