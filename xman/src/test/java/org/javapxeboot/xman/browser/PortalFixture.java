package org.javapxeboot.xman.browser;

import org.javapxeboot.xman.auth.Kerberos;
import org.javapxeboot.xman.auth.MitKdc;
import org.javapxeboot.xman.client.XmanClient;
import org.javapxeboot.xman.daemon.XmandFixture;
import org.javapxeboot.xman.portal.fleet.Fleet;
import org.javapxeboot.xman.portal.fleet.HostSnapshot;
import org.javapxeboot.xman.portal.fleet.Hosts;
import org.javapxeboot.xman.portal.fleet.LibvirtStates;
import org.javapxeboot.xman.portal.web.Authenticator;
import org.javapxeboot.xman.portal.web.PortalServer;
import org.javapxeboot.xman.transport.Tls;
import org.javapxeboot.xman.vm.VmControl;

import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.List;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * The portal in this JVM over HTTPS with SPNEGO (service HTTP/localhost, the name the browser asks
 * a ticket for), reading one xmand on the libvirt test driver ({@link XmandFixture}) as a front end
 * that names the user of each action. The poller's clock is {@link #clock}: a test moves it to make
 * rows stale, and reads happen only when the test (or an action) asks for them, so nothing depends
 * on timing.
 */
final class PortalFixture implements AutoCloseable {
    /** The seed's screenshot shows this read time. */
    static final Instant START = Instant.parse("2007-12-07T16:33:17Z");
    /** The node: the fixture's two domains, and one that the destroy test may destroy. */
    static final String NODE = XmandFixture.NODE.replace("</node>", """
              <domain type='test'>
                <name>doomed</name>
                <memory>262144</memory><currentMemory>262144</currentMemory><vcpu>1</vcpu>
                <os><type>hvm</type></os>
              </domain>
            </node>""");
    /** The portal's principal, to xmand: its own service key, as xman-portal uses it. */
    static final String PORTAL = "HTTP/localhost";

    final XmandFixture xmand;
    final MitKdc kdc;
    final ManualClock clock = new ManualClock(START);
    final Fleet fleet;
    final PortalServer portal;
    final Path cert;
    final Duration poll;
    /** True when this xmand trusts the portal to name users (--trust-proxy): then it authorises each user itself. */
    /** Each snapshot with the number of the list call it came from (calls are numbered as they start). */
    private record Polled(long call, HostSnapshot snapshot) {}
    private final LinkedBlockingQueue<Polled> polled = new LinkedBlockingQueue<>();
    private final java.util.concurrent.atomic.AtomicLong listsStarted = new java.util.concurrent.atomic.AtomicLong();
    private final ThreadLocal<Long> listCall = ThreadLocal.withInitial(() -> 0L);

    PortalFixture(Path dir, Duration poll) throws Exception {
        this.poll = poll;
        Files.createDirectories(dir.resolve("xmand"));
        kdc = MitKdc.shared();
        // xmand --trust-proxy <portal>: the overview's reads are the portal's own (a trusted proxy
        // naming nobody may read every domain), every action names the user. The portal is not an
        // administrator: it is not in the .k5login.
        xmand = new XmandFixture(dir.resolve("xmand"), NODE, List.of(kdc.principal(PORTAL)));
        Kerberos.Initiator initiator = new Kerberos.Initiator(Kerberos.login(kdc.keytab(PORTAL), kdc.principal(PORTAL), true));
        XmanClient client = new XmanClient(initiator, Tls.clientContext(List.of(xmand.cert)), null, Duration.ofSeconds(20));
        // The poller's calls, numbered: a snapshot is known to come from a read that started after a given moment.
        Fleet.Caller numbered = (t, op, args) -> {
            if (op == org.javapxeboot.xman.wire.Op.LIST) listCall.set(listsStarted.incrementAndGet());
            return client.call(t, op, args);
        };
        fleet = new Fleet(Hosts.of(List.of("localhost:" + xmand.server.address().getPort())), numbered, clock,
                new LibvirtStates(), 2, snap -> polled.add(new Polled(listCall.get(), snap)));
        Path ks = dir.resolve("portal/portal.p12");
        char[] pw = "portal-test-pw".toCharArray();
        var tls = Tls.serverContext(Tls.loadOrCreate(ks, pw, List.of("localhost", "127.0.0.1")), pw);
        cert = Tls.certificateFile(ks);
        Authenticator auth = Authenticator.spnego(new Kerberos.Acceptor(Kerberos.login(kdc.keytab(PORTAL), kdc.principal(PORTAL), false)));
        portal = new PortalServer(new PortalServer.Settings(new InetSocketAddress("127.0.0.1", 0), tls, 4, poll), fleet, client::call, auth);
        portal.start();
        pollAndWait();
    }

    /** The host's name on the pages. */
    String host() {
        return Fleet.name(fleet.targets().get(0));
    }

    String url(String path) {
        return "https://localhost:" + portal.address().getPort() + path;
    }

    String details(String domain) {
        return url("/domain/" + host() + "/" + domain);
    }

    /** A browser for {@code principal} (null: no ticket) that trusts the portal's certificate. */
    Browser browser(String principal) throws Exception {
        return new Browser(kdc, principal == null ? null : kdc.kinit(principal), List.of(cert), "/static/portal.css");
    }

    /**
     * Reads the host now and waits for a read that started after this call (one already under
     * way may have listed the domains before a change the test just made). 30 s only stops a hang.
     */
    HostSnapshot pollAndWait() throws InterruptedException {
        long after = listsStarted.get();
        long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (System.nanoTime() < end) {
            // A host with a read in flight is skipped by pollOnce: asked again each time an answer arrives.
            fleet.pollOnce();
            Polled p = polled.poll(1, TimeUnit.SECONDS);
            if (p == null || p.call() <= after) continue;
            if (p.snapshot().failure() != null) throw new AssertionError("the portal could not read xmand: " + p.snapshot().failure());
            return p.snapshot();
        }
        throw new AssertionError("no poll answer within 30 s");
    }

    VmControl.DomainState state(String domain) throws Exception {
        return xmand.vm.lookup(domain).state();
    }

    @Override
    public void close() {
        portal.close();
        fleet.close();
        xmand.close();
    }

    /** The poller's and pages' clock: moves only when a test moves it. */
    static final class ManualClock extends Clock {
        private volatile Instant now;

        ManualClock(Instant start) {
            now = start;
        }

        void advance(Duration d) {
            now = now.plus(d);
        }

        @Override
        public ZoneId getZone() {
            return ZoneOffset.UTC;
        }

        @Override
        public Clock withZone(ZoneId zone) {
            throw new UnsupportedOperationException("UTC only");
        }

        @Override
        public Instant instant() {
            return now;
        }
    }
}
