package org.javapxeboot.provisioner.serve;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.javapxeboot.xman.text.Escape;

/**
 * The small HTTP/1.1 server under {@link KickstartServer}: one request per connection
 * ({@code Connection: close}), a bounded pool and queue (503 when both are full, answered by the
 * accepting thread), and one deadline per connection for reading the request line, headers and
 * body and writing the answer. At the deadline the connection is answered 408 if nothing was
 * answered yet and closed, so a client that sends half a header and waits holds a worker only
 * until then. The JDK's {@code com.sun.net.httpserver} has neither a per-server header deadline
 * nor a bounded queue.
 *
 * <p>The deadlines go through {@link Watchdog}, so a test arms and fires them itself.
 */
final class HttpLite implements AutoCloseable {
    static final int MAX_HEADER = 8192;
    static final int MAX_BODY = 4096;

    /** Connections one address may hold at once (in a worker or queued); more are closed at accept. */
    static final int MAX_PER_SOURCE = 4;

    /** A request as read; the path is the raw (undecoded) path, the query raw too. */
    record Request(String method, String path, String query, Map<String, String> headers, byte[] body,
                   InetAddress remote) {
        String bodyText() {
            return new String(body, StandardCharsets.UTF_8);
        }
    }

    record Response(int code, String contentType, byte[] body, Map<String, String> headers) {
        static Response text(int code, String text) {
            return new Response(code, "text/plain; charset=utf-8", text.getBytes(StandardCharsets.UTF_8), Map.of());
        }
    }

    interface Handler {
        Response handle(Request r);
    }

    /** Arms a deadline: {@code onExpiry} runs once {@code after} has passed unless cancelled. */
    interface Watchdog extends AutoCloseable {
        Runnable arm(Duration after, Runnable onExpiry);

        @Override
        void close();

        static Watchdog scheduled() {
            ScheduledThreadPoolExecutor ses = new ScheduledThreadPoolExecutor(1, r -> {
                Thread t = new Thread(r, "ks-http-deadlines");
                t.setDaemon(true);
                return t;
            });
            ses.setRemoveOnCancelPolicy(true);
            return new Watchdog() {
                @Override
                public Runnable arm(Duration after, Runnable onExpiry) {
                    ScheduledFuture<?> f = ((ScheduledExecutorService) ses).schedule(onExpiry, after.toNanos(), TimeUnit.NANOSECONDS);
                    return () -> f.cancel(false);
                }

                @Override
                public void close() {
                    ses.shutdownNow();
                }
            };
        }
    }

    private final ServerSocket socket;
    private final ThreadPoolExecutor pool;
    private final Handler handler;
    private final Duration deadline;
    private final Watchdog watchdog;
    private final Consumer<String> log;
    private final Thread acceptor;
    private final java.util.function.Predicate<InetAddress> admit;
    private final int perSource;
    private final java.util.concurrent.ConcurrentHashMap<InetAddress, Integer> open = new java.util.concurrent.ConcurrentHashMap<>();
    private volatile boolean closed;

    HttpLite(InetSocketAddress bind, int threads, int queue, Duration deadline, Watchdog watchdog, Handler handler,
             Consumer<String> log) throws IOException {
        this(bind, threads, queue, deadline, watchdog, a -> true, MAX_PER_SOURCE, handler, log);
    }

    /**
     * @param admit     whom to talk to at all: any other peer is closed at accept, before it can
     *                  take a place in the queue or a worker
     * @param perSource connections one address may hold at once; beyond that closed at accept
     */
    HttpLite(InetSocketAddress bind, int threads, int queue, Duration deadline, Watchdog watchdog,
             java.util.function.Predicate<InetAddress> admit, int perSource, Handler handler, Consumer<String> log)
            throws IOException {
        this.admit = admit;
        this.perSource = perSource;
        this.socket = new ServerSocket();
        this.socket.setReuseAddress(true);
        this.socket.bind(bind, 64);
        this.handler = handler;
        this.deadline = deadline;
        this.watchdog = watchdog;
        this.log = log;
        this.pool = new ThreadPoolExecutor(threads, threads, 60, TimeUnit.SECONDS, new ArrayBlockingQueue<>(queue), r -> {
            Thread t = new Thread(r, "ks-http");
            t.setDaemon(true);
            return t;
        }, new ThreadPoolExecutor.AbortPolicy());
        this.acceptor = new Thread(this::acceptLoop, "ks-http-accept");
        this.acceptor.setDaemon(true);
        this.acceptor.start();
    }

    int port() {
        return socket.getLocalPort();
    }

    InetAddress address() {
        return socket.getInetAddress();
    }

    private void acceptLoop() {
        while (!closed) {
            Socket s;
            try {
                s = socket.accept();
            } catch (IOException e) {
                if (closed) {
                    return;
                }
                log.accept("accept failed: " + e.getMessage());
                continue;
            }
            InetAddress from = s.getInetAddress();
            if (!admit.test(from) || !take(from)) {
                // not a guest, or one address holding its share already: closed before it can
                // queue, so that trickling sockets from anywhere cannot starve the guests
                try {
                    s.close();
                } catch (IOException ignored) {
                    // closing
                }
                continue;
            }
            try {
                pool.execute(() -> {
                    try {
                        serve(s);
                    } finally {
                        release(from);
                    }
                });
            } catch (RejectedExecutionException full) {
                release(from);
                // every worker busy and the queue full: say so at once rather than hold the connection
                String who = s.getInetAddress().getHostAddress();
                // logged before the answer: whoever reads the 503 finds it in the log already
                log.accept(who + " 503: all " + pool.getMaximumPoolSize() + " workers busy and "
                        + pool.getQueue().size() + " connections queued");
                try (s) {
                    s.setSoTimeout(1000);
                    write(s.getOutputStream(), new Response(503, "text/plain; charset=utf-8",
                            "busy: too many requests at once; try again\n".getBytes(StandardCharsets.UTF_8),
                            Map.of("Retry-After", "5")));
                } catch (IOException ignored) {
                    // the client went away; nothing to tell
                }
            }
        }
    }

    /** Counts one more connection from {@code a}; false (and nothing counted) when it holds its share. */
    private boolean take(InetAddress a) {
        boolean[] ok = {false};
        open.compute(a, (k, n) -> {
            int have = n == null ? 0 : n;
            ok[0] = have < perSource;
            return ok[0] ? have + 1 : have;
        });
        return ok[0];
    }

    private void release(InetAddress a) {
        open.computeIfPresent(a, (k, n) -> n <= 1 ? null : n - 1);
    }

    private void serve(Socket s) {
        boolean[] answered = {false};
        String who = s.getInetAddress().getHostAddress();
        Runnable cancel = watchdog.arm(deadline, () -> {
            synchronized (answered) {
                if (!answered[0]) {
                    answered[0] = true;
                    try {
                        s.setSoTimeout(1000);
                        write(s.getOutputStream(), Response.text(408, "request not complete within " + deadline.toMillis()
                                + " ms\n"));
                    } catch (IOException ignored) {
                        // closing below is what matters
                    }
                    log.accept(who + " 408: request not complete within " + deadline.toMillis() + " ms; connection dropped");
                }
            }
            try {
                s.close(); // unblocks the worker's read
            } catch (IOException ignored) {
                // already closed
            }
        });
        try (s) {
            // a backstop for one blocked read; the watchdog bounds the whole exchange
            s.setSoTimeout((int) Math.min(Integer.MAX_VALUE, Math.max(1, deadline.toMillis())));
            Response r;
            Request req = null;
            try {
                req = read(s);
                r = req == null ? null : handler.handle(req);
            } catch (BadRequest e) {
                r = Response.text(e.code, e.getMessage() + "\n");
                log.accept(who + " " + e.code + ": " + e.getMessage());
            } catch (RuntimeException e) {
                // a bug in a handler: the client gets a status line, the worker lives on, one log line
                r = Response.text(500, "internal error; see the server's log\n");
                log.accept(who + " " + (req == null ? "" : Escape.line(req.method()) + " " + Escape.line(req.path()) + " ")
                        + "500: internal error: " + Escape.line(String.valueOf(e)));
            }
            synchronized (answered) {
                if (answered[0] || r == null) {
                    return;
                }
                answered[0] = true;
            }
            write(s.getOutputStream(), r);
        } catch (SocketException | java.net.SocketTimeoutException e) {
            // dropped at the deadline, or the client went away
        } catch (IOException e) {
            log.accept(who + " connection failed: " + e.getMessage());
        } finally {
            cancel.run();
        }
    }

    private static final class BadRequest extends Exception {
        final int code;

        BadRequest(int code, String message) {
            super(message);
            this.code = code;
        }
    }

    /** Reads one request; null when the client closed before sending anything. */
    private static Request read(Socket s) throws IOException, BadRequest {
        InputStream in = s.getInputStream();
        ByteArrayOutputStream head = new ByteArrayOutputStream();
        while (true) {
            int b = in.read();
            if (b < 0) {
                if (head.size() == 0) {
                    return null;
                }
                throw new SocketException("closed mid-header");
            }
            head.write(b);
            if (head.size() > MAX_HEADER) {
                throw new BadRequest(431, "request header larger than " + MAX_HEADER + " bytes");
            }
            if (b == '\n' && endsHeader(head)) {
                break;
            }
        }
        String[] lines = head.toString(StandardCharsets.ISO_8859_1).split("\r?\n");
        if (lines.length == 0 || lines[0].isEmpty()) {
            throw new BadRequest(400, "no request line");
        }
        String[] start = lines[0].split(" ");
        if (start.length != 3 || !start[2].startsWith("HTTP/1.")) {
            throw new BadRequest(400, "bad request line");
        }
        Map<String, String> headers = new LinkedHashMap<>();
        for (int i = 1; i < lines.length; i++) {
            int colon = lines[i].indexOf(':');
            if (colon > 0) {
                String name = lines[i].substring(0, colon).strip().toLowerCase(Locale.ROOT);
                if (name.equals("content-length") && headers.containsKey(name)) {
                    // two lengths: which one a proxy in front used is anyone's guess (request smuggling)
                    throw new BadRequest(400, "repeated Content-Length");
                }
                headers.put(lines[i].substring(0, colon).strip().toLowerCase(Locale.ROOT), lines[i].substring(colon + 1).strip());
            }
        }
        if (headers.containsKey("transfer-encoding")) {
            throw new BadRequest(411, "send a Content-Length, not a Transfer-Encoding");
        }
        int length = 0;
        if (headers.containsKey("content-length")) {
            try {
                length = Integer.parseInt(headers.get("content-length"));
            } catch (NumberFormatException e) {
                throw new BadRequest(400, "bad Content-Length");
            }
            if (length < 0 || length > MAX_BODY) {
                throw new BadRequest(413, "request body larger than " + MAX_BODY + " bytes");
            }
        }
        byte[] body = in.readNBytes(length);
        if (body.length != length) {
            throw new SocketException("closed mid-body");
        }
        String target = start[1];
        int q = target.indexOf('?');
        return new Request(start[0], q < 0 ? target : target.substring(0, q), q < 0 ? null : target.substring(q + 1),
                headers, body, s.getInetAddress());
    }

    /** The header ends with an empty line (CRLF CRLF, or bare LFs). */
    private static boolean endsHeader(ByteArrayOutputStream head) {
        String t = head.toString(StandardCharsets.ISO_8859_1);
        return t.endsWith("\r\n\r\n") || t.endsWith("\n\n") || t.endsWith("\n\r\n");
    }

    private static void write(OutputStream out, Response r) throws IOException {
        StringBuilder h = new StringBuilder("HTTP/1.1 ").append(r.code()).append(' ').append(reason(r.code())).append("\r\n");
        h.append("Content-Type: ").append(r.contentType()).append("\r\n");
        h.append("Content-Length: ").append(r.body().length).append("\r\n");
        h.append("Connection: close\r\n");
        for (Map.Entry<String, String> e : r.headers().entrySet()) {
            h.append(e.getKey()).append(": ").append(e.getValue()).append("\r\n");
        }
        h.append("\r\n");
        out.write(h.toString().getBytes(StandardCharsets.ISO_8859_1));
        out.write(r.body());
        out.flush();
    }

    private static String reason(int code) {
        switch (code) {
            case 200: return "OK";
            case 400: return "Bad Request";
            case 403: return "Forbidden";
            case 404: return "Not Found";
            case 405: return "Method Not Allowed";
            case 408: return "Request Timeout";
            case 409: return "Conflict";
            case 411: return "Length Required";
            case 413: return "Payload Too Large";
            case 431: return "Request Header Fields Too Large";
            case 500: return "Internal Server Error";
            case 503: return "Service Unavailable";
            default: return "Status";
        }
    }

    @Override
    public void close() {
        closed = true;
        try {
            socket.close();
        } catch (IOException ignored) {
            // closing
        }
        pool.shutdownNow();
        watchdog.close();
    }
}
