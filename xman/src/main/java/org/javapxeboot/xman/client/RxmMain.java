package org.javapxeboot.xman.client;

import org.javapxeboot.xman.daemon.XmandMain;
import org.javapxeboot.xman.daemon.XmandServer;
import org.javapxeboot.xman.transport.Loopback;
import org.javapxeboot.xman.transport.Tls;
import org.javapxeboot.xman.auth.Kerberos;
import org.javapxeboot.xman.wire.Json;
import org.javapxeboot.xman.wire.Protocol;
import org.javapxeboot.xman.text.Escape;

import org.javapxeboot.xman.wire.Protocol.Op;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import javax.net.ssl.SSLContext;
import javax.security.auth.login.LoginException;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * bin/rxm: the xmand client. Exit codes: 0 ok, 1 the operation failed on some host, 2 usage,
 * 3 authentication or authorisation refused, 4 a host unreachable (the worst wins: 4 > 3 > 1).
 */
@Command(name = "rxm", mixinStandardHelpOptions = true, sortOptions = false,
        description = "Control VMs on xmand hosts. OP is one of: help list lookup create define start undefine autostart destroy "
                + "reboot shutdown pause unpause mem-set vcpu-set describe migrate dmesg info.")
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

    @Parameters(index = "1..*", paramLabel = "ARG", description = "Its arguments: DOMAIN, then KIB (mem-set, suffix K/M/G), COUNT (vcpu-set), DEST-URI (migrate) or on|off (autostart).")
    List<String> args = new ArrayList<>();

    private final PrintStream out;
    private final PrintStream err;

    public RxmMain(PrintStream out, PrintStream err) {
        this.out = out;
        this.err = err;
    }

    public static void main(String[] argv) {
        System.exit(run(System.out, System.err, argv));
    }

    public static int run(PrintStream out, PrintStream err, String... argv) {
        CommandLine cl = new CommandLine(new RxmMain(out, err));
        cl.setOut(new java.io.PrintWriter(out, true));
        cl.setErr(new java.io.PrintWriter(err, true));
        cl.setParameterExceptionHandler((ex, a) -> {
            err.println("rxm: " + ex.getMessage());
            err.println("usage: rxm [-H host[:port][,host...]] [--json] OP [ARG...]   (rxm --help)");
            return EXIT_USAGE;
        });
        return cl.execute(argv);
    }

    private static final class Usage extends Exception {
        Usage(String m) { super(m); }
    }

    @Override
    public Integer call() {
        Op op = Op.of(opName);
        List<XmanClient.Target> targets = new ArrayList<>();
        Map<String, Object> req;
        try {
            if (op == null) throw new Usage("unknown operation " + Protocol.printable(opName) + " (rxm help lists them)");
            List<String> hs = hosts;
            if (hs == null) {
                String env = System.getenv("XMAN_HOSTS");
                hs = List.of((env == null || env.isBlank() ? "localhost:" + XmandMain.DEFAULT_PORT : env).split(","));
            }
            for (String h : hs) {
                try {
                    targets.add(XmanClient.Target.parse(h.trim()));
                } catch (IllegalArgumentException e) {
                    throw new Usage(e.getMessage());
                }
            }
            if (targets.size() > 1 && (op.mutates || op.needsDomain)) throw new Usage(op.wire + " runs on one host at a time; give one -H");
            if (noTls || noAuth) {
                for (XmanClient.Target t : targets) {
                    if (!Loopback.only(t.host())) throw new Usage(Loopback.refusal("rxm", XmandMain.insecureFlags(noTls, noAuth), "host " + t).substring(5));
                }
            }
            req = request(op);
        } catch (Usage e) {
            err.println("rxm: " + Escape.line(e.getMessage()));
            return EXIT_USAGE;
        }
        XmanClient client;
        try {
            client = client();
        } catch (LoginException e) {
            err.println(Escape.line("rxm: no usable Kerberos credentials (" + (keytab != null ? "keytab " + keytab : "ticket cache; run kinit") + "): " + e.getMessage()));
            return EXIT_AUTH;
        } catch (IOException | GeneralSecurityException e) {
            err.println("rxm: " + Escape.line(e.getMessage()));
            return EXIT_USAGE;
        }
        if (op == Op.MIGRATE && !((String) req.get("destination")).contains(":/")) {
            // The destination is another xmand host: ask it (authenticated, so the admin must be
            // allowed there too) for its libvirt URI, and reach that libvirt over SSH.
            XmanClient.Target dest;
            try {
                dest = XmanClient.Target.parse((String) req.get("destination"));
            } catch (IllegalArgumentException e) {
                err.println("rxm: migrate: " + Escape.line(e.getMessage()));
                return EXIT_USAGE;
            }
            if ((noTls || noAuth) && !Loopback.only(dest.host())) {
                err.println(Loopback.refusal("rxm", XmandMain.insecureFlags(noTls, noAuth), "migrate destination " + dest));
                return EXIT_USAGE;
            }
            try {
                Object info = client.call(dest, Op.INFO, Map.of());
                String uri = String.valueOf(((Map<?, ?>) info).get("uri"));
                req.put("destination", remoteUri(uri, dest.host()));
            } catch (XmanClient.Failure f) {
                err.println(Escape.line("rxm: migrate: destination " + dest + ": " + f.getMessage()));
                return f.category.exitCode;
            }
        }
        // Ask every host at once; each answer or error is reported on its own.
        ExecutorService pool = Executors.newFixedThreadPool(Math.min(targets.size(), 32), r -> {
            Thread t = new Thread(r, "rxm");
            t.setDaemon(true);
            return t;
        });
        List<Future<Object>> futures = new ArrayList<>();
        for (XmanClient.Target t : targets) futures.add(pool.submit(() -> client.call(t, op, req)));
        int exit = EXIT_OK;
        Map<XmanClient.Target, Object> results = new LinkedHashMap<>();
        List<Object> jsonOut = new ArrayList<>();
        for (int i = 0; i < targets.size(); i++) {
            XmanClient.Target t = targets.get(i);
            try {
                Object r = futures.get(i).get();
                results.put(t, r);
                Map<String, Object> m = new LinkedHashMap<>();
                m.put("host", t.toString());
                m.put("ok", true);
                m.put("result", r);
                jsonOut.add(m);
            } catch (java.util.concurrent.ExecutionException e) {
                Throwable c = e.getCause();
                XmanClient.Failure f = c instanceof XmanClient.Failure ? (XmanClient.Failure) c
                        : new XmanClient.Failure(XmanClient.Category.OPERATION, "FAILED", 0, String.valueOf(c));
                exit = Math.max(exit, f.category.exitCode);
                if (json) {
                    Map<String, Object> m = new LinkedHashMap<>();
                    m.put("host", t.toString());
                    m.put("ok", false);
                    Map<String, Object> er = new LinkedHashMap<>();
                    er.put("kind", f.kind);
                    er.put("status", (long) f.status);
                    er.put("message", f.getMessage());
                    m.put("error", er);
                    jsonOut.add(m);
                } else {
                    String what = op.wire + (req.get("domain") != null ? " " + req.get("domain") : "");
                    // libvirt's messages already start with "op domain:"; do not say it twice.
                    err.println(Escape.line("rxm: " + t + ": " + (f.getMessage().startsWith(what) ? "" : what + ": ") + f.getMessage()));
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return EXIT_UNREACHABLE;
            }
        }
        pool.shutdownNow();
        if (json) {
            out.println(Json.write(jsonOut.size() == 1 ? jsonOut.get(0) : jsonOut));
        } else {
            try {
                print(op, results, targets.size() > 1 || op == Op.LIST);
            } catch (RuntimeException e) {
                // A daemon answered ok with a shape this rxm does not know (another version?).
                err.println(Escape.line("rxm: unexpected answer to " + op.wire + " (" + e + "); rxm --json shows it as sent"));
                exit = Math.max(exit, EXIT_FAILED);
            }
        }
        return exit;
    }

    private Map<String, Object> request(Op op) throws Usage {
        Map<String, Object> m = new LinkedHashMap<>();
        int want;
        switch (op) {
            case MEM_SET: case VCPU_SET: case MIGRATE: case AUTOSTART: want = 2; break;
            case CREATE: want = xml != null ? 0 : 1; break;
            case DEFINE: want = 0; break;
            default: want = op.needsDomain ? 1 : 0;
        }
        if (args.size() != want) throw new Usage(op.wire + " takes " + (op.usage.isEmpty() ? "no arguments" : op.usage) + ", got " + args.size() + " argument(s)");
        if ((op == Op.CREATE || op == Op.DEFINE) && xml != null) {
            try {
                m.put("xml", Files.readString(xml, StandardCharsets.UTF_8));
            } catch (IOException e) {
                throw new Usage("--xml " + xml + ": " + e.getMessage());
            }
        } else if (op == Op.DEFINE) {
            throw new Usage("define needs --xml FILE");
        }
        if (want >= 1 && !(op == Op.CREATE && xml != null)) m.put("domain", args.get(0));
        if (op == Op.MEM_SET) m.put("kib", kib(args.get(1)));
        if (op == Op.VCPU_SET) {
            try {
                m.put("count", Long.parseLong(args.get(1)));
            } catch (NumberFormatException e) {
                throw new Usage("vcpu-set: " + Protocol.printable(args.get(1)) + " is not a number");
            }
        }
        if (op == Op.MIGRATE) m.put("destination", args.get(1));
        if (op == Op.AUTOSTART) m.put("on", onOff(args.get(1)));
        return m;
    }

    /**
     * A host's local libvirt URI as seen from another host: {@code xen:///system} on h2 becomes
     * {@code xen+ssh://h2/system}; URIs that already name a host or transport are kept.
     */
    public static String remoteUri(String localUri, String host) {
        int colon = localUri.indexOf(":///");
        // libvirt's test driver lives inside the daemon that opened it: it has no remote form.
        if (colon < 0 || localUri.substring(0, colon).contains("+") || localUri.startsWith("test:")) return localUri;
        String h = host.contains(":") ? "[" + host + "]" : host;
        return localUri.substring(0, colon) + "+ssh://" + h + localUri.substring(colon + 3);
    }

    /** autostart's switch: on/off, as in {@code virsh autostart [--disable]}; also yes/no, true/false. */
    static boolean onOff(String s) throws Usage {
        switch (s.trim().toLowerCase(Locale.ROOT)) {
            case "on": case "yes": case "true": return true;
            case "off": case "no": case "false": return false;
            default: throw new Usage("autostart: " + Protocol.printable(s) + " is not on or off");
        }
    }

    /** 524288, 512M, 2G, 1048576K: sizes in KiB like xm mem-set's megabytes, but explicit. */
    public static long kib(String s) throws Usage {
        String t = s.trim().toUpperCase(Locale.ROOT);
        long mult = 1;
        if (t.endsWith("K")) t = t.substring(0, t.length() - 1);
        else if (t.endsWith("M")) { mult = 1024; t = t.substring(0, t.length() - 1); }
        else if (t.endsWith("G")) { mult = 1024 * 1024; t = t.substring(0, t.length() - 1); }
        try {
            return Math.multiplyExact(Long.parseLong(t), mult);
        } catch (NumberFormatException | ArithmeticException e) {
            throw new Usage("mem-set: " + Protocol.printable(s) + " is not a size (KiB, or with K, M, G)");
        }
    }

    private XmanClient client() throws LoginException, IOException, GeneralSecurityException {
        Kerberos.useKrb5ConfigEnv();
        Kerberos.Initiator init = noAuth ? null : new Kerberos.Initiator(Kerberos.login(keytab, principal, true));
        SSLContext tls = null;
        if (!noTls) {
            List<Path> cas = cacert != null ? cacert : XmanClient.defaultCaCerts();
            tls = cas == null ? SSLContext.getDefault() : Tls.clientContext(cas);
        }
        String sp = servicePrincipal;
        if (sp == null) {
            String env = System.getenv("XMAN_SERVICE_PRINCIPAL");
            sp = env == null || env.isBlank() ? null : env;
        }
        Duration wait = timeout != null ? Duration.ofSeconds(timeout)
                : Op.of(opName) == Op.MIGRATE ? XmandServer.Limits.DEFAULT.migrateTimeout().plusSeconds(60) : Duration.ofSeconds(30);
        return new XmanClient(init, tls, sp, wait);
    }

    @SuppressWarnings("unchecked")
    private void print(Op op, Map<XmanClient.Target, Object> results, boolean hostColumn) {
        switch (op) {
            case LIST: {
                List<String[]> rows = new ArrayList<>();
                rows.add(new String[] {"HOST", "NAME", "ID", "MEM(MiB)", "MAX(MiB)", "VCPUS", "STATE", "TIME(s)"});
                for (Map.Entry<XmanClient.Target, Object> e : results.entrySet()) {
                    for (Object o : (List<Object>) e.getValue()) {
                        Map<String, Object> d = (Map<String, Object>) o;
                        rows.add(new String[] {e.getKey().toString(), str(d.get("name")),
                                ((Long) d.get("id")) < 0 ? "-" : str(d.get("id")),
                                Long.toString(((Long) d.get("memoryKiB")) / 1024), Long.toString(((Long) d.get("maxMemoryKiB")) / 1024),
                                str(d.get("vcpus")), str(d.get("state")),
                                String.format(Locale.ROOT, "%.1f", ((Long) d.get("cpuTimeNanos")) / 1e9)});
                    }
                }
                table(rows, hostColumn);
                break;
            }
            case HELP: {
                List<String[]> rows = new ArrayList<>();
                Object any = results.values().iterator().next();
                for (Object o : (List<Object>) any) {
                    Map<String, Object> m = (Map<String, Object>) o;
                    rows.add(new String[] {"", str(m.get("op")) + (str(m.get("usage")).isEmpty() ? "" : " " + str(m.get("usage"))), str(m.get("help"))});
                }
                table(rows, false);
                break;
            }
            default:
                for (Map.Entry<XmanClient.Target, Object> e : results.entrySet()) {
                    String prefix = hostColumn ? e.getKey() + ": " : "";
                    Object r = e.getValue();
                    // Everything the daemon sent is escaped before it reaches the terminal (Escape).
                    if (r instanceof String) {
                        String text = Escape.text((String) r);
                        out.print(prefix.isEmpty() ? text + (text.endsWith("\n") ? "" : "\n") : prefix + text + "\n");
                    } else if (r instanceof List) for (Object line : (List<Object>) r) out.println(prefix + Escape.line(String.valueOf(line)));
                    else if (r instanceof Map && op == Op.INFO) {
                        for (Map.Entry<String, Object> kv : ((Map<String, Object>) r).entrySet()) {
                            out.println(prefix + Escape.line(String.format("%-18s: %s", kv.getKey(), kv.getValue())));
                        }
                    } else if (r instanceof Map) {
                        Map<String, Object> d = (Map<String, Object>) r;
                        out.println(prefix + Escape.line(d.get("name") + ": " + d.get("state")) + ", " + ((Long) d.get("memoryKiB")) / 1024 + " MiB, "
                                + d.get("vcpus") + " VCPU" + (((Long) d.get("vcpus")) == 1 ? "" : "s"));
                    } else out.println(prefix + op.wire + ": ok");
                }
        }
    }

    /** A table cell or a value from the daemon, control characters escaped. */
    private static String str(Object o) { return o == null ? "" : Escape.line(o.toString()); }

    private void table(List<String[]> rows, boolean hostColumn) {
        int cols = rows.get(0).length;
        int[] w = new int[cols];
        for (String[] r : rows) for (int i = 0; i < cols; i++) w[i] = Math.max(w[i], r[i].length());
        for (String[] r : rows) {
            StringBuilder sb = new StringBuilder();
            for (int i = hostColumn ? 0 : 1; i < cols; i++) {
                boolean numeric = i >= 2 && i != 6 && i < cols && cols == 8;
                String f = numeric ? "%" + w[i] + "s" : "%-" + w[i] + "s";
                sb.append(String.format(f, r[i]));
                if (i < cols - 1) sb.append("  ");
            }
            out.println(sb.toString().stripTrailing());
        }
    }
}
