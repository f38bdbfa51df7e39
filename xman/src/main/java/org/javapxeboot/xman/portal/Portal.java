package org.javapxeboot.xman.portal;

import org.javapxeboot.xman.auth.K5Login;
import org.javapxeboot.xman.auth.Kerberos;
import org.javapxeboot.xman.client.XmanClient;
import org.javapxeboot.xman.portal.fleet.BatchStates;
import org.javapxeboot.xman.portal.fleet.Fleet;
import org.javapxeboot.xman.portal.fleet.Hosts;
import org.javapxeboot.xman.portal.fleet.LibvirtStates;
import org.javapxeboot.xman.portal.fleet.StateView;
import org.javapxeboot.xman.portal.state.JobSources;
import org.javapxeboot.xman.portal.web.Authenticator;
import org.javapxeboot.xman.portal.web.PortalServer;
import org.javapxeboot.xman.transport.Loopback;
import org.javapxeboot.xman.transport.Tls;

import javax.net.ssl.SSLContext;
import java.io.IOException;
import java.io.PrintStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * Starting the portal from its settings: check them, log in from the keytab (as the service the
 * browsers authenticate to, and as the client xmand knows by name), load or create the TLS
 * keystore, poll the hosts and serve. {@link PortalMain} only turns the command line into a
 * {@link Config}; docs/portal.md lists every setting with its default.
 */
public final class Portal {
    public static final String DEFAULT_LISTEN = "127.0.0.1:8741";
    /** Longest time a browser may take to send one request (line, headers, body), as xmand's default. */
    static final int REQUEST_SECONDS = 10;
    /** An idle kept-alive connection is closed after this long. */
    static final int IDLE_SECONDS = 30;

    /**
     * @param xmand      hosts from --xmand (empty when a hosts file is given)
     * @param hostsFile  --hosts-file, or null
     * @param principal  the portal's principal (null: HTTP/this host's canonical name)
     * @param xmandPrincipal xmand's principal (null: HTTP@host, as rxm)
     * @param k5login    who may use the portal at all (null: every authenticated user; xmand decides what they may do)
     * @param cacert     xmand's certificates (null: as rxm, $XMAN_CACERT, ~/.xman/ca.pem, the JDK's)
     * @param jobSource  --job-source (pbs, slurm, json:FILE), or null: libvirt's states
     */
    public record Config(List<String> xmand, Path hostsFile, String listen, Path keytab, String principal, String xmandPrincipal,
                         Path k5login, Path tlsKeystore, String tlsPassword, List<Path> cacert, int pollSeconds, int hostTimeoutSeconds,
                         boolean noTls, boolean insecureNoAuth, int threads, int pollThreads, String jobSource) {}

    /** The state view the settings ask for: METACentrum's states with a job source, else libvirt's. */
    public static StateView view(Config c) {
        return c.jobSource() == null ? new LibvirtStates() : new BatchStates(JobSources.of(c.jobSource()));
    }

    private Portal() {}

    /** Serves until the JVM stops. Exit status: 0 stopped, 1 could not start, 2 bad settings. */
    public static int serve(Config c, PrintStream err) {
        try (Running r = start(c, view(c), err)) {
            err.println("xman-portal: " + r.url() + " (" + r.hostCount() + " xmand hosts, read every " + c.pollSeconds() + " s)");
            CountDownLatch stop = new CountDownLatch(1);
            Runtime.getRuntime().addShutdownHook(new Thread(stop::countDown));
            stop.await();
            return 0;
        } catch (IllegalArgumentException e) {
            err.println("xman-portal: " + e.getMessage());
            return 2;
        } catch (IOException | GeneralSecurityException e) {
            err.println("xman-portal: " + e.getMessage());
            return 1;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return 1;
        }
    }

    /** A started portal: its server, its poller and their timer. */
    public record Running(PortalServer server, Fleet fleet, ScheduledExecutorService timer, boolean tls) implements AutoCloseable {
        public String url() {
            InetSocketAddress a = server.address();
            String h = a.getAddress().getHostAddress();
            return (tls ? "https://" : "http://") + (h.contains(":") ? "[" + h + "]" : h) + ":" + a.getPort() + "/";
        }

        public int hostCount() {
            return fleet.targets().size();
        }

        @Override
        public void close() {
            timer.shutdownNow();
            server.close();
            fleet.close();
        }
    }

    /**
     * The JDK HTTP server's deadlines. It reads a request's line and headers on a worker thread and,
     * by default, waits for ever: without these, --threads unauthenticated connections that send
     * their headers slowly would stop the portal. Read once per JVM, when the first server is made,
     * so this runs before any. An answer may take as long as a migrate plus the portal's margin.
     */
    static void serverLimits() {
        System.setProperty("sun.net.httpserver.maxReqTime", Integer.toString(REQUEST_SECONDS));
        System.setProperty("sun.net.httpserver.idleInterval", Integer.toString(IDLE_SECONDS));
        System.setProperty("sun.net.httpserver.maxRspTime",
                Long.toString(org.javapxeboot.xman.wire.Op.Deadline.MIGRATE.byDefault.toSeconds() + 120));
        System.setProperty("sun.net.httpserver.clockTick", "1000");
        System.setProperty("sun.net.httpserver.timerMillis", "1000");
    }

    /** Checks the settings and starts everything; bad settings throw IllegalArgumentException with the flag named. */
    public static Running start(Config c, StateView view, PrintStream err) throws IOException, GeneralSecurityException {
        serverLimits();
        if (c.pollSeconds() < 1 || c.hostTimeoutSeconds() < 1 || c.threads() < 1 || c.pollThreads() < 1) {
            throw new IllegalArgumentException("--poll, --host-timeout, --threads and --poll-threads must be >= 1");
        }
        if ((c.xmand() == null || c.xmand().isEmpty()) == (c.hostsFile() == null)) {
            throw new IllegalArgumentException("give the xmand hosts with either --xmand HOST[:PORT],... or --hosts-file FILE");
        }
        InetSocketAddress listen = listen(c.listen());
        if ((c.noTls() || c.insecureNoAuth()) && !Loopback.only(listen)) {
            throw new IllegalArgumentException(Loopback.refusal("xman-portal", Loopback.flags(c.noTls(), c.insecureNoAuth()), "--listen " + c.listen()).substring("xman-portal: ".length()));
        }
        Hosts hosts = c.hostsFile() != null ? Hosts.file(c.hostsFile(), m -> err.println("xman-portal: " + m)) : Hosts.of(c.xmand());
        if (c.noTls() || c.insecureNoAuth()) {
            // As rxm: no clear text or unauthenticated calls leave this machine.
            for (XmanClient.Target t : hosts.current()) {
                if (!Loopback.only(t.host())) throw new IllegalArgumentException(Loopback.refusal("xman-portal", Loopback.flags(c.noTls(), c.insecureNoAuth()), "xmand host " + t).substring("xman-portal: ".length()));
            }
        }
        Kerberos.useKrb5ConfigEnv();
        if (c.insecureNoAuth()) err.println("xman-portal: WARNING: --insecure-no-auth: anyone who can reach " + c.listen() + " acts on the xmand hosts as the portal");
        if (c.noTls()) err.println("xman-portal: WARNING: --no-tls: pages and actions travel unencrypted");
        Authenticator auth = Authenticator.NONE;
        Kerberos.Initiator initiator = null;
        if (!c.insecureNoAuth()) {
            String service = c.principal() != null ? c.principal() : "HTTP/" + InetAddress.getLocalHost().getCanonicalHostName();
            String problem = Kerberos.checkKeytab(c.keytab(), service);
            if (problem != null) throw new IOException(problem + (c.principal() == null ? " (the default --principal; give --principal HTTP/NAME@REALM)" : ""));
            auth = Authenticator.spnego(new Kerberos.Acceptor(Kerberos.login(c.keytab(), service, false)));
            initiator = new Kerberos.Initiator(Kerberos.login(c.keytab(), service, true));
            if (c.k5login() != null) auth = Authenticator.listed(auth, new K5Login(c.k5login()));
        }
        SSLContext serverTls = null, clientTls = null;
        if (!c.noTls()) {
            char[] pw = (c.tlsPassword() != null ? c.tlsPassword() : Tls.DEFAULT_PASSWORD).toCharArray();
            List<String> names = new ArrayList<>(List.of("localhost", "127.0.0.1", "::1", InetAddress.getLocalHost().getCanonicalHostName()));
            serverTls = Tls.serverContext(Tls.loadOrCreate(c.tlsKeystore(), pw, names), pw);
            List<Path> ca = c.cacert() != null ? c.cacert() : XmanClient.defaultCaCerts();
            clientTls = ca != null ? Tls.clientContext(ca) : javax.net.ssl.SSLContext.getDefault();
        }
        XmanClient client = new XmanClient(initiator, clientTls, c.xmandPrincipal(), Duration.ofSeconds(c.hostTimeoutSeconds()));
        // Actions (migrate above all) may take far longer than a poll: their own client, xmand's deadlines plus a minute.
        // The details pages' reads use the hosts' deadline: a host that does not answer must not hold a request thread for long.
        XmanClient actions = new XmanClient(initiator, clientTls, c.xmandPrincipal(), org.javapxeboot.xman.wire.Op.Deadline.MIGRATE.byDefault.plusSeconds(60));
        Duration poll = Duration.ofSeconds(c.pollSeconds());
        Fleet fleet = new Fleet(hosts, client::call, Clock.systemUTC(), view, c.pollThreads(), s -> { });
        PortalServer server = new PortalServer(new PortalServer.Settings(listen, serverTls, c.threads(), poll), fleet, client::call, actions::call, auth);
        ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "portal-timer");
            t.setDaemon(true);
            return t;
        });
        // The job source (if any) is read first, on this timer: its command's own deadline (20 s)
        // bounds it; the hosts are then read concurrently, each with its own deadline.
        timer.scheduleWithFixedDelay(() -> {
            view.refresh();
            fleet.pollOnce();
        }, 0, c.pollSeconds(), TimeUnit.SECONDS);
        Signals.onHangup(hosts::reload);
        server.start();
        return new Running(server, fleet, timer, serverTls != null);
    }

    static InetSocketAddress listen(String s) {
        try {
            return org.javapxeboot.xman.daemon.Xmand.parseListen(s);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("--listen " + s + ": " + e.getMessage());
        }
    }
}
