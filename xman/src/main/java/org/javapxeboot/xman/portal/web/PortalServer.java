package org.javapxeboot.xman.portal.web;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import com.sun.net.httpserver.HttpsConfigurator;
import com.sun.net.httpserver.HttpsServer;
import org.javapxeboot.xman.client.Rxm;
import org.javapxeboot.xman.client.XmanClient;
import org.javapxeboot.xman.portal.fleet.Fleet;
import org.javapxeboot.xman.portal.fleet.Overview;
import org.javapxeboot.xman.transport.Loopback;
import org.javapxeboot.xman.vm.VmControl.DomainInfo;
import org.javapxeboot.xman.wire.Json;
import org.javapxeboot.xman.wire.Op;
import org.javapxeboot.xman.wire.Protocol;

import javax.net.ssl.SSLContext;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;

/**
 * The portal's HTTP side: authenticate every request (Negotiate), then serve the overview, its
 * JSON, the details pages, the actions (POST, CSRF-checked, sent to xmand on behalf of the user)
 * and two static files. Every answer carries the security headers.
 */
public final class PortalServer implements AutoCloseable {
    /** Largest form body; an action's form is a few hundred bytes. */
    static final int MAX_FORM_BYTES = 16 * 1024;
    static final int MAX_PATH = 2048;
    static final int DMESG_LINES = 40;
    static final String CSP = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self'; "
            + "frame-ancestors 'none'; form-action 'self'; base-uri 'none'";

    /** A call made for a user: {@link XmanClient#call(XmanClient.Target, Op, Map, String)}. */
    @FunctionalInterface
    public interface UserCaller {
        Object call(XmanClient.Target target, Op op, Map<String, Object> args, String onBehalfOf) throws XmanClient.Failure;
    }

    public record Settings(InetSocketAddress listen, SSLContext tls, int threads, Duration poll) {}

    private final Settings settings;
    private final Fleet fleet;
    private final UserCaller caller;
    private final UserCaller reader;
    private final Authenticator auth;
    private final Sessions sessions = new Sessions();
    private final HttpServer server;
    private final ThreadPoolExecutor workers;
    private final Map<String, byte[]> statics = new HashMap<>();

    /** One caller for the details pages' reads and for the actions. */
    public PortalServer(Settings settings, Fleet fleet, UserCaller caller, Authenticator auth) throws IOException {
        this(settings, fleet, caller, caller, auth);
    }

    /**
     * @param reader the details pages' reads (lookup, describe, dmesg, migrate's info), with the
     *               hosts' short deadline: they hold a request thread while they wait
     * @param caller the actions, whose deadline must outlast the longest (migrate)
     */
    public PortalServer(Settings settings, Fleet fleet, UserCaller reader, UserCaller caller, Authenticator auth) throws IOException {
        if ((settings.tls() == null || auth == Authenticator.NONE) && !Loopback.only(settings.listen())) {
            throw new IllegalArgumentException(Loopback.refusal("xman-portal", Loopback.flags(settings.tls() == null, auth == Authenticator.NONE),
                    "--listen " + settings.listen()));
        }
        this.settings = settings;
        this.fleet = fleet;
        this.caller = caller;
        this.reader = reader;
        this.auth = auth;
        for (String f : List.of("portal.css", "portal.js")) {
            try (InputStream in = PortalServer.class.getResourceAsStream("static/" + f)) {
                if (in == null) throw new IOException("static/" + f + " is missing from the class path");
                statics.put("/static/" + f, in.readAllBytes());
            }
        }
        if (settings.tls() != null) {
            HttpsServer s = HttpsServer.create(settings.listen(), 256);
            s.setHttpsConfigurator(new HttpsConfigurator(settings.tls()));
            server = s;
        } else {
            server = HttpServer.create(settings.listen(), 256);
        }
        // Bounded: the threads, and a queue behind them; past both a request is refused at once.
        workers = new ThreadPoolExecutor(settings.threads(), settings.threads(), 30, TimeUnit.SECONDS,
                new ArrayBlockingQueue<>(256), r -> {
                    Thread t = new Thread(r, "portal-http");
                    t.setDaemon(true);
                    return t;
                }, new ThreadPoolExecutor.AbortPolicy());
        server.setExecutor(workers);
        server.createContext("/", this::handle);
    }

    public void start() {
        server.start();
    }

    public InetSocketAddress address() {
        return server.getAddress();
    }

    @Override
    public void close() {
        server.stop(0);
        workers.shutdownNow();
    }

    private void handle(HttpExchange ex) {
        try (ex) {
            headers(ex);
            String path = ex.getRequestURI().getRawPath();
            String method = ex.getRequestMethod();
            if (path.length() > MAX_PATH) {
                send(ex, 414, Pages.problem(414, "the address is too long"));
                return;
            }
            byte[] file = statics.get(path);
            Authenticator.Identity id;
            try {
                id = auth.authenticate(ex.getRequestHeaders().getFirst("Authorization"));
            } catch (Authenticator.Refused e) {
                if (e.status == 401) ex.getResponseHeaders().add("WWW-Authenticate", "Negotiate");
                send(ex, e.status, Pages.problem(e.status, e.getMessage()));
                return;
            }
            if (id.replyToken() != null && id.replyToken().length > 0) {
                ex.getResponseHeaders().add("WWW-Authenticate", "Negotiate " + Base64.getEncoder().encodeToString(id.replyToken()));
            }
            String user = id.principal() != null ? id.principal() : "anonymous";
            if (file != null && method.equals("GET")) {
                ex.getResponseHeaders().set("Content-Type", path.endsWith(".css") ? "text/css; charset=utf-8" : "text/javascript; charset=utf-8");
                ex.getResponseHeaders().set("Cache-Control", "no-cache");
                sendBytes(ex, 200, file);
            } else if (path.equals("/") && method.equals("GET")) {
                Map<String, String> q = form(ex.getRequestURI().getRawQuery());
                page(ex, 200, Pages.overview(rows(), fleet.view(), id.principal(), fleet.clock().instant(), settings.poll().toSeconds(),
                        q.get("host"), q.get("state")));
            } else if (path.equals("/api/overview") && method.equals("GET")) {
                byte[] b = Json.write(Pages.overviewJson(rows(), fleet.clock().instant(), settings.poll().toSeconds())).getBytes(StandardCharsets.UTF_8);
                ex.getResponseHeaders().set("Content-Type", Protocol.JSON_TYPE);
                sendBytes(ex, 200, b);
            } else if (path.startsWith("/domain/")) {
                details(ex, path, method, id.principal(), user);
            } else {
                send(ex, 404, Pages.problem(404, "no such page; the overview is at /"));
            }
        } catch (IOException e) {
            // The browser went away.
        }
    }

    private List<Overview.Row> rows() {
        return Overview.rows(fleet.snapshots(), fleet.clock().instant(), settings.poll(), fleet.view());
    }

    private void details(HttpExchange ex, String path, String method, String principal, String user) throws IOException {
        String[] parts = path.substring("/domain/".length()).split("/", -1);
        if (parts.length != 2) {
            send(ex, 404, Pages.problem(404, "expected /domain/HOST/DOMAIN"));
            return;
        }
        String hostName, domain;
        try {
            hostName = URLDecoder.decode(parts[0], StandardCharsets.UTF_8);
            domain = URLDecoder.decode(parts[1], StandardCharsets.UTF_8);
        } catch (IllegalArgumentException e) {
            send(ex, 404, Pages.problem(404, "the address is not well-formed: " + e.getMessage()));
            return;
        }
        XmanClient.Target target = fleet.byName(hostName);
        if (target == null) {
            send(ex, 404, Pages.problem(404, "host " + Protocol.printable(hostName) + " is not one of the portal's hosts"));
            return;
        }
        try {
            Protocol.checkDomainName(domain);
        } catch (Protocol.ProtocolException e) {
            send(ex, 404, Pages.problem(404, e.getMessage()));
            return;
        }
        Sessions.Session session = sessions.get(ex.getRequestHeaders().getFirst("Cookie"), user);
        ex.getResponseHeaders().add("Set-Cookie", Sessions.setCookie(session, settings.tls() != null));
        String result = null, error = null;
        int status = 200;
        if (method.equals("POST")) {
            Map<String, String> f;
            try {
                f = form(body(ex));
            } catch (IllegalStateException e) {
                send(ex, 413, Pages.problem(413, e.getMessage()));
                return;
            }
            // The CSRF check comes before anything else about the form: a forged request learns nothing and changes nothing.
            if (!sessions.check(ex.getRequestHeaders().getFirst("Cookie"), user, f.get("csrf"))) {
                send(ex, 403, Pages.problem(403, "the form's token does not match this session (a stale page or a request from another site): reload the page and try again"));
                return;
            }
            try {
                Actions.Request r = Actions.parse(domain, f);
                if (r.op() == Op.MIGRATE) r.args().put("destination", migrationUri(target, r.destinationHost(), principal));
                caller.call(target, r.op(), r.args(), principal);
                result = r.op().wire + " " + domain + " on " + hostName + ": done";
                fleet.pollOnce();
            } catch (Actions.Invalid e) {
                status = 400;
                error = e.getMessage() + "; nothing was changed";
            } catch (XmanClient.Failure e) {
                status = e.status >= 400 ? e.status : 502;
                error = hostName + ": " + e.kind + ": " + e.getMessage();
            }
        } else if (!method.equals("GET")) {
            send(ex, 405, Pages.problem(405, "use GET, or POST for an action"));
            return;
        }
        DomainInfo info = null;
        String xml = null, readError = null;
        List<String> dmesg = null;
        try {
            info = Protocol.domainFrom(reader.call(target, Op.LOOKUP, Map.of("domain", domain), principal));
            Object x = reader.call(target, Op.DESCRIBE, Map.of("domain", domain), principal);
            xml = x instanceof String ? (String) x : null;
            Object d = reader.call(target, Op.DMESG, Map.of(), principal);
            dmesg = new ArrayList<>();
            if (d instanceof List) for (Object o : (List<?>) d) dmesg.add(String.valueOf(o));
            if (dmesg.size() > DMESG_LINES) dmesg = new ArrayList<>(dmesg.subList(dmesg.size() - DMESG_LINES, dmesg.size()));
        } catch (XmanClient.Failure e) {
            readError = "reading " + domain + " on " + hostName + ": " + e.kind + ": " + e.getMessage();
            if (status == 200 && info == null) status = e.status >= 400 ? e.status : 502;
        } catch (Protocol.ProtocolException e) {
            readError = "reading " + domain + " on " + hostName + ": not an xman answer: " + e.getMessage();
        }
        List<String> others = new ArrayList<>();
        for (XmanClient.Target t : fleet.targets()) if (!t.equals(target)) others.add(Fleet.name(t));
        page(ex, status, Pages.details(new Pages.Details(hostName, domain, info, xml, dmesg, readError, others, session.csrf(), result, error), principal));
    }

    /** The destination host's libvirt URI as the source host reaches it (what rxm does for migrate HOST). */
    private String migrationUri(XmanClient.Target from, String destName, String principal) throws Actions.Invalid, XmanClient.Failure {
        XmanClient.Target dest = fleet.byName(destName);
        if (dest == null) throw new Actions.Invalid("destination: " + Protocol.printable(destName) + " is not one of the portal's hosts");
        if (dest.equals(from)) throw new Actions.Invalid("destination: the domain is already on " + destName);
        Object info = reader.call(dest, Op.INFO, Map.of(), principal);
        if (!(info instanceof Map) || !(((Map<?, ?>) info).get("uri") instanceof String)) {
            throw new XmanClient.Failure(XmanClient.Category.OPERATION, "PROTOCOL", 502, destName + " did not say its libvirt URI");
        }
        return Rxm.remoteUri((String) ((Map<?, ?>) info).get("uri"), dest.host());
    }

    private void headers(HttpExchange ex) {
        var h = ex.getResponseHeaders();
        h.set("Content-Security-Policy", CSP);
        h.set("X-Content-Type-Options", "nosniff");
        h.set("X-Frame-Options", "DENY");
        h.set("Referrer-Policy", "no-referrer");
        h.set("Cache-Control", "no-store");
        if (settings.tls() != null) h.set("Strict-Transport-Security", "max-age=31536000");
    }

    private static byte[] body(HttpExchange ex) throws IOException {
        InputStream in = ex.getRequestBody();
        byte[] b = in.readNBytes(MAX_FORM_BYTES + 1);
        if (b.length > MAX_FORM_BYTES) throw new IllegalStateException("the form is larger than " + MAX_FORM_BYTES + " bytes");
        return b;
    }

    private static Map<String, String> form(byte[] body) {
        return form(new String(body, StandardCharsets.UTF_8));
    }

    /** application/x-www-form-urlencoded (or a query string): the first value of each name. */
    static Map<String, String> form(String s) {
        Map<String, String> m = new HashMap<>();
        if (s == null || s.isEmpty()) return m;
        for (String pair : s.split("&")) {
            int eq = pair.indexOf('=');
            try {
                String k = URLDecoder.decode(eq < 0 ? pair : pair.substring(0, eq), StandardCharsets.UTF_8);
                String v = eq < 0 ? "" : URLDecoder.decode(pair.substring(eq + 1), StandardCharsets.UTF_8);
                m.putIfAbsent(k, v);
            } catch (IllegalArgumentException e) {
                // A malformed %-escape: the field is as good as absent (and a missing csrf is refused).
            }
        }
        return m;
    }

    private static void page(HttpExchange ex, int status, String html) throws IOException {
        send(ex, status, html);
    }

    private static void send(HttpExchange ex, int status, String html) throws IOException {
        ex.getResponseHeaders().set("Content-Type", "text/html; charset=utf-8");
        sendBytes(ex, status, html.getBytes(StandardCharsets.UTF_8));
    }

    private static void sendBytes(HttpExchange ex, int status, byte[] b) throws IOException {
        if (ex.getRequestMethod().equals("HEAD")) {
            ex.sendResponseHeaders(status, -1);
            return;
        }
        ex.sendResponseHeaders(status, b.length);
        try (OutputStream out = ex.getResponseBody()) {
            out.write(b);
        }
    }

}
