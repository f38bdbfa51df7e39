package org.javapxeboot.xman.client;

import org.javapxeboot.xman.auth.Kerberos;
import org.javapxeboot.xman.text.Escape;
import org.javapxeboot.xman.transport.Loopback;
import org.javapxeboot.xman.transport.Tls;
import org.javapxeboot.xman.wire.Json;
import org.javapxeboot.xman.wire.Op;
import org.javapxeboot.xman.wire.Protocol;

import javax.net.ssl.SSLContext;
import javax.security.auth.login.LoginException;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import static org.javapxeboot.xman.client.RxmMain.EXIT_FAILED;
import static org.javapxeboot.xman.client.RxmMain.EXIT_OK;
import static org.javapxeboot.xman.client.RxmMain.EXIT_UNREACHABLE;
import static org.javapxeboot.xman.client.RxmMain.EXIT_USAGE;
import static org.javapxeboot.xman.client.RxmMain.EXIT_AUTH;

/**
 * What rxm does with a parsed command line: check it against the operations table, log in, ask
 * every host at once (a migrate to another xmand host first asks that host for its libvirt URI),
 * print the answers as tables, lines or JSON, and pick the exit code (the worst wins).
 */
public final class Rxm {
    /** rxm's flags and arguments, as {@link RxmMain} parsed them. */
    public record Options(List<String> hosts, boolean json, Path xml, Path keytab, String principal, String servicePrincipal,
                          List<Path> cacert, boolean noTls, boolean noAuth, Integer timeout, String opName, List<String> args) {}

    private final PrintStream out;
    private final PrintStream err;

    public Rxm(PrintStream out, PrintStream err) {
        this.out = out;
        this.err = err;
    }

    /** Runs one command line; the exit code. */
    public int run(Options o) {
        Op op = Op.of(o.opName());
        List<XmanClient.Target> targets = new ArrayList<>();
        Map<String, Object> req;
        try {
            if (op == null) throw new Arguments.Usage("unknown operation " + Protocol.printable(o.opName()) + " (rxm help lists them)");
            List<String> hs = o.hosts();
            if (hs == null) {
                String env = System.getenv("XMAN_HOSTS");
                hs = List.of((env == null || env.isBlank() ? "localhost:" + Protocol.DEFAULT_PORT : env).split(","));
            }
            for (String h : hs) {
                try {
                    targets.add(XmanClient.Target.parse(h.trim()));
                } catch (IllegalArgumentException e) {
                    throw new Arguments.Usage(e.getMessage());
                }
            }
            if (targets.size() > 1 && (op.mutates || op.needsDomain)) throw new Arguments.Usage(op.wire + " runs on one host at a time; give one -H");
            if (o.noTls() || o.noAuth()) {
                for (XmanClient.Target t : targets) {
                    if (!Loopback.only(t.host())) throw new Arguments.Usage(Loopback.refusal("rxm", Loopback.flags(o.noTls(), o.noAuth()), "host " + t).substring(5));
                }
            }
            req = Arguments.request(op, o.args(), o.xml());
        } catch (Arguments.Usage e) {
            err.println("rxm: " + Escape.line(e.getMessage()));
            return EXIT_USAGE;
        }
        XmanClient client;
        try {
            client = client(o);
        } catch (LoginException e) {
            err.println(Escape.line("rxm: no usable Kerberos credentials (" + (o.keytab() != null ? "keytab " + o.keytab() : "ticket cache; run kinit") + "): " + e.getMessage()));
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
            if ((o.noTls() || o.noAuth()) && !Loopback.only(dest.host())) {
                err.println(Loopback.refusal("rxm", Loopback.flags(o.noTls(), o.noAuth()), "migrate destination " + dest));
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
                if (o.json()) {
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
        if (o.json()) {
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

    private static XmanClient client(Options o) throws LoginException, IOException, GeneralSecurityException {
        Kerberos.useKrb5ConfigEnv();
        Kerberos.Initiator init = o.noAuth() ? null : new Kerberos.Initiator(Kerberos.login(o.keytab(), o.principal(), true));
        SSLContext tls = null;
        if (!o.noTls()) {
            List<Path> cas = o.cacert() != null ? o.cacert() : XmanClient.defaultCaCerts();
            tls = cas == null ? SSLContext.getDefault() : Tls.clientContext(cas);
        }
        String sp = o.servicePrincipal();
        if (sp == null) {
            String env = System.getenv("XMAN_SERVICE_PRINCIPAL");
            sp = env == null || env.isBlank() ? null : env;
        }
        Op op = Op.of(o.opName());
        // migrate waits for xmand's default --migrate-timeout plus a minute; everything else 30 s.
        Duration wait = o.timeout() != null ? Duration.ofSeconds(o.timeout())
                : op != null && op.deadline == Op.Deadline.MIGRATE ? Op.Deadline.MIGRATE.byDefault.plusSeconds(60) : Duration.ofSeconds(30);
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
