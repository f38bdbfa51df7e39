package org.javapxeboot.xman.daemon;

import org.javapxeboot.xman.transport.Loopback;
import org.javapxeboot.xman.transport.Tls;
import org.javapxeboot.xman.auth.K5Login;
import org.javapxeboot.xman.auth.Kerberos;

import org.javapxeboot.xman.vm.LibvirtVmControl;
import org.javapxeboot.xman.vm.VirtException;
import org.javapxeboot.xman.vm.VmControl;
import org.javapxeboot.xman.wire.Protocol;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import javax.net.ssl.SSLContext;
import javax.security.auth.login.LoginException;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;

/** bin/xmand: the per-host daemon. Every option and its default is listed in docs/xman.md. */
@Command(name = "xmand", mixinStandardHelpOptions = true, sortOptions = false,
        description = "Remote VM control over libvirt: HTTPS + Kerberos (SPNEGO), authorised by .k5login, audited to syslog.")
public final class XmandMain implements Callable<Integer> {
    public static final int DEFAULT_PORT = Protocol.DEFAULT_PORT;
    /** Request headers at most, and their total size: a Negotiate token is a few KiB. */
    static final int MAX_REQUEST_HEADERS = 64, MAX_REQUEST_HEADER_BYTES = 64 * 1024;

    @Option(names = "--listen", paramLabel = "ADDR:PORT", description = "Address to listen on (default: ${DEFAULT-VALUE}).")
    String listen = "127.0.0.1:" + DEFAULT_PORT;

    @Option(names = "--connect", paramLabel = "URI", description = "libvirt connection URI (default: ${DEFAULT-VALUE}).")
    String connect = LibvirtVmControl.DEFAULT_URI;

    @Option(names = "--keytab", paramLabel = "FILE", description = "Keytab with the service key (default: ${DEFAULT-VALUE}).")
    Path keytab = Path.of("/etc/krb5.keytab");

    @Option(names = "--principal", paramLabel = "PRINC", description = "Service principal, e.g. HTTP/host@REALM (default: HTTP/<--host-name, else this host's canonical name> in the default realm, "
            + "the name SPNEGO clients ask for). '*' accepts any key in the keytab, i.e. any service's ticket: only when given explicitly, with a warning.")
    String principal;

    @Option(names = "--k5login", paramLabel = "FILE", description = "Administrators allowed, one principal per line (default: ${DEFAULT-VALUE}).")
    Path k5login = Path.of("/root/.k5login");

    @Option(names = "--syslog", paramLabel = "SPEC", description = "unix:PATH, udp:HOST[:PORT] or off (default: ${DEFAULT-VALUE}).")
    String syslog = "unix:/dev/log";

    @Option(names = "--log", paramLabel = "FILE", description = "Daemon log with the audit lines; - is stderr (default: ${DEFAULT-VALUE}).")
    Path log = Path.of("/var/log/xmand.log");

    @Option(names = "--hypervisor-log", paramLabel = "FILE", description = "The hypervisor's own log, whose last lines dmesg adds (e.g. /var/log/xen/xend.log; default: none).")
    Path hypervisorLog;

    @Option(names = "--host-name", paramLabel = "NAME", description = "Name reported in answers and syslog (default: this host's name).")
    String hostName;

    @Option(names = "--tls-keystore", paramLabel = "FILE", description = "PKCS#12 keystore; created self-signed at first start, certificate in FILE.crt (default: ${DEFAULT-VALUE}).")
    Path tlsKeystore = Path.of("/var/lib/xmand/xmand.p12");

    @Option(names = "--tls-password", paramLabel = "PW", description = "Keystore password (default: $XMAND_TLS_PASSWORD, else 'xmand-tls'). The built-in or an empty password is refused "
            + "when the keystore is readable by group or others; a created keystore is mode 0600.")
    String tlsPassword;

    @Option(names = "--tls-names", split = ",", paramLabel = "NAME", description = "Subject alternative names of a created certificate (default: localhost,127.0.0.1,::1,this host's name).")
    List<String> tlsNames;

    @Option(names = "--no-tls", description = "Plain HTTP: requests and answers travel in clear text. Loopback testing only: refused unless --listen is a loopback address.")
    boolean noTls;

    @Option(names = "--insecure-no-auth", description = "Accept every request without Kerberos. NEVER on a real host; loopback testing only: refused unless --listen is a loopback address.")
    boolean insecureNoAuth;

    @Option(names = "--max-request-bytes", description = "Largest request body (default: ${DEFAULT-VALUE}).")
    int maxRequestBytes = 1 << 20;

    @Option(names = "--max-connections", description = "Open connections at once; more are closed at accept (default: ${DEFAULT-VALUE}).")
    int maxConnections = 4096;

    @Option(names = "--idle-timeout", paramLabel = "SECONDS", description = "Close connections idle this long, including ones that never sent a byte (default: ${DEFAULT-VALUE}).")
    int idleTimeout = 30;

    @Option(names = "--request-timeout", paramLabel = "SECONDS", description = "Longest time to receive one request (default: ${DEFAULT-VALUE}).")
    int requestTimeout = 10;

    @Option(names = "--op-timeout", paramLabel = "SECONDS", description = "Longest time for an operation other than migrate: waiting for its domain, "
            + "for a libvirt thread, and the libvirt call; then the request answers 504 and the domain is free again (default: ${DEFAULT-VALUE}).")
    int opTimeout = (int) XmandServer.Limits.DEFAULT.opTimeout().toSeconds();

    @Option(names = "--migrate-timeout", paramLabel = "SECONDS", description = "The same for migrate (default: ${DEFAULT-VALUE}).")
    int migrateTimeout = (int) XmandServer.Limits.DEFAULT.migrateTimeout().toSeconds();

    @Option(names = "--op-threads", description = "libvirt calls at once (default: ${DEFAULT-VALUE}).")
    int opThreads = XmandServer.Limits.DEFAULT.opThreads();

    @Option(names = "--max-queued", description = "Operations waiting for a libvirt thread; past this a request answers 503 with Retry-After (default: ${DEFAULT-VALUE}).")
    int maxQueued = XmandServer.Limits.DEFAULT.maxQueued();

    @Option(names = "--threads", description = "Worker threads kept (default: ${DEFAULT-VALUE}).")
    int threads = 16;

    @Option(names = "--max-threads", description = "Worker threads at most, while slow clients hold some (default: ${DEFAULT-VALUE}).")
    int maxThreads = 256;

    public static void main(String[] args) {
        System.exit(run(args));
    }

    public static int run(String... args) {
        return new CommandLine(new XmandMain()).execute(args);
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

    @Override
    public Integer call() {
        if (maxRequestBytes < 1024 || threads < 1 || maxThreads < threads || maxConnections < 1 || idleTimeout < 1 || requestTimeout < 1) {
            System.err.println("xmand: --max-request-bytes must be >= 1024, --max-threads >= --threads, and --threads, --max-connections, --idle-timeout, --request-timeout >= 1");
            return 2;
        }
        if (opTimeout < 1 || migrateTimeout < 1 || opThreads < 1 || maxQueued < 1) {
            System.err.println("xmand: --op-timeout, --migrate-timeout, --op-threads and --max-queued must be >= 1");
            return 2;
        }
        InetSocketAddress addr;
        try {
            addr = parseListen(listen);
        } catch (IllegalArgumentException e) {
            System.err.println("xmand: --listen " + listen + ": " + e.getMessage());
            return 2;
        }
        if ((noTls || insecureNoAuth) && !Loopback.only(addr)) {
            System.err.println(Loopback.refusal("xmand", Loopback.flags(noTls, insecureNoAuth), "--listen " + listen));
            return 2;
        }
        Kerberos.useKrb5ConfigEnv();
        serverLimits(maxConnections, idleTimeout, requestTimeout, Math.max(opTimeout, migrateTimeout));
        String name = hostName != null ? hostName : localName();
        if (insecureNoAuth) {
            System.err.println("xmand: WARNING: --insecure-no-auth: ANYONE who can reach " + listen + " controls every VM on this host");
        }
        if (noTls) System.err.println("xmand: WARNING: --no-tls: requests and answers travel unencrypted");
        try (Audit audit = new Audit(Audit.openLog(log), Syslog.open(syslog), Clock.systemUTC(), name)) {
            Kerberos.Acceptor acceptor = null;
            if (!insecureNoAuth) {
                try {
                    // --host-name is how clients name this host, so it is the name in the principal they ask for.
                    acceptor = acceptor(name, audit);
                } catch (IOException e) {
                    System.err.println("xmand: " + e.getMessage());
                    return 1;
                }
            }
            SSLContext tls = null;
            if (!noTls) {
                char[] pw = (tlsPassword != null ? tlsPassword : System.getenv().getOrDefault("XMAND_TLS_PASSWORD", Tls.DEFAULT_PASSWORD)).toCharArray();
                List<String> names = tlsNames != null ? tlsNames : new ArrayList<>(List.of("localhost", "127.0.0.1", "::1", name));
                tls = Tls.serverContext(Tls.loadOrCreate(tlsKeystore, pw, names), pw);
            }
            try (VmControl vm = new LibvirtVmControl(connect)) {
                XmandServer server = new XmandServer(new XmandServer.Settings(addr, name, maxRequestBytes, threads, maxThreads, tls, insecureNoAuth, hypervisorLog,
                        connect.startsWith("test:"), new XmandServer.Limits(java.time.Duration.ofSeconds(opTimeout),
                        java.time.Duration.ofSeconds(migrateTimeout), opThreads, maxQueued)),
                        vm, acceptor, new K5Login(k5login), audit);
                server.start();
                System.err.println("xmand: listening on " + XmandServer.addr(server.address()) + (tls != null
                        ? " (https, certificate " + Tls.certificateFile(tlsKeystore) + ")" : " (http)"));
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
            System.err.println("xmand: libvirt " + connect + ": " + e.getMessage());
            return 1;
        } catch (IOException | GeneralSecurityException e) {
            System.err.println("xmand: " + e.getMessage());
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
    Kerberos.Acceptor acceptor(String canonicalHostName, Audit audit) throws IOException {
        String service = servicePrincipal(principal, canonicalHostName);
        if (service.equals("*")) {
            String w = "WARNING: --principal '*': every key in " + keytab + " is accepted, so a ticket for ANY service in it "
                    + "(host/, nfs/, ...) authenticates; give the HTTP/ principal instead";
            System.err.println("xmand: " + w);
            if (audit != null) audit.note(w);
        }
        String problem = Kerberos.checkKeytab(keytab, service);
        if (problem != null) throw new IOException(problem + (principal == null ? " (the default --principal; give --principal HTTP/NAME@REALM)" : ""));
        try {
            return new Kerberos.Acceptor(Kerberos.login(keytab, service, false));
        } catch (LoginException e) {
            throw new IOException("cannot use keytab " + keytab + " for " + service + ": " + e.getMessage(), e);
        }
    }

    static InetSocketAddress parseListen(String s) {
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
