package org.javapxeboot.xman.client;

import org.javapxeboot.xman.auth.Kerberos;
import org.javapxeboot.xman.auth.SessionCookie;
import org.javapxeboot.xman.wire.Json;
import org.javapxeboot.xman.wire.Protocol;

import org.ietf.jgss.GSSException;
import org.javapxeboot.xman.wire.Op;

import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLHandshakeException;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.ConnectException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpConnectTimeoutException;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Flow;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * One xman client: sends an operation to an xmand host over HTTPS with a fresh SPNEGO token, and
 * checks the server's mutual-authentication token on the answer before believing it. When that
 * answer hands out a session (xmand --session-lifetime), the next requests to the host send the
 * session cookie instead of a new token, and are believed only over the TLS certificate the
 * authenticated answer came with; a refused session (401) is dropped and the request sent again
 * with Negotiate, once. Thread-safe:
 * rxm asks several hosts at once through one client.
 */
public final class XmanClient {
    public static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(30);

    /** Why a call failed, as rxm's exit codes see it (docs/xman.md). */
    public enum Category {
        OPERATION(1), AUTH(3), UNREACHABLE(4);
        public final int exitCode;

        Category(int exitCode) { this.exitCode = exitCode; }
    }

    public static final class Failure extends Exception {
        public final Category category;
        /** The server's error kind (NO_DOMAIN, DENIED...) or the client's (UNREACHABLE, MUTUAL_AUTH...). */
        public final String kind;
        public final int status;

        public Failure(Category category, String kind, int status, String message) {
            super(message);
            this.category = category;
            this.kind = kind;
            this.status = status;
        }
    }

    /** host[:port]; IPv6 literals in brackets. */
    public record Target(String host, int port) {
        public static Target parse(String s) {
            String h = s;
            int port = Protocol.DEFAULT_PORT;
            int colon = s.lastIndexOf(':');
            if (colon > 0 && (s.indexOf(':') == colon || s.startsWith("["))) {
                if (!s.startsWith("[") || s.charAt(colon - 1) == ']') {
                    h = s.substring(0, colon);
                    try {
                        port = Integer.parseInt(s.substring(colon + 1));
                    } catch (NumberFormatException e) {
                        throw new IllegalArgumentException("host " + s + ": the port is not a number");
                    }
                }
            }
            if (h.startsWith("[") && h.endsWith("]")) h = h.substring(1, h.length() - 1);
            if (h.isEmpty() || port <= 0 || port > 65535) throw new IllegalArgumentException("bad host " + s);
            return new Target(h, port);
        }

        @Override
        public String toString() {
            return (host.contains(":") ? "[" + host + "]" : host) + ":" + port;
        }
    }

    /**
     * The daemons' certificates when none are given: $XMAN_CACERT (comma-separated files), else
     * ~/.xman/ca.pem if it exists, else null (the JDK's trusted CAs).
     */
    public static java.util.List<java.nio.file.Path> defaultCaCerts() {
        String env = System.getenv("XMAN_CACERT");
        if (env != null && !env.isBlank()) {
            java.util.List<java.nio.file.Path> l = new java.util.ArrayList<>();
            for (String f : env.split(",")) if (!f.isBlank()) l.add(java.nio.file.Path.of(f.trim()));
            return l;
        }
        java.nio.file.Path home = java.nio.file.Path.of(System.getProperty("user.home"), ".xman", "ca.pem");
        return java.nio.file.Files.exists(home) ? java.util.List.of(home) : null;
    }

    /** The largest answer read from a daemon (a list of thousands of domains is a few MiB). */
    public static final int MAX_ANSWER_BYTES = 16 * 1024 * 1024;

    private final Kerberos.Initiator initiator;
    private final SSLContext tls;
    private final String servicePrincipal;
    private final Duration timeout;
    private final HttpClient http;

    /**
     * @param initiator        Kerberos credentials; null only against a daemon run with --insecure-no-auth
     * @param tls              trust for the daemons' certificates; null for plain HTTP (--no-tls daemons)
     * @param servicePrincipal the daemon's principal, or null for HTTP@host (RFC 4559's convention)
     */
    public XmanClient(Kerberos.Initiator initiator, SSLContext tls, String servicePrincipal, Duration timeout) {
        this.initiator = initiator;
        this.tls = tls;
        this.servicePrincipal = servicePrincipal;
        this.timeout = timeout;
        HttpClient.Builder b = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).connectTimeout(timeout)
                .followRedirects(HttpClient.Redirect.NEVER);
        if (tls != null) b.sslContext(tls);
        this.http = b.build();
    }

    /** Runs one operation; returns the answer's "result" (a JSON value). */
    public Object call(Target target, Op op, Map<String, Object> args) throws Failure {
        return call(target, op, args, null);
    }

    /**
     * Runs one operation for another user: a front end that xmand trusts by name (xmand
     * {@code --trust-proxy}, the web portal) authenticates as itself and names the user in
     * {@link Protocol#ON_BEHALF_HEADER}; xmand authorises and audits that user. {@code onBehalfOf}
     * null sends no header (the call is the client's own).
     */
    public Object call(Target target, Op op, Map<String, Object> args, String onBehalfOf) throws Failure {
        if (onBehalfOf != null && (onBehalfOf.isEmpty() || onBehalfOf.length() > 256 || onBehalfOf.chars().anyMatch(c -> c < 0x21 || c >= 0x7f))) {
            throw new Failure(Category.OPERATION, "INVALID_ARGUMENT", 0, "the user to act for, " + Protocol.printable(onBehalfOf)
                    + ", is not a principal name (1-256 printable ASCII characters, no spaces)");
        }
        Session session = initiator != null && tls != null ? sessions.get(target) : null;
        if (session != null) {
            HttpResponse<String> resp = exchange(target, op, args, onBehalfOf, session.cookie(), null);
            if (resp.statusCode() != 401) {
                // The session came from a daemon that proved its Kerberos identity on a TLS connection
                // with this certificate; an answer over any other certificate is not believed.
                if (!session.certificate().equals(peerCertificate(resp))) {
                    sessions.remove(target, session);
                    throw new Failure(Category.AUTH, "MUTUAL_AUTH", resp.statusCode(), "the server at " + target
                            + " answered a session request with another TLS certificate than the one it authenticated with");
                }
                return result(resp, body(resp));
            }
            // Expired, from an earlier start of the daemon or another TLS session: nothing was done
            // (the daemon authenticates first), so authenticate again with Kerberos.
            sessions.remove(target, session);
        }
        Kerberos.Initiator.Pending pending = null;
        if (initiator != null) {
            try {
                pending = initiator.start(servicePrincipal != null ? servicePrincipal : "HTTP@" + target.host());
            } catch (GSSException e) {
                throw new Failure(Category.AUTH, "NO_CREDENTIALS", 0, "cannot get a Kerberos ticket for "
                        + (servicePrincipal != null ? servicePrincipal : "HTTP/" + target.host()) + ": " + Kerberos.describe(e));
            }
        }
        HttpResponse<String> resp;
        Map<String, Object> body;
        try {
            resp = exchange(target, op, args, onBehalfOf, null, pending);
            body = body(resp);
        } catch (Failure f) {
            dispose(pending);
            throw f;
        }
        if (resp.statusCode() == 401) {
            dispose(pending);
            throw new Failure(Category.AUTH, "UNAUTHENTICATED", 401, message(body));
        }
        if (pending != null) {
            // Believe nothing, not even an error, from a server that has not proved its identity.
            try {
                pending.verify(negotiateToken(resp));
            } catch (GSSException e) {
                throw new Failure(Category.AUTH, "MUTUAL_AUTH", resp.statusCode(), "the server at " + target + " failed mutual authentication: " + Kerberos.describe(e));
            }
            keepSession(target, resp);
        }
        return result(resp, body);
    }

    /** A daemon's session (its cookie) and the TLS certificate of the daemon that proved itself when handing it out. */
    private record Session(String cookie, java.security.cert.Certificate certificate) {}

    /** At most one session per daemon; a new Negotiate replaces it. */
    private final java.util.concurrent.ConcurrentHashMap<Target, Session> sessions = new java.util.concurrent.ConcurrentHashMap<>();

    /** Remembers the session a mutually authenticated answer handed out, if any (xmand --session-lifetime). */
    private void keepSession(Target target, HttpResponse<?> resp) {
        if (tls == null) return;
        java.security.cert.Certificate cert = peerCertificate(resp);
        for (String h : resp.headers().allValues("Set-Cookie")) {
            String first = h.split(";", 2)[0].trim();
            if (!first.startsWith(SessionCookie.NAME + "=")) continue;
            String value = first.substring(SessionCookie.NAME.length() + 1);
            // Only what the daemon's own cookies are made of: a value is echoed in a header, never interpreted.
            if (cert == null || value.isEmpty() || value.length() > SessionCookie.MAX_VALUE_CHARS || !value.matches("[A-Za-z0-9._-]+")) {
                sessions.remove(target);
            } else {
                sessions.put(target, new Session(value, cert));
            }
        }
    }

    private static java.security.cert.Certificate peerCertificate(HttpResponse<?> resp) {
        try {
            java.security.cert.Certificate[] chain = resp.sslSession().isPresent() ? resp.sslSession().get().getPeerCertificates() : null;
            return chain == null || chain.length == 0 ? null : chain[0];
        } catch (javax.net.ssl.SSLPeerUnverifiedException e) {
            return null;
        }
    }

    /** One request and its answer: with the session {@code cookie}, or {@code pending}'s Negotiate token, or neither. */
    private HttpResponse<String> exchange(Target target, Op op, Map<String, Object> args, String onBehalfOf, String cookie,
                                          Kerberos.Initiator.Pending pending) throws Failure {
        URI uri = URI.create((tls != null ? "https://" : "http://") + target + Protocol.PREFIX + op.wire);
        HttpRequest.Builder rb = HttpRequest.newBuilder(uri).timeout(timeout)
                .header("Content-Type", Protocol.JSON_TYPE)
                .POST(HttpRequest.BodyPublishers.ofString(Json.write(args), StandardCharsets.UTF_8));
        if (onBehalfOf != null) rb.header(Protocol.ON_BEHALF_HEADER, onBehalfOf);
        if (pending != null) rb.header("Authorization", "Negotiate " + Base64.getEncoder().encodeToString(pending.token));
        if (cookie != null) rb.header("Cookie", SessionCookie.NAME + "=" + cookie);
        try {
            return send(rb.build());
        } catch (HttpConnectTimeoutException e) {
            throw new Failure(Category.UNREACHABLE, "UNREACHABLE", 0, "connection timed out");
        } catch (HttpTimeoutException e) {
            throw new Failure(Category.UNREACHABLE, "UNREACHABLE", 0, "no answer within " + timeout.toSeconds() + " s");
        } catch (TooLarge e) {
            throw new Failure(Category.OPERATION, "PROTOCOL", 0, e.getMessage());
        } catch (SSLHandshakeException e) {
            throw new Failure(Category.UNREACHABLE, "TLS", 0, "TLS handshake failed (is its certificate in --cacert?): " + e.getMessage());
        } catch (ConnectException e) {
            throw new Failure(Category.UNREACHABLE, "UNREACHABLE", 0, "connection refused");
        } catch (IOException e) {
            throw new Failure(Category.UNREACHABLE, "UNREACHABLE", 0, String.valueOf(e.getMessage() != null ? e.getMessage() : e));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new Failure(Category.UNREACHABLE, "INTERRUPTED", 0, "interrupted");
        }
    }

    private static Map<String, Object> body(HttpResponse<String> resp) throws Failure {
        try {
            return Json.parseObject(resp.body());
        } catch (Json.ParseException e) {
            throw new Failure(Category.OPERATION, "PROTOCOL", resp.statusCode(), "HTTP " + resp.statusCode() + " with a body that is not xman JSON: " + e.getMessage());
        }
    }

    /** The answer's result, or the failure it reports. */
    private static Object result(HttpResponse<String> resp, Map<String, Object> body) throws Failure {
        if (resp.statusCode() == 401) throw new Failure(Category.AUTH, "UNAUTHENTICATED", 401, message(body));
        if (Boolean.TRUE.equals(body.get("ok")) && resp.statusCode() == 200) return body.get("result");
        String kind = kind(body);
        Category c = resp.statusCode() == 403 ? Category.AUTH : Category.OPERATION;
        throw new Failure(c, kind, resp.statusCode(), message(body));
    }

    /**
     * The exchange within the deadline, the whole of it: the request's own timeout ends with the
     * answer's headers, so a daemon that then sends its body slowly, or never, would hold the
     * caller for ever. The answer is read up to {@link #MAX_ANSWER_BYTES}.
     */
    private HttpResponse<String> send(HttpRequest request) throws IOException, InterruptedException {
        CompletableFuture<HttpResponse<String>> f = http.sendAsync(request, info -> new Bounded(MAX_ANSWER_BYTES));
        try {
            return f.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (TimeoutException e) {
            f.cancel(true);
            throw new HttpTimeoutException("no answer within " + timeout.toSeconds() + " s");
        } catch (InterruptedException e) {
            f.cancel(true);
            throw e;
        } catch (ExecutionException e) {
            Throwable c = e.getCause();
            while (c instanceof CompletionException && c.getCause() != null) c = c.getCause();
            if (c instanceof IOException io) throw io;
            if (c instanceof RuntimeException r) throw r;
            if (c instanceof Error err) throw err;
            throw new IOException(c);
        }
    }

    /** An answer larger than the limit. */
    static final class TooLarge extends IOException {
        TooLarge(int limit) {
            super("the answer is larger than " + limit + " bytes");
        }
    }

    /** The answer's body as UTF-8 text, refused (and the connection dropped) past {@code limit} bytes. */
    private static final class Bounded implements HttpResponse.BodySubscriber<String> {
        private final CompletableFuture<String> body = new CompletableFuture<>();
        private final ByteArrayOutputStream buf = new ByteArrayOutputStream();
        private final int limit;
        private Flow.Subscription subscription;

        Bounded(int limit) {
            this.limit = limit;
        }

        @Override
        public void onSubscribe(Flow.Subscription s) {
            subscription = s;
            s.request(Long.MAX_VALUE);
        }

        @Override
        public void onNext(List<ByteBuffer> items) {
            if (body.isDone()) return;
            for (ByteBuffer b : items) {
                if ((long) buf.size() + b.remaining() > limit) {
                    subscription.cancel();
                    body.completeExceptionally(new TooLarge(limit));
                    return;
                }
                byte[] a = new byte[b.remaining()];
                b.get(a);
                buf.write(a, 0, a.length);
            }
        }

        @Override
        public void onError(Throwable t) {
            body.completeExceptionally(t);
        }

        @Override
        public void onComplete() {
            body.complete(buf.toString(StandardCharsets.UTF_8));
        }

        @Override
        public CompletionStage<String> getBody() {
            return body;
        }
    }

    private static void dispose(Kerberos.Initiator.Pending p) {
        if (p != null) p.dispose();
    }

    private static byte[] negotiateToken(HttpResponse<?> resp) {
        for (String h : resp.headers().allValues("WWW-Authenticate")) {
            if (h.regionMatches(true, 0, "Negotiate ", 0, 10)) {
                try {
                    return Base64.getDecoder().decode(h.substring(10).trim());
                } catch (IllegalArgumentException e) {
                    return null;
                }
            }
        }
        return null;
    }

    private static String kind(Map<String, Object> body) {
        Object e = body.get("error");
        return e instanceof Map && ((Map<?, ?>) e).get("kind") instanceof String ? (String) ((Map<?, ?>) e).get("kind") : "FAILED";
    }

    private static String message(Map<String, Object> body) {
        Object e = body.get("error");
        return e instanceof Map && ((Map<?, ?>) e).get("message") instanceof String ? (String) ((Map<?, ?>) e).get("message") : Json.write(body);
    }
}
