package org.javapxeboot.xman.portal;

import org.javapxeboot.xman.config.ConfigFile;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;

/**
 * bin/xman-portal: the web portal's command line. It parses the flags and hands them to
 * {@link Portal#serve} (or {@link Demo#run} with --demo); docs/portal.md lists every flag.
 */
@Command(name = "xman-portal", mixinStandardHelpOptions = true, sortOptions = false,
        description = "Web portal over many xmand hosts: every host and domain at a glance, details and actions. HTTPS + Kerberos (Negotiate).")
public final class PortalMain implements Callable<Integer> {
    /** The settings file read when --config is not given (if it exists). */
    public static final Path DEFAULT_CONFIG = Path.of("/etc/xman/portal.conf");

    @Option(names = ConfigFile.OPTION, paramLabel = "FILE", description = "Settings file: 'key = value' lines, each key a long option's name without --; "
            + "options given on the command line override it. Refused when a user other than root or the portal's could change it (default: /etc/xman/portal.conf, if it exists).")
    Path config;

    @Option(names = "--xmand", split = ",", paramLabel = "HOST[:PORT]", description = "The xmand hosts to read (port default 8740).")
    List<String> xmand;

    @Option(names = "--hosts-file", paramLabel = "FILE", description = "The xmand hosts, one HOST[:PORT] a line, '#' comments; re-read when it changes and on SIGHUP.")
    Path hostsFile;

    @Option(names = "--listen", paramLabel = "ADDR:PORT", description = "Address to serve the pages on (default: ${DEFAULT-VALUE}).")
    String listen = Portal.DEFAULT_LISTEN;

    @Option(names = "--keytab", paramLabel = "FILE", description = "Keytab with the portal's key, used to accept browsers and to call xmand (default: ${DEFAULT-VALUE}).")
    Path keytab = Path.of("/etc/xman-portal.keytab");

    @Option(names = "--principal", paramLabel = "PRINC", description = "The portal's principal: browsers ask for it, xmand --trust-proxy names it (default: HTTP/<this host's canonical name>).")
    String principal;

    @Option(names = "--xmand-principal", paramLabel = "PRINC", description = "xmand's principal (default: HTTP/<host> in the default realm, as rxm).")
    String xmandPrincipal;

    @Option(names = "--k5login", paramLabel = "FILE", description = "Only these principals may use the portal (default: none: every authenticated user; xmand decides what each may do).")
    Path k5login;

    @Option(names = "--tls-keystore", paramLabel = "FILE", description = "PKCS#12 keystore; created self-signed at first start, certificate in FILE.crt (default: ${DEFAULT-VALUE}).")
    Path tlsKeystore = Path.of("/var/lib/xman-portal/portal.p12");

    @Option(names = "--tls-password", paramLabel = "PW", description = "Keystore password (default: $XMAN_PORTAL_TLS_PASSWORD, else the built-in one).")
    String tlsPassword;

    @Option(names = "--cacert", split = ",", paramLabel = "FILE", description = "PEM certificate(s) of the xmand hosts (default: $XMAN_CACERT, else ~/.xman/ca.pem, else the JDK's CAs).")
    List<Path> cacert;

    @Option(names = "--poll", paramLabel = "SECONDS", description = "Read every host this often; rows older than two polls grey (default: ${DEFAULT-VALUE}).")
    int poll = 10;

    @Option(names = "--host-timeout", paramLabel = "SECONDS", description = "Each host's deadline for one read (default: ${DEFAULT-VALUE}).")
    int hostTimeout = 5;

    @Option(names = "--threads", description = "Requests served at once (default: ${DEFAULT-VALUE}).")
    int threads = 16;

    @Option(names = "--poll-threads", description = "Hosts read at once (default: ${DEFAULT-VALUE}).")
    int pollThreads = 64;

    @Option(names = "--job-source", paramLabel = "SOURCE", description = "The batch system's view of the nodes, for METACentrum's seven states: pbs (pbsnodes -x), slurm (scontrol show node --json) or json:FILE (default: none: libvirt's states).")
    String jobSource;

    @Option(names = "--no-tls", description = "Plain HTTP, to the browsers and to xmand. Loopback only: refused unless --listen and every host are loopback addresses.")
    boolean noTls;

    @Option(names = "--insecure-no-auth", description = "No Kerberos, from the browsers or to xmand. NEVER on a real host; loopback only, as --no-tls.")
    boolean insecureNoAuth;

    @Option(names = "--demo", description = "Start an xmand on libvirt's test driver in this process and the portal on loopback without TLS or Kerberos; prints the URL.")
    boolean demo;

    public static void main(String[] args) {
        int rc = run(args);
        if (rc != 0) System.exit(rc);
    }

    public static int run(String... args) {
        CommandLine cl = new CommandLine(new PortalMain());
        String bad = ConfigFile.apply(cl, DEFAULT_CONFIG, args);
        if (bad != null) {
            System.err.println("xman-portal: " + bad);
            return 2;
        }
        return cl.execute(args);
    }

    Portal.Config config() {
        return new Portal.Config(xmand, hostsFile, listen, keytab, principal, xmandPrincipal, k5login, tlsKeystore,
                tlsPassword != null ? tlsPassword : System.getenv("XMAN_PORTAL_TLS_PASSWORD"), cacert, poll, hostTimeout,
                noTls, insecureNoAuth, threads, pollThreads, jobSource);
    }

    @Override
    public Integer call() {
        return demo ? Demo.run(listen, System.err) : Portal.serve(config(), System.err);
    }
}
