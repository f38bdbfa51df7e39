package org.javapxeboot.xman.daemon;

import org.javapxeboot.xman.transport.Loopback;
import org.javapxeboot.xman.auth.K5Login;
import org.javapxeboot.xman.auth.Kerberos;
import org.javapxeboot.xman.wire.MigrationUri;
import org.javapxeboot.xman.wire.Json;
import org.javapxeboot.xman.wire.Protocol;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import com.sun.net.httpserver.HttpsConfigurator;
import com.sun.net.httpserver.HttpsParameters;
import com.sun.net.httpserver.HttpsServer;
import org.ietf.jgss.GSSException;
import org.javapxeboot.xman.vm.VirtException;
import org.javapxeboot.xman.vm.VmControl;
import org.javapxeboot.xman.wire.Protocol.Op;
import org.javapxeboot.xman.wire.Protocol.ProtocolException;
import org.w3c.dom.Document;
import org.xml.sax.InputSource;

import javax.net.ssl.SSLContext;
import javax.xml.XMLConstants;
import javax.xml.parsers.DocumentBuilder;
import javax.xml.parsers.DocumentBuilderFactory;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.StringReader;
import java.net.InetSocketAddress;
import java.net.URLDecoder;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.LinkedTransferQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * xmand's HTTP side: authenticate (SPNEGO, every request), authorise (.k5login), decode, run the
 * operation on the {@link VmControl}, answer, audit. The JDK server multiplexes idle connections on
 * one selector thread, so connections that send nothing cost a file descriptor, not a thread; the
 * worker pool is fixed.
 */
public final class XmandServer implements AutoCloseable {
    /** Everything the server needs; XmandMain fills it from the command line. */
    public record Settings(InetSocketAddress listen, String hostName, int maxRequestBytes, int threads, int maxThreads,
                           SSLContext tls, boolean insecureNoAuth, java.nio.file.Path hypervisorLog, boolean testDriver, Limits limits) {
        /** Not on libvirt's test driver, default limits. */
        public Settings(InetSocketAddress listen, String hostName, int maxRequestBytes, int threads, int maxThreads,
                        SSLContext tls, boolean insecureNoAuth, java.nio.file.Path hypervisorLog) {
            this(listen, hostName, maxRequestBytes, threads, maxThreads, tls, insecureNoAuth, hypervisorLog, false);
        }

        /** Default limits. */
        public Settings(InetSocketAddress listen, String hostName, int maxRequestBytes, int threads, int maxThreads,
                        SSLContext tls, boolean insecureNoAuth, java.nio.file.Path hypervisorLog, boolean testDriver) {
            this(listen, hostName, maxRequestBytes, threads, maxThreads, tls, insecureNoAuth, hypervisorLog, testDriver, Limits.DEFAULT);
        }
    }

    /**
     * How long an operation may take (waiting for its domain's lock, for a libvirt thread, and the
     * call itself) before the request answers 504; how many libvirt calls run at once and how many
     * more may wait before a request answers 503.
     */
    public record Limits(java.time.Duration opTimeout, java.time.Duration migrateTimeout, int opThreads, int maxQueued) {
        public static final Limits DEFAULT = new Limits(java.time.Duration.ofSeconds(60), java.time.Duration.ofMinutes(30), 8, 32);

        java.time.Duration of(Op op) {
            return op == Op.MIGRATE ? migrateTimeout : opTimeout;
        }
    }

    /** Lines of --hypervisor-log that dmesg adds after the daemon's own buffer. */
    static final int HYPERVISOR_LOG_LINES = 100;

    private final Settings settings;
    private final VmControl vm;
    private final Kerberos.Acceptor acceptor;
    private final K5Login k5login;
    private final Audit audit;
    private final HttpServer server;
    private final ExecutorService workers;
    /** Runs the libvirt calls: deadlines, per-domain locks (so check-then-act such as mem-set's maximum holds), a bounded queue. */
    private final Operations ops;
    private final AtomicInteger connections = new AtomicInteger();

    public XmandServer(Settings settings, VmControl vm, Kerberos.Acceptor acceptor, K5Login k5login, Audit audit) throws IOException {
        this(settings, vm, acceptor, k5login, audit, Operations.REAL_TIME);
    }

    /** With the clock seam: {@code deadlines} decides when an operation's time is up. */
    XmandServer(Settings settings, VmControl vm, Kerberos.Acceptor acceptor, K5Login k5login, Audit audit, Operations.Deadlines deadlines) throws IOException {
        if (acceptor == null && !settings.insecureNoAuth()) throw new IllegalArgumentException("no Kerberos acceptor and authentication not disabled");
        if ((settings.insecureNoAuth() || settings.tls() == null) && !Loopback.only(settings.listen())) {
            throw new IllegalArgumentException(Loopback.refusal("xmand", XmandMain.insecureFlags(settings.tls() == null, settings.insecureNoAuth()), addr(settings.listen())));
        }
        this.settings = settings;
        this.vm = vm;
        this.acceptor = acceptor;
        this.k5login = k5login;
        this.audit = audit;
        this.ops = new Operations(settings.limits().opThreads(), settings.limits().maxQueued(), deadlines, audit::note);
        if (settings.tls() != null) {
            HttpsServer s = HttpsServer.create(settings.listen(), 256);
            s.setHttpsConfigurator(new HttpsConfigurator(settings.tls()) {
                @Override
                public void configure(HttpsParameters params) {
                    // Called once per TLS connection: the "new connection" audit line.
                    connections.incrementAndGet();
                    audit.event("CONNECT", addr(params.getClientAddress()), null, null, null, "ok", 0, "TLS connection");
                    params.setSSLParameters(settings.tls().getDefaultSSLParameters());
                }
            });
            server = s;
        } else {
            server = HttpServer.create(settings.listen(), 256);
        }
        workers = workerPool(settings.threads(), Math.max(settings.threads(), settings.maxThreads()));
        server.setExecutor(workers);
        server.createContext("/", this::handle);
    }

    /**
     * {@code core} threads, growing to {@code max} before anything waits in the queue. The JDK
     * server reads a new connection's request (and its TLS handshake) in the worker, blocking, so
     * a client that sends part of a request and stalls holds a thread until --request-timeout;
     * growing the pool keeps such clients from starving the others. Past {@code max}, work queues.
     */
    static ThreadPoolExecutor workerPool(int core, int max) {
        // The pool offers work to its queue first and adds a thread only when the offer fails. This
        // offer succeeds only by handing the work to an idle worker that is waiting for some, so the
        // pool reuses idle threads and otherwise grows to max; at max the rejection handler queues
        // for real (put does not go through offer). A queue whose offer always failed kept idle
        // threads idle and, once max threads existed, refused every new connection ("Queue full").
        LinkedTransferQueue<Runnable> queue = new LinkedTransferQueue<>() {
            @Override
            public boolean offer(Runnable r) {
                return tryTransfer(r);
            }
        };
        ThreadPoolExecutor pool = new ThreadPoolExecutor(core, max, 30, TimeUnit.SECONDS, queue, r -> {
            // Small stacks: a worker runs one handler, not deep recursion.
            Thread t = new Thread(null, r, "xmand-worker", 512 * 1024);
            t.setDaemon(true);
            return t;
        }, (r, executor) -> {
            if (!executor.isShutdown()) queue.put(r);
        });
        return pool;
    }

    public void start() {
        server.start();
        audit.note("xmand listening on " + addr(address()) + (settings.tls() != null ? " (https)" : " (http, no TLS)")
                + (settings.insecureNoAuth() ? " WITHOUT AUTHENTICATION (--insecure-no-auth)" : ""));
    }

    public InetSocketAddress address() {
        return server.getAddress();
    }

    /** TLS connections accepted so far. */
    public int connectionCount() { return connections.get(); }

    @Override
    public void close() {
        server.stop(1);
        workers.shutdownNow();
        ops.close();
    }

    static String addr(InetSocketAddress a) {
        if (a == null) return "-";
        String h = a.getAddress() != null ? a.getAddress().getHostAddress() : a.getHostString();
        return (h.contains(":") ? "[" + h + "]" : h) + ":" + a.getPort();
    }

    /** What one request turned into, for the answer and the audit line. */
    private static final class Outcome {
        String principal;
        byte[] replyToken;
        String op;
        String domain;
    }

    private void handle(HttpExchange ex) {
        Outcome o = new Outcome();
        String from = addr(ex.getRemoteAddress());
        try {
            String path = ex.getRequestURI().getRawPath();
            o.op = path.startsWith(Protocol.PREFIX) ? path.substring(Protocol.PREFIX.length()) : path;
            if (o.op.length() > 40) o.op = o.op.substring(0, 40);
            authenticate(ex, o);
            if (!path.startsWith(Protocol.PREFIX) || Op.of(o.op) == null) authorise(o);
            if (!path.startsWith(Protocol.PREFIX)) throw new ProtocolException(404, "NOT_FOUND", "no such path " + Protocol.printable(path) + "; operations live under " + Protocol.PREFIX);
            Op op = Op.of(o.op);
            if (op == null) throw new ProtocolException(404, "NOT_FOUND", "unknown operation " + Protocol.printable(o.op) + "; try help");
            String method = ex.getRequestMethod();
            Map<String, Object> args = new LinkedHashMap<>();
            ProtocolException bad = null;
            try {
                if (method.equals("POST")) {
                    args = readBody(ex);
                } else if (method.equals("GET") || method.equals("HEAD")) {
                    if (op.mutates) throw new ProtocolException(405, "METHOD_NOT_ALLOWED", op.wire + " changes the host: use POST");
                    args = query(ex.getRequestURI().getRawQuery());
                } else {
                    throw new ProtocolException(405, "METHOD_NOT_ALLOWED", "method " + method + " is not supported; use GET or POST");
                }
            } catch (ProtocolException e) {
                bad = e;
            }
            Object domainArg = args.get("domain");
            if (domainArg instanceof String) o.domain = Protocol.printable((String) domainArg).replaceAll("^'|'$", "");
            // Someone not in .k5login hears only "denied", whatever else is wrong with the request.
            authorise(o);
            if (bad != null) throw bad;
            String domain = lockKey(op, args, o);
            Map<String, Object> checked = args;
            Object result = ops.run(op.wire + (o.domain != null ? " " + o.domain : ""), domain, settings.limits().of(op), () -> run(op, checked));
            // The audit line is written before the answer leaves: an answered request is always on record.
            audit.event("REQUEST", from, o.principal, o.op, o.domain, "ok", 200, null);
            respond(ex, 200, Protocol.ok(settings.hostName(), op, result), o);
        } catch (ProtocolException e) {
            audit.event("REQUEST", from, o.principal, o.op, o.domain, e.status >= 500 ? "failed" : "refused", e.status, e.kind + ": " + e.getMessage());
            respond(ex, e.status, Protocol.error(settings.hostName(), o.op, e.kind, e.getMessage()), o);
        } catch (VirtException e) {
            int status = Protocol.statusOf(e.kind());
            boolean refused = e.kind() == VirtException.Kind.INVALID_ARGUMENT || e.kind() == VirtException.Kind.DENIED;
            audit.event("REQUEST", from, o.principal, o.op, o.domain, refused ? "refused" : "failed", status, e.kind() + ": " + e.getMessage());
            respond(ex, status, Protocol.error(settings.hostName(), o.op, e.kind().name(), e.getMessage()), o);
        } catch (Exception e) {
            audit.event("REQUEST", from, o.principal, o.op, o.domain, "failed", 500, "internal error: " + e);
            respond(ex, 500, Protocol.error(settings.hostName(), o.op, "FAILED", "internal error: " + e), o);
        } finally {
            ex.close();
        }
    }

    private void authenticate(HttpExchange ex, Outcome o) throws ProtocolException {
        if (settings.insecureNoAuth()) {
            o.principal = "(unauthenticated)";
            return;
        }
        String h = ex.getRequestHeaders().getFirst("Authorization");
        if (h == null) throw new ProtocolException(401, "UNAUTHENTICATED", "Kerberos authentication required (Authorization: Negotiate)");
        if (!h.regionMatches(true, 0, "Negotiate ", 0, 10)) throw new ProtocolException(401, "UNAUTHENTICATED", "only the Negotiate (SPNEGO/Kerberos 5) scheme is accepted");
        byte[] token;
        try {
            token = Base64.getDecoder().decode(h.substring(10).trim());
        } catch (IllegalArgumentException e) {
            throw new ProtocolException(401, "UNAUTHENTICATED", "the Negotiate token is not base64");
        }
        try {
            Kerberos.Acceptor.Accepted a = acceptor.accept(token);
            o.principal = a.principal();
            o.replyToken = a.replyToken();
        } catch (GSSException e) {
            throw new ProtocolException(401, "UNAUTHENTICATED", "Kerberos authentication failed: " + Kerberos.describe(e));
        }
    }

    /** After the body is read, so that a refusal's audit line names the domain too. */
    private void authorise(Outcome o) throws ProtocolException {
        if (settings.insecureNoAuth()) return;
        boolean allowed;
        try {
            allowed = k5login.allows(o.principal);
        } catch (IOException e) {
            throw new ProtocolException(403, "DENIED", "cannot use " + k5login.path() + " on " + settings.hostName() + ": " + e.getMessage());
        }
        if (!allowed) throw new ProtocolException(403, "DENIED", o.principal + " is not listed in " + k5login.path() + " on " + settings.hostName());
    }

    private Map<String, Object> readBody(HttpExchange ex) throws ProtocolException {
        int max = settings.maxRequestBytes();
        String cl = ex.getRequestHeaders().getFirst("Content-Length");
        if (cl != null) {
            try {
                if (Long.parseLong(cl.trim()) > max) throw new ProtocolException(413, "TOO_LARGE", "request body of " + cl.trim() + " bytes exceeds the limit of " + max);
            } catch (NumberFormatException e) {
                throw new ProtocolException(400, "BAD_REQUEST", "bad Content-Length");
            }
        }
        byte[] body;
        try (InputStream in = ex.getRequestBody()) {
            body = in.readNBytes(max + 1);
        } catch (IOException e) {
            throw new ProtocolException(400, "BAD_REQUEST", "could not read the request body: " + e.getMessage());
        }
        if (body.length > max) throw new ProtocolException(413, "TOO_LARGE", "request body exceeds the limit of " + max + " bytes");
        if (body.length == 0) return new LinkedHashMap<>();
        String text;
        try {
            text = StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                    .decode(java.nio.ByteBuffer.wrap(body)).toString();
        } catch (CharacterCodingException e) {
            throw new ProtocolException(400, "BAD_REQUEST", "the request body is not UTF-8");
        }
        try {
            return Json.parseObject(text);
        } catch (Json.ParseException e) {
            throw new ProtocolException(400, "BAD_REQUEST", "malformed request: " + e.getMessage());
        }
    }

    private static Map<String, Object> query(String raw) throws ProtocolException {
        Map<String, Object> m = new LinkedHashMap<>();
        if (raw == null || raw.isEmpty()) return m;
        for (String kv : raw.split("&")) {
            int eq = kv.indexOf('=');
            try {
                String k = URLDecoder.decode(eq < 0 ? kv : kv.substring(0, eq), StandardCharsets.UTF_8);
                String v = eq < 0 ? "" : URLDecoder.decode(kv.substring(eq + 1), StandardCharsets.UTF_8);
                if (m.put(k, v) != null) throw new ProtocolException(400, "BAD_REQUEST", "query parameter " + Protocol.printable(k) + " given twice");
            } catch (IllegalArgumentException e) {
                throw new ProtocolException(400, "BAD_REQUEST", "bad query string: " + e.getMessage());
            }
        }
        return m;
    }

    /**
     * The domain whose lock the operation takes, checked (null for read-only operations): every
     * operation that changes a domain holds its lock, so check-then-act sequences hold. Runs on the
     * request's thread, before anything reaches libvirt.
     */
    private String lockKey(Op op, Map<String, Object> args, Outcome o) throws ProtocolException {
        if (op == Op.CREATE || op == Op.DEFINE) {
            String xml = Protocol.optStr(args, "xml");
            if (xml == null && op == Op.DEFINE) throw new ProtocolException(400, "INVALID_ARGUMENT", "define needs \"xml\"");
            String name = Protocol.checkDomainName(xml == null ? Protocol.optStr(args, "domain") : domainNameOf(xml));
            o.domain = name;
            return name;
        }
        if (!op.needsDomain) return null;
        String domain = Protocol.checkDomainName(Protocol.optStr(args, "domain"));
        if (op == Op.MIGRATE) MigrationUri.check(Protocol.optStr(args, "destination"), settings.testDriver());
        return op.mutates ? domain : null;
    }

    /** The operation itself, on a libvirt thread (see {@link Operations}); the lock, if any, is held. */
    private Object run(Op op, Map<String, Object> args) throws ProtocolException, VirtException {
        String domain = op.needsDomain ? Protocol.checkDomainName(Protocol.optStr(args, "domain")) : null;
        switch (op) {
            case HELP: {
                List<Object> l = new ArrayList<>();
                for (Op each : Op.values()) {
                    Map<String, Object> m = new LinkedHashMap<>();
                    m.put("op", each.wire);
                    m.put("usage", each.usage);
                    m.put("help", each.help);
                    m.put("method", each.mutates ? "POST" : "GET");
                    l.add(m);
                }
                return l;
            }
            case LIST: {
                List<VmControl.DomainInfo> ds = new ArrayList<>(vm.list());
                ds.sort(java.util.Comparator.comparing(VmControl.DomainInfo::name));
                return Protocol.domainsJson(ds);
            }
            case LOOKUP: return Protocol.domainJson(vm.lookup(domain));
            case INFO: {
                Map<String, Object> m = Protocol.hostJson(vm.info());
                // Audit copies syslog could not take (queue full, socket blocking or gone) since start.
                m.put("syslogDropped", audit.syslogDropped());
                return m;
            }
            case DMESG: {
                List<Object> lines = new ArrayList<>(vm.dmesg());
                if (settings.hypervisorLog() != null) lines.addAll(tail(settings.hypervisorLog(), HYPERVISOR_LOG_LINES));
                return lines;
            }
            case DESCRIBE: return vm.describe(domain);
            case CREATE:
            case DEFINE: {
                String xml = Protocol.optStr(args, "xml");
                if (xml == null) {
                    String name = Protocol.checkDomainName(Protocol.optStr(args, "domain"));
                    return Protocol.domainJson(vm.start(name));
                }
                String name = Protocol.checkDomainName(domainNameOf(xml));
                boolean existed = exists(name);
                VmControl.DomainInfo d = vm.define(xml);
                if (op == Op.DEFINE) return Protocol.domainJson(d);
                try {
                    return Protocol.domainJson(vm.start(name));
                } catch (VirtException e) {
                    // Leave nothing half-made: a definition we added for a guest that cannot start goes again.
                    if (!existed) {
                        try {
                            vm.undefine(name);
                        } catch (VirtException ignored) {
                            // The start error is the one to report.
                        }
                    }
                    throw e;
                }
            }
            default:
                break;
        }
        switch (op) {
            case START: return Protocol.domainJson(vm.start(domain));
            case UNDEFINE: vm.undefine(domain); return null;
            case DESTROY: vm.destroy(domain); break;
            case REBOOT: vm.reboot(domain); break;
            case SHUTDOWN: vm.shutdown(domain); break;
            case PAUSE: vm.pause(domain); break;
            case UNPAUSE: vm.unpause(domain); break;
            case MEM_SET: {
                long kib = Protocol.num(args, "kib");
                if (kib <= 0) throw new ProtocolException(400, "INVALID_ARGUMENT", "mem-set " + domain + ": " + kib + " KiB is not a positive size");
                long max = vm.lookup(domain).maxMemoryKiB();
                if (kib > max) {
                    throw new VirtException(VirtException.Kind.INVALID_ARGUMENT, "mem-set", domain,
                            kib + " KiB is above the domain's maximum of " + max + " KiB");
                }
                vm.setMemory(domain, kib);
                break;
            }
            case VCPU_SET: {
                long n = Protocol.num(args, "count");
                if (n <= 0 || n > 4096) throw new ProtocolException(400, "INVALID_ARGUMENT", "vcpu-set " + domain + ": " + n + " is not a VCPU count");
                vm.setVcpus(domain, (int) n);
                break;
            }
            case MIGRATE: vm.migrate(domain, MigrationUri.check(Protocol.optStr(args, "destination"), settings.testDriver())); break;
            case AUTOSTART: vm.setAutostart(domain, Protocol.bool(args, "on")); break;
            default: throw new IllegalStateException("unhandled " + op);
        }
        return Protocol.domainJson(vm.lookup(domain));
    }

    /** The last lines of the hypervisor's own log (xend.log, libvirtd.log), each prefixed with the file name. */
    static List<String> tail(java.nio.file.Path file, int max) {
        String prefix = file.getFileName() + ": ";
        try (java.nio.channels.FileChannel ch = java.nio.channels.FileChannel.open(file)) {
            long size = ch.size();
            long from = Math.max(0, size - 64 * 1024);
            java.nio.ByteBuffer buf = java.nio.ByteBuffer.allocate((int) (size - from));
            while (buf.hasRemaining() && ch.read(buf, from + buf.position()) > 0) {
                // read until full or end of file
            }
            String text = new String(buf.array(), 0, buf.position(), StandardCharsets.UTF_8);
            List<String> all = new ArrayList<>(List.of(text.split("\n")));
            if (from > 0 && !all.isEmpty()) all.remove(0); // a partial first line
            List<String> out = new ArrayList<>();
            for (String l : all.subList(Math.max(0, all.size() - max), all.size())) if (!l.isEmpty()) out.add(prefix + l);
            return out;
        } catch (java.nio.file.NoSuchFileException e) {
            return List.of(prefix + "(no such file)");
        } catch (IOException e) {
            return List.of(prefix + "(unreadable: " + e.getMessage() + ")");
        }
    }

    private boolean exists(String name) throws VirtException {
        try {
            vm.lookup(name);
            return true;
        } catch (VirtException e) {
            if (e.kind() == VirtException.Kind.NO_DOMAIN) return false;
            throw e;
        }
    }

    /** The domain name inside libvirt XML, read with a parser that refuses DOCTYPEs (no XXE, no entity bombs). */
    public static String domainNameOf(String xml) throws ProtocolException {
        try {
            DocumentBuilderFactory f = DocumentBuilderFactory.newInstance();
            f.setFeature("http://apache.org/xml/features/disallow-doctype-decl", true);
            f.setFeature(XMLConstants.FEATURE_SECURE_PROCESSING, true);
            f.setXIncludeAware(false);
            f.setExpandEntityReferences(false);
            DocumentBuilder b = f.newDocumentBuilder();
            b.setErrorHandler(null);
            Document d = b.parse(new InputSource(new StringReader(xml)));
            if (!"domain".equals(d.getDocumentElement().getTagName())) {
                throw new ProtocolException(400, "INVALID_ARGUMENT", "the XML's root element is <" + d.getDocumentElement().getTagName() + ">, not <domain>");
            }
            org.w3c.dom.NodeList names = d.getDocumentElement().getElementsByTagName("name");
            for (int i = 0; i < names.getLength(); i++) {
                // Not trimmed: the name xmand checks must be the name libvirt will define.
                if (names.item(i).getParentNode() == d.getDocumentElement()) return names.item(i).getTextContent();
            }
            throw new ProtocolException(400, "INVALID_ARGUMENT", "the domain XML has no <name>");
        } catch (ProtocolException e) {
            throw e;
        } catch (org.xml.sax.SAXParseException e) {
            throw new ProtocolException(400, "INVALID_ARGUMENT", "domain XML " + e.getLineNumber() + ":" + e.getColumnNumber() + ": " + e.getMessage());
        } catch (Exception e) {
            throw new ProtocolException(400, "INVALID_ARGUMENT", "domain XML: " + e.getMessage());
        }
    }

    private void respond(HttpExchange ex, int status, Map<String, Object> body, Outcome o) {
        try {
            byte[] b = (Json.write(body) + "\n").getBytes(StandardCharsets.UTF_8);
            ex.getResponseHeaders().set("Content-Type", Protocol.JSON_TYPE);
            ex.getResponseHeaders().set("Cache-Control", "no-store");
            if (status == 503) ex.getResponseHeaders().set("Retry-After", Integer.toString(Operations.RETRY_AFTER_SECONDS));
            if (status == 401) ex.getResponseHeaders().add("WWW-Authenticate", "Negotiate");
            else if (o.replyToken != null && o.replyToken.length > 0) {
                // RFC 4559 section 5: the final server token, so the client can authenticate us.
                ex.getResponseHeaders().add("WWW-Authenticate", "Negotiate " + Base64.getEncoder().encodeToString(o.replyToken));
            }
            if (ex.getRequestMethod().equals("HEAD")) {
                ex.sendResponseHeaders(status, -1);
                return;
            }
            ex.sendResponseHeaders(status, b.length);
            try (OutputStream out = ex.getResponseBody()) {
                out.write(b);
            }
        } catch (IOException e) {
            // The client went away; the audit line still records what was done.
        }
    }
}
