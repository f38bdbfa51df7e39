package org.javapxeboot.xman.daemon;

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
import javax.net.ssl.SSLContext;
import javax.security.auth.login.LoginException;
import org.javapxeboot.xman.auth.K5Login;
import org.javapxeboot.xman.auth.Kerberos;
import org.javapxeboot.xman.transport.Loopback;
import org.javapxeboot.xman.transport.Tls;
import org.javapxeboot.xman.vm.LibvirtVmControl;
import org.javapxeboot.xman.vm.VirtException;
import org.javapxeboot.xman.vm.VmControl;

/**
 * Starting xmand from its settings: check them, log in from the keytab, load or create the TLS
 * keystore, connect to libvirt, serve, and stop cleanly on SIGTERM. {@link XmandMain} only turns
 * the command line into a {@link Config}.
 */
public final class Xmand {
    /** Request headers at most, and their total size: a Negotiate token is a few KiB. */
    static final int MAX_REQUEST_HEADERS = 64, MAX_REQUEST_HEADER_BYTES = 64 * 1024;

    /**
     * Every setting of the daemon, as its flags give them (docs/xman.md lists each with its default).
     * {@code tlsPassword} null means the built-in one; {@code principal}, {@code hostName},
     * {@code tlsNames} and {@code hypervisorLog} null mean "derive it" / none.
     */
    public record Config(String listen, String connect, Path keytab, String principal, Path k5login, String syslog,
            Path log, Path hypervisorLog, String hostName, Path tlsKeystore, String tlsPassword, List<String> tlsNames,
            boolean noTls, boolean insecureNoAuth, int maxRequestBytes, int maxConnections, int idleTimeout,
            int requestTimeout, int opTimeout, int migrateTimeout, int opThreads, int maxQueued, int threads, int maxThreads,
            List<String> trustProxies, int sessionLifetime) {
        public Config {
            trustProxies = trustProxies == null ? List.of() : List.copyOf(trustProxies);
        }
    }

    /** The longest --session-lifetime: how long a revoked or expired ticket's session may still work. */
    public static final int MAX_SESSION_LIFETIME = 3600;

    private Xmand() {
    }

    /**
     * The JDK HTTP server reads its limits once, from system properties, when its classes load;
     * set them before the first HttpServer is made.
     */
    static void serverLimits(int maxConnections, int idleSeconds, int requestSeconds) {
        serverLimits(maxConnections, idleSeconds, requestSeconds, (int) XmandServer.Limits.DEFAULT.migrateTimeout().toSeconds());
    }

    /**
     * {@code longestOpSeconds}: the JDK closes a connection whose answer is not complete this long
     * (sun.net.httpserver.maxRspTime) after its request was read, so it must outlast the longest
     * operation deadline, or a migrate would be cut off at 30 s with its domain still locked.
     */
    static void serverLimits(int maxConnections, int idleSeconds, int requestSeconds, int longestOpSeconds) {
        System.setProperty("jdk.httpserver.maxConnections", Integer.toString(maxConnections));
        System.setProperty("sun.net.httpserver.idleInterval", Integer.toString(idleSeconds));
        System.setProperty("sun.net.httpserver.maxReqTime", Integer.toString(requestSeconds));
        System.setProperty("sun.net.httpserver.maxRspTime", Integer.toString(Math.max(requestSeconds, longestOpSeconds + 30)));
        // The names JDK 17's sun.net.httpserver.ServerConfig reads (its defaults: 200 headers, 380 KiB).
        // Size counts each header's name and value plus 32 bytes; past it the JDK drops the connection.
        System.setProperty("sun.net.httpserver.maxReqHeaders", Integer.toString(MAX_REQUEST_HEADERS));
        System.setProperty("sun.net.httpserver.maxReqHeaderSize", Integer.toString(MAX_REQUEST_HEADER_BYTES));
        // Nagle would hold the small Negotiate-carrying answers back (DESIGN.md, library notes).
        System.setProperty("sun.net.httpserver.nodelay", "true");
        System.setProperty("sun.net.httpserver.clockTick", "1000");
        System.setProperty("sun.net.httpserver.timerMillis", "1000");
    }

    /**
     * Checks the settings, then serves until the JVM is asked to stop. Returns the exit status:
     * 0 stopped, 1 could not start (keytab, keystore, libvirt), 2 bad settings. Messages go to {@code err}.
     */
    public static int serve(Config c, PrintStream err) {
        if (c.maxRequestBytes() < 1024 || c.threads() < 1 || c.maxThreads() < c.threads() || c.maxConnections() < 1 || c.idleTimeout() < 1 || c.requestTimeout() < 1) {
            err.println("xmand: --max-request-bytes must be >= 1024, --max-threads >= --threads, and --threads, --max-connections, --idle-timeout, --request-timeout >= 1");
            return 2;
        }
        if (c.sessionLifetime() < 0 || c.sessionLifetime() > MAX_SESSION_LIFETIME) {
            err.println("xmand: --session-lifetime must be 0 (no sessions: Negotiate on every request) to " + MAX_SESSION_LIFETIME + " seconds");
            return 2;
        }
        if (c.opTimeout() < 1 || c.migrateTimeout() < 1 || c.opThreads() < 1 || c.maxQueued() < 1) {
            err.println("xmand: --op-timeout, --migrate-timeout, --op-threads and --max-queued must be >= 1");
            return 2;
        }
        for (String p : c.trustProxies()) {
            if (!org.javapxeboot.xman.wire.DomainMetadata.validOwner(p)) {
                err.println("xmand: --trust-proxy " + org.javapxeboot.xman.wire.Protocol.printable(p) + ": not a Kerberos principal name@REALM");
                return 2;
            }
        }
        if (!c.trustProxies().isEmpty() && c.insecureNoAuth()) {
            err.println("xmand: --trust-proxy needs Kerberos: with --insecure-no-auth no proxy can be told apart from anyone else");
            return 2;
        }
        InetSocketAddress addr;
        try {
            addr = parseListen(c.listen());
        } catch (IllegalArgumentException e) {
            err.println("xmand: --listen " + c.listen() + ": " + e.getMessage());
            return 2;
        }
        if ((c.noTls() || c.insecureNoAuth()) && !Loopback.only(addr)) {
            err.println(Loopback.refusal("xmand", Loopback.flags(c.noTls(), c.insecureNoAuth()), "--listen " + c.listen()));
            return 2;
        }
        Kerberos.useKrb5ConfigEnv();
        serverLimits(c.maxConnections(), c.idleTimeout(), c.requestTimeout(), Math.max(c.opTimeout(), c.migrateTimeout()));
        String name = c.hostName() != null ? c.hostName() : localName();
        if (c.insecureNoAuth()) {
            err.println("xmand: WARNING: --insecure-no-auth: ANYONE who can reach " + c.listen() + " controls every VM on this host");
        }
        if (c.noTls()) err.println("xmand: WARNING: --no-tls: requests and answers travel unencrypted");
        try (Audit audit = new Audit(Audit.openLog(c.log()), Syslog.open(c.syslog()), Clock.systemUTC(), name)) {
            Kerberos.Acceptor acceptor = null;
            if (!c.insecureNoAuth()) {
                try {
                    // --host-name is how clients name this host, so it is the name in the principal they ask for.
                    acceptor = acceptor(c, name, audit, err);
                } catch (IOException e) {
                    err.println("xmand: " + e.getMessage());
                    return 1;
                }
            }
            SSLContext tls = null;
            if (!c.noTls()) {
                char[] pw = (c.tlsPassword() != null ? c.tlsPassword() : Tls.DEFAULT_PASSWORD).toCharArray();
                List<String> names = c.tlsNames() != null ? c.tlsNames() : new ArrayList<>(List.of("localhost", "127.0.0.1", "::1", name));
                tls = Tls.serverContext(Tls.loadOrCreate(c.tlsKeystore(), pw, names), pw);
            }
            try (VmControl vm = new LibvirtVmControl(c.connect())) {
                XmandServer server = new XmandServer(new XmandServer.Settings(addr, name, c.maxRequestBytes(), c.threads(), c.maxThreads(), tls, c.insecureNoAuth(), c.hypervisorLog(),
                        c.connect().startsWith("test:"), new XmandServer.Limits(Duration.ofSeconds(c.opTimeout()),
                        Duration.ofSeconds(c.migrateTimeout()), c.opThreads(), c.maxQueued()), c.trustProxies(), Duration.ofSeconds(c.sessionLifetime())),
                        vm, acceptor, new K5Login(c.k5login()), audit);
                server.start();
                err.println("xmand: listening on " + XmandServer.addr(server.address()) + (tls != null
                        ? " (https, certificate " + Tls.certificateFile(c.tlsKeystore()) + ")" : " (http)"));
                CountDownLatch stop = new CountDownLatch(1);
                Runtime.getRuntime().addShutdownHook(new Thread(() -> {
                    audit.note("xmand stopping");
                    server.close();
                    stop.countDown();
                }));
                stop.await();
            }
            return 0;
        } catch (VirtException e) {
            err.println("xmand: libvirt " + c.connect() + ": " + e.getMessage());
            return 1;
        } catch (IOException | GeneralSecurityException e) {
            err.println("xmand: " + e.getMessage());
            return 1;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return 1;
        }
    }

    /**
     * The service principal xmand accepts tickets for: --principal, else HTTP/ + the canonical host
     * name (what curl --negotiate and rxm ask the KDC for), in the default realm. '*' binds to every
     * key in the keytab, so a ticket for any service sharing the keytab (host/, nfs/...) would be
     * accepted: allowed only when asked for by name.
     */
    static String servicePrincipal(String flag, String canonicalHostName) {
        return flag != null ? flag : "HTTP/" + canonicalHostName;
    }

    /** Logs in from the keytab as the service principal; the error names the keytab and the principal. */
    static Kerberos.Acceptor acceptor(Config c, String canonicalHostName, Audit audit, PrintStream err) throws IOException {
        String service = servicePrincipal(c.principal(), canonicalHostName);
        if (service.equals("*")) {
            String w = "WARNING: --principal '*': every key in " + c.keytab() + " is accepted, so a ticket for ANY service in it "
                    + "(host/, nfs/, ...) authenticates; give the HTTP/ principal instead";
            err.println("xmand: " + w);
            if (audit != null) audit.note(w);
        }
        String problem = Kerberos.checkKeytab(c.keytab(), service);
        if (problem != null) throw new IOException(problem + (c.principal() == null ? " (the default --principal; give --principal HTTP/NAME@REALM)" : ""));
        try {
            return new Kerberos.Acceptor(Kerberos.login(c.keytab(), service, false));
        } catch (LoginException e) {
            throw new IOException("cannot use keytab " + c.keytab() + " for " + service + ": " + e.getMessage(), e);
        }
    }

    /** {@code ADDR:PORT} ({@code [v6]:PORT}; an empty address is every interface) as xmand and the portal take it. */
    public static InetSocketAddress parseListen(String s) {
        int colon = s.lastIndexOf(':');
        if (colon < 0) throw new IllegalArgumentException("expected ADDR:PORT");
        String host = s.substring(0, colon);
        if (host.startsWith("[") && host.endsWith("]")) host = host.substring(1, host.length() - 1);
        int port;
        try {
            port = Integer.parseInt(s.substring(colon + 1));
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("the port is not a number");
        }
        if (port < 0 || port > 65535) throw new IllegalArgumentException("port out of range");
        return new InetSocketAddress(host.isEmpty() ? "0.0.0.0" : host, port);
    }

    static String localName() {
        try {
            return InetAddress.getLocalHost().getCanonicalHostName();
        } catch (IOException e) {
            return "localhost";
        }
    }
}
