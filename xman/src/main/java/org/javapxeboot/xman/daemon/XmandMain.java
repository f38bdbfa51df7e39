package org.javapxeboot.xman.daemon;

import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import org.javapxeboot.xman.config.ConfigFile;
import org.javapxeboot.xman.vm.LibvirtVmControl;
import org.javapxeboot.xman.wire.Protocol;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * bin/xmand: the per-host daemon's command line. It parses the flags and hands them to
 * {@link Xmand#serve}; every option and its default is listed in docs/xman.md.
 */
@Command(name = "xmand", mixinStandardHelpOptions = true, sortOptions = false,
        description = "Remote VM control over libvirt: HTTPS + Kerberos (SPNEGO), authorised by .k5login and the domains' owners, audited to syslog.")
public final class XmandMain implements Callable<Integer> {
    public static final int DEFAULT_PORT = Protocol.DEFAULT_PORT;
    /** The settings file read when --config is not given (if it exists). */
    public static final Path DEFAULT_CONFIG = Path.of("/etc/xman/xmand.conf");

    @Option(names = ConfigFile.OPTION, paramLabel = "FILE", description = "Settings file: 'key = value' lines, each key a long option's name without --; "
            + "options given on the command line override it. Refused when a user other than root could change it (default: " + "/etc/xman/xmand.conf" + ", if it exists).")
    Path config;

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

    @Option(names = "--trust-proxy", split = ",", paramLabel = "PRINC", description = "A front end's Kerberos principal (e.g. the web portal's) whose requests may name the user "
            + "they are for in the " + Protocol.ON_BEHALF_HEADER + " header; xmand then authorises and audits that user. Repeatable or comma-separated; the header from anyone else "
            + "is refused. Keep such a principal out of --k5login: without the header it acts as itself (default: none).")
    List<String> trustProxies = new java.util.ArrayList<>();

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

    @Option(names = "--session-lifetime", paramLabel = "SECONDS", description = "After a successful Negotiate over TLS, hand out a signed session cookie "
            + "bound to that TLS session, good for this long (also if the Kerberos ticket ends sooner: the JDK does not tell its end time), so the client's next requests need no new authenticator; "
            + "0: Negotiate on every request (default: ${DEFAULT-VALUE}).")
    int sessionLifetime = (int) XmandServer.Settings.DEFAULT_SESSION_LIFETIME.toSeconds();

    @Option(names = "--threads", description = "Worker threads kept (default: ${DEFAULT-VALUE}).")
    int threads = 16;

    @Option(names = "--max-threads", description = "Worker threads at most, while slow clients hold some (default: ${DEFAULT-VALUE}).")
    int maxThreads = 256;

    public static void main(String[] args) {
        System.exit(run(args));
    }

    public static int run(String... args) {
        CommandLine cl = new CommandLine(new XmandMain());
        String bad = ConfigFile.apply(cl, DEFAULT_CONFIG, args);
        if (bad != null) {
            System.err.println("xmand: " + bad);
            return 2;
        }
        return cl.execute(args);
    }

    /** The flags as xmand's settings. */
    Xmand.Config config() {
        return new Xmand.Config(listen, connect, keytab, principal, k5login, syslog, log, hypervisorLog, hostName,
                tlsKeystore, tlsPassword != null ? tlsPassword : System.getenv().getOrDefault("XMAND_TLS_PASSWORD", null),
                tlsNames, noTls, insecureNoAuth, maxRequestBytes, maxConnections, idleTimeout, requestTimeout,
                opTimeout, migrateTimeout, opThreads, maxQueued, threads, maxThreads, trustProxies, sessionLifetime);
    }

    @Override
    public Integer call() {
        return Xmand.serve(config(), System.err);
    }
}
