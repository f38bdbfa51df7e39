package org.javapxeboot.xman.daemon;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import com.sun.net.httpserver.HttpsExchange;
import com.sun.net.httpserver.HttpsConfigurator;
import com.sun.net.httpserver.HttpsParameters;
import com.sun.net.httpserver.HttpsServer;
import org.ietf.jgss.GSSException;
import org.javapxeboot.xman.auth.K5Login;
import org.javapxeboot.xman.auth.Kerberos;
import org.javapxeboot.xman.auth.SessionCookie;
import org.javapxeboot.xman.transport.Loopback;
import org.javapxeboot.xman.vm.VirtException;
import org.javapxeboot.xman.vm.VmControl;
import org.javapxeboot.xman.wire.DomainXml;
import org.javapxeboot.xman.wire.MigrationUri;
import org.javapxeboot.xman.wire.Op;
import org.javapxeboot.xman.wire.Protocol;
import org.javapxeboot.xman.wire.Protocol.ProtocolException;

import javax.net.ssl.SSLContext;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.LinkedTransferQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * xmand's HTTP side: authenticate (SPNEGO, or the session cookie a successful SPNEGO handed out on
 * the same TLS session: {@link SessionCookie}), authorise ({@link Authorization}: .k5login,
 * the domain's owners, trusted proxies), decode, run the
 * operation (its {@link Handlers} entry) on the {@link VmControl}, answer, audit. The JDK server multiplexes idle connections on
 * one selector thread, so connections that send nothing cost a file descriptor, not a thread; the
 * worker pool is fixed.
 */
public final class XmandServer implements AutoCloseable {
    /** Everything the server needs; XmandMain fills it from the command line. */
    public record Settings(InetSocketAddress listen, String hostName, int maxRequestBytes, int threads, int maxThreads,
                           SSLContext tls, boolean insecureNoAuth, java.nio.file.Path hypervisorLog, boolean testDriver, Limits limits,
                           java.util.List<String> trustedProxies, java.time.Duration sessionLifetime) {
        /** --session-lifetime's default: how long a session cookie saves new Kerberos authenticators. */
        public static final java.time.Duration DEFAULT_SESSION_LIFETIME = java.time.Duration.ofSeconds(300);

        /** The default session lifetime (--session-lifetime). */
        public Settings(InetSocketAddress listen, String hostName, int maxRequestBytes, int threads, int maxThreads,
                        SSLContext tls, boolean insecureNoAuth, java.nio.file.Path hypervisorLog, boolean testDriver, Limits limits,
                        java.util.List<String> trustedProxies) {
            this(listen, hostName, maxRequestBytes, threads, maxThreads, tls, insecureNoAuth, hypervisorLog, testDriver, limits, trustedProxies,
                    DEFAULT_SESSION_LIFETIME);
        }

        /** No trusted proxies (--trust-proxy). */
        public Settings(InetSocketAddress listen, String hostName, int maxRequestBytes, int threads, int maxThreads,
                        SSLContext tls, boolean insecureNoAuth, java.nio.file.Path hypervisorLog, boolean testDriver, Limits limits) {
            this(listen, hostName, maxRequestBytes, threads, maxThreads, tls, insecureNoAuth, hypervisorLog, testDriver, limits, java.util.List.of());
        }

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
        public static final Limits DEFAULT = new Limits(Op.Deadline.OP.byDefault, Op.Deadline.MIGRATE.byDefault, 8, 32);

        java.time.Duration of(Op op) {
            switch (op.deadline) {
                case MIGRATE: return migrateTimeout;
                case OP: return opTimeout;
                default: throw new IllegalStateException("no limit for " + op.deadline);
            }
        }
    }

    private final Settings settings;
    /** What each operation does, one handler per entry of the operations table. */
    private final Handlers handlers;
    private final Kerberos.Acceptor acceptor;
    /** Sessions after a successful Negotiate; null: none (no TLS, no authentication, or --session-lifetime 0). */
    private final SessionCookie sessions;
    private final Authorization authz;
    private final Audit audit;
    private final HttpServer server;
    private final ExecutorService workers;
    /** Runs the libvirt calls: deadlines, per-domain locks (so check-then-act such as mem-set's maximum holds), a bounded queue. */
    private final Operations ops;
    private final AtomicInteger connections = new AtomicInteger();
    private final java.util.concurrent.atomic.AtomicLong negotiations = new java.util.concurrent.atomic.AtomicLong();

    public XmandServer(Settings settings, VmControl vm, Kerberos.Acceptor acceptor, K5Login k5login, Audit audit) throws IOException {
        this(settings, vm, acceptor, k5login, audit, Operations.REAL_TIME);
    }

    /** With the clock seam: {@code deadlines} decides when an operation's time is up. */
    XmandServer(Settings settings, VmControl vm, Kerberos.Acceptor acceptor, K5Login k5login, Audit audit, Operations.Deadlines deadlines) throws IOException {
        if (acceptor == null && !settings.insecureNoAuth()) throw new IllegalArgumentException("no Kerberos acceptor and authentication not disabled");
        if ((settings.insecureNoAuth() || settings.tls() == null) && !Loopback.only(settings.listen())) {
            throw new IllegalArgumentException(Loopback.refusal("xmand", Loopback.flags(settings.tls() == null, settings.insecureNoAuth()), addr(settings.listen())));
        }
        this.settings = settings;
        this.handlers = new Handlers(vm, audit::syslogDropped, settings.hypervisorLog(), settings.testDriver());
        this.acceptor = acceptor;
        this.sessions = settings.tls() == null || settings.insecureNoAuth() || settings.sessionLifetime().isZero()
                ? null : new SessionCookie(java.time.Clock.systemUTC(), settings.sessionLifetime());
        if (!settings.trustedProxies().isEmpty() && settings.insecureNoAuth()) {
            throw new IllegalArgumentException("--trust-proxy needs Kerberos: without authentication no proxy can be told apart");
        }
        this.authz = new Authorization(settings.trustedProxies(), settings.insecureNoAuth() ? null : k5login, settings.hostName());
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
        for (String proxy : authz.trustedProxies()) {
            audit.note("trusting " + proxy + " to act on behalf of users (--trust-proxy); without " + Protocol.ON_BEHALF_HEADER
                    + " it may only read every domain (list, lookup, describe) for an overview");
            try {
                if (authz.admin(proxy)) audit.note("WARNING: trusted proxy " + proxy + " is also an administrator: its requests without "
                        + Protocol.ON_BEHALF_HEADER + " may do anything here; remove it from the .k5login");
            } catch (ProtocolException e) {
                // An unusable .k5login refuses every request, and each refusal says why.
            }
        }
        audit.note("xmand listening on " + addr(address()) + (settings.tls() != null ? " (https)" : " (http, no TLS)")
                + (settings.insecureNoAuth() ? " WITHOUT AUTHENTICATION (--insecure-no-auth)" : ""));
    }

    public InetSocketAddress address() {
        return server.getAddress();
    }

    /** TLS connections accepted so far. */
    public int connectionCount() { return connections.get(); }

    /** Kerberos authenticators accepted so far (requests that came with a session cookie are not counted). */
    public long negotiationCount() { return negotiations.get(); }

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
        /** The trusted proxy that named {@link #principal}, or null. */
        String via;
        byte[] replyToken;
        /** A new session's Set-Cookie value, or the one that clears a refused session. */
        String setCookie;
        String op;
        String domain;
        /** How the request authenticated or tried to: negotiate, session, other (another scheme), none (--insecure-no-auth); null: it brought neither. */
        String auth;
    }

    private void handle(HttpExchange ex) {
        Outcome o = new Outcome();
        String from = addr(ex.getRemoteAddress());
        try {
            String path = ex.getRequestURI().getRawPath();
            o.op = path.startsWith(Protocol.PREFIX) ? path.substring(Protocol.PREFIX.length()) : path;
            if (o.op.length() > 40) o.op = o.op.substring(0, 40);
            authenticate(ex, o);
            Authorization.Caller caller = authz.caller(o.principal, ex.getRequestHeaders().get(Protocol.ON_BEHALF_HEADER));
            o.principal = caller.principal();
            o.via = caller.via();
            boolean admin = authz.admin(caller.principal());
            if (!admin && (!path.startsWith(Protocol.PREFIX) || Op.of(o.op) == null)) throw authz.adminOnly(caller, null);
            if (!path.startsWith(Protocol.PREFIX)) throw new ProtocolException(404, "NOT_FOUND", "no such path " + Protocol.printable(path) + "; operations live under " + Protocol.PREFIX);
            Op op = Op.of(o.op);
            if (op == null) throw new ProtocolException(404, "NOT_FOUND", "unknown operation " + Protocol.printable(o.op) + "; try help");
            String method = ex.getRequestMethod();
            Map<String, Object> args = new LinkedHashMap<>();
            ProtocolException bad = null;
            try {
                if (method.equals("POST")) {
                    args = Requests.body(ex, settings.maxRequestBytes());
                } else if (method.equals("GET") || method.equals("HEAD")) {
                    if (op.mutates) throw new ProtocolException(405, "METHOD_NOT_ALLOWED", op.wire + " changes the host: use POST");
                    args = Requests.query(ex.getRequestURI().getRawQuery());
                } else {
                    throw new ProtocolException(405, "METHOD_NOT_ALLOWED", "method " + method + " is not supported; use GET or POST");
                }
            } catch (ProtocolException e) {
                bad = e;
            }
            Object domainArg = args.get("domain");
            if (domainArg instanceof String) o.domain = Protocol.printable((String) domainArg).replaceAll("^'|'$", "");
            // A non-administrator asking for an administrators' operation hears only "denied", whatever
            // else is wrong with the request; ownership is checked with the domain's lock held.
            if (!admin && op.caller != Op.Caller.OWNER) throw authz.adminOnly(caller, op.wire);
            boolean unfiltered = admin || authz.overviewReader(caller, op);
            if (bad != null) throw bad;
            String domain = lockKey(op, args, o);
            Map<String, Object> checked = args;
            Object result = ops.run(op.wire + (o.domain != null ? " " + o.domain : ""), domain, settings.limits().of(op),
                    () -> unfiltered ? handlers.run(op, checked) : handlers.runAsOwner(op, checked, caller, authz));
            // The audit line is written before the answer leaves: an answered request is always on record.
            audit.event("REQUEST", from, o.principal, o.via, o.op, o.domain, "ok", 200, o.auth, null);
            respond(ex, 200, Protocol.ok(settings.hostName(), op, result), o);
        } catch (ProtocolException e) {
            audit.event("REQUEST", from, o.principal, o.via, o.op, o.domain, e.status >= 500 ? "failed" : "refused", e.status, o.auth, e.kind + ": " + e.getMessage());
            respond(ex, e.status, Protocol.error(settings.hostName(), o.op, e.kind, e.getMessage()), o);
        } catch (VirtException e) {
            int status = Protocol.statusOf(e.kind());
            boolean refused = e.kind() == VirtException.Kind.INVALID_ARGUMENT || e.kind() == VirtException.Kind.DENIED;
            audit.event("REQUEST", from, o.principal, o.via, o.op, o.domain, refused ? "refused" : "failed", status, o.auth, e.kind() + ": " + e.getMessage());
            respond(ex, status, Protocol.error(settings.hostName(), o.op, e.kind().name(), e.getMessage()), o);
        } catch (Exception e) {
            audit.event("REQUEST", from, o.principal, o.via, o.op, o.domain, "failed", 500, o.auth, "internal error: " + e);
            respond(ex, 500, Protocol.error(settings.hostName(), o.op, "FAILED", "internal error: " + e), o);
        } finally {
            ex.close();
        }
    }

    private void authenticate(HttpExchange ex, Outcome o) throws ProtocolException {
        if (settings.insecureNoAuth()) {
            o.principal = "(unauthenticated)";
            o.auth = "none";
            return;
        }
        String h = ex.getRequestHeaders().getFirst("Authorization");
        if (h == null && sessions != null) {
            String cookie = SessionCookie.fromHeader(String.join("; ", ex.getRequestHeaders().getOrDefault("Cookie", java.util.List.of())));
            if (cookie != null) {
                o.auth = "session";
                try {
                    // Who may do what is decided afresh below (.k5login, owners), as for a Negotiate request.
                    byte[] binding = tlsSession(ex);
                    if (binding == null) throw new SessionCookie.Refused("this TLS session has no identifier to bind a session to");
                    o.principal = sessions.verify(cookie, binding);
                    return;
                } catch (SessionCookie.Refused e) {
                    o.setCookie = SessionCookie.clearCookie(Protocol.PREFIX);
                    throw new ProtocolException(401, "UNAUTHENTICATED", e.getMessage() + "; authenticate again with Negotiate");
                }
            }
        }
        if (h == null) throw new ProtocolException(401, "UNAUTHENTICATED", "Kerberos authentication required (Authorization: Negotiate)");
        if (!h.regionMatches(true, 0, "Negotiate ", 0, 10)) {
            o.auth = "other";
            throw new ProtocolException(401, "UNAUTHENTICATED", "only the Negotiate (SPNEGO/Kerberos 5) scheme is accepted");
        }
        o.auth = "negotiate";
        byte[] token;
        try {
            token = Base64.getDecoder().decode(h.substring(10).trim());
        } catch (IllegalArgumentException e) {
            throw new ProtocolException(401, "UNAUTHENTICATED", "the Negotiate token is not base64");
        }
        try {
            Kerberos.Acceptor.Accepted a = acceptor.accept(token);
            negotiations.incrementAndGet();
            o.principal = a.principal();
            o.replyToken = a.replyToken();
            if (sessions != null && a.lifetimeSeconds() > 0 && tlsSession(ex) != null) {
                o.setCookie = SessionCookie.setCookie(sessions.issue(a.principal(), tlsSession(ex), a.lifetimeSeconds()), Protocol.PREFIX);
            }
        } catch (GSSException e) {
            throw new ProtocolException(401, "UNAUTHENTICATED", "Kerberos authentication failed: " + Kerberos.describe(e));
        }
    }

    /** What a session cookie is bound to (see {@link SessionCookie#binding}). */
    private static byte[] tlsSession(HttpExchange ex) {
        // Sessions exist only with TLS, so every exchange is an HttpsExchange.
        return SessionCookie.binding(((HttpsExchange) ex).getSSLSession());
    }

    /**
     * The domain whose lock the operation takes, checked (null for read-only operations): every
     * operation that changes a domain holds its lock, so check-then-act sequences hold. Runs on the
     * request's thread, before anything reaches libvirt.
     */
    private String lockKey(Op op, Map<String, Object> args, Outcome o) throws ProtocolException {
        switch (op.lock) {
            case DEFINED_NAME: {
                String xml = Protocol.optStr(args, "xml");
                if (xml == null && op.xml == Op.Xml.REQUIRED) throw new ProtocolException(400, "INVALID_ARGUMENT", op.wire + " needs \"xml\"");
                String name = Protocol.checkDomainName(xml == null ? Protocol.optStr(args, "domain") : DomainXml.nameOf(xml));
                o.domain = name;
                return name;
            }
            case DOMAIN:
            case NONE:
                if (!op.needsDomain) return null;
                String domain = Protocol.checkDomainName(Protocol.optStr(args, "domain"));
                if (op.args.contains(Op.Arg.DESTINATION)) MigrationUri.check(Protocol.optStr(args, Op.Arg.DESTINATION.key), settings.testDriver());
                return op.lock == Op.Lock.DOMAIN ? domain : null;
            default:
                throw new IllegalStateException("no lock rule for " + op.lock);
        }
    }

    private void respond(HttpExchange ex, int status, Map<String, Object> body, Outcome o) {
        try {
            ResponseBody b = ResponseBody.of(body);
            ex.getResponseHeaders().set("Content-Type", Protocol.JSON_TYPE);
            ex.getResponseHeaders().set("Cache-Control", "no-store");
            if (status == 503) ex.getResponseHeaders().set("Retry-After", Integer.toString(Operations.RETRY_AFTER_SECONDS));
            if (o.setCookie != null) ex.getResponseHeaders().add("Set-Cookie", o.setCookie);
            if (status == 401) ex.getResponseHeaders().add("WWW-Authenticate", "Negotiate");
            else if (o.replyToken != null && o.replyToken.length > 0) {
                // RFC 4559 section 5: the final server token, so the client can authenticate us.
                ex.getResponseHeaders().add("WWW-Authenticate", "Negotiate " + Base64.getEncoder().encodeToString(o.replyToken));
            }
            if (ex.getRequestMethod().equals("HEAD")) {
                ex.sendResponseHeaders(status, -1);
                return;
            }
            ex.sendResponseHeaders(status, b.length());
            try (OutputStream out = ex.getResponseBody()) {
                out.write(b.bytes(), 0, b.length());
            }
        } catch (IOException e) {
            // The client went away; the audit line still records what was done.
        }
    }
}
