package org.javapxeboot.xman.client;

import org.javapxeboot.xman.wire.Op;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.io.PrintStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;

/**
 * bin/rxm: the xmand client's command line: flags in, {@link Rxm} runs it. Exit codes: 0 ok, 1 the operation failed on some host, 2 usage,
 * 3 authentication or authorisation refused, 4 a host unreachable (the worst wins: 4 > 3 > 1).
 */
@Command(name = "rxm", mixinStandardHelpOptions = true, sortOptions = false,
        description = "Control VMs on xmand hosts. OP is one of the operations below (from the operations table).")
public final class RxmMain implements Callable<Integer> {
    public static final int EXIT_OK = 0, EXIT_FAILED = 1, EXIT_USAGE = 2, EXIT_AUTH = 3, EXIT_UNREACHABLE = 4;

    @Option(names = "-H", split = ",", paramLabel = "HOST[:PORT]", description = "xmand host(s); several only for list, info, dmesg, help (default: $XMAN_HOSTS, else localhost:8740).")
    List<String> hosts;

    @Option(names = "--json", description = "Print the answers as JSON, one object per host.")
    boolean json;

    @Option(names = "--xml", paramLabel = "FILE", description = "Domain XML for create/define.")
    Path xml;

    @Option(names = "--keytab", paramLabel = "FILE", description = "Log in from this keytab instead of the ticket cache ($KRB5CCNAME).")
    Path keytab;

    @Option(names = "--principal", paramLabel = "PRINC", description = "Client principal (with --keytab; default: the first key).")
    String principal;

    @Option(names = "--service-principal", paramLabel = "PRINC", description = "The daemon's principal (default: $XMAN_SERVICE_PRINCIPAL, else HTTP/<host> in the default realm).")
    String servicePrincipal;

    @Option(names = "--cacert", paramLabel = "FILE", split = ",", description = "PEM certificate(s) of the daemons (default: $XMAN_CACERT (comma-separated), else ~/.xman/ca.pem, else the JDK's CAs).")
    List<Path> cacert;

    @Option(names = "--no-tls", description = "Plain HTTP, for daemons run with --no-tls; loopback hosts only.")
    boolean noTls;

    @Option(names = "--insecure-no-auth", description = "Send no Kerberos token (daemons run with --insecure-no-auth); loopback hosts only.")
    boolean noAuth;

    @Option(names = "--timeout", paramLabel = "SECONDS", description = "Per-host connect and answer timeout (default: 30; migrate: xmand's "
            + "default --migrate-timeout plus 60).")
    Integer timeout;

    @Parameters(index = "0", paramLabel = "OP", description = "The operation.")
    String opName;

    @Parameters(index = "1..*", paramLabel = "ARG", descriptionKey = "ARG", description = "Its arguments (from the operations table).")
    List<String> args = new ArrayList<>();

    private final PrintStream out;
    private final PrintStream err;

    /** On the process's streams (picocli's man page and completion generators make it so). */
    public RxmMain() {
        this(System.out, System.err);
    }

    public RxmMain(PrintStream out, PrintStream err) {
        this.out = out;
        this.err = err;
    }

    public static void main(String[] argv) {
        System.exit(run(System.out, System.err, argv));
    }

    public static int run(PrintStream out, PrintStream err, String... argv) {
        CommandLine cl = new CommandLine(new RxmMain(out, err));
        cl.setResourceBundle(new TableHelp());
        cl.setOut(new java.io.PrintWriter(out, true));
        cl.setErr(new java.io.PrintWriter(err, true));
        cl.setParameterExceptionHandler((ex, a) -> {
            err.println("rxm: " + ex.getMessage());
            err.println("usage: rxm [-H host[:port][,host...]] [--json] OP [ARG...]   (rxm --help)");
            return EXIT_USAGE;
        });
        return cl.execute(argv);
    }

    @Override
    public Integer call() {
        return new Rxm(out, err).run(new Rxm.Options(hosts, json, xml, keytab, principal, servicePrincipal, cacert, noTls, noAuth, timeout, opName, args));
    }

    /** The parts of the help that come from the operations table. */
    private static final class TableHelp extends java.util.ListResourceBundle {
        @Override
        protected Object[][] getContents() {
            return new Object[][] {
                {"usage.description", "Control VMs on xmand hosts. OP is one of: " + Op.names() + "."},
                {"ARG", "Its arguments: " + Op.argumentsHelp() + "."},
            };
        }
    }
}
