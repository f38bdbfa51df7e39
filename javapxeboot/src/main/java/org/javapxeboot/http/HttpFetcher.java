package org.javapxeboot.http;

import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.net.UnknownHostException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Objects;
import java.util.function.Consumer;
import java.util.function.LongSupplier;

/**
 * An HTTP/1.1 GET of one file, for kernels and initrds named by {@code http://} URLs (lpxelinux
 * style). Written on a plain socket rather than java.net.http.HttpClient or HttpURLConnection: those
 * cost tens of milliseconds of class loading and a selector thread at every boot, and neither bounds
 * the response head nor offers a deadline for the whole transfer, which is what a hostile server needs.
 *
 * <p>What a server cannot do to it: stall it (a read waits at most {@code stallTimeout}), trickle
 * (the whole fetch, redirects included, ends at {@code totalTimeout}), send endless or huge headers
 * ({@link ResponseHead} limits), send more than {@code maxBytes} (checked against Content-Length before
 * the body and while reading), send less than its Content-Length or stop a chunked body early (an
 * error, never a short file), send a body we cannot tell is complete (neither Content-Length nor
 * chunked: refused), redirect it to https, another scheme or a refused address, or more than
 * {@code maxRedirects} times. One connection per request ({@code Connection: close}).
 */
public final class HttpFetcher {
    public static final Duration DEFAULT_CONNECT_TIMEOUT = Duration.ofSeconds(10);
    public static final Duration DEFAULT_STALL_TIMEOUT = Duration.ofSeconds(10);
    public static final Duration DEFAULT_TOTAL_TIMEOUT = Duration.ofMinutes(10);
    public static final int DEFAULT_MAX_REDIRECTS = 5;

    /** Progress of a running transfer, called from the fetching thread about every 256 KiB. */
    @FunctionalInterface
    public interface Progress {
        /** @param expectedBytes the Content-Length, or -1 for a chunked body */
        void update(long bytes, long expectedBytes);
    }

    /** Resolves host names; a seam for tests. */
    @FunctionalInterface
    public interface Resolver {
        InetAddress resolve(String host) throws UnknownHostException;
    }

    /**
     * @param connectTimeout longest wait for the TCP connection
     * @param stallTimeout   longest wait for any byte from the server
     * @param totalTimeout   the whole fetch, redirects included
     * @param maxRedirects   redirects followed (http to http only), 0..20
     * @param hosts          which addresses may be connected to
     * @param log            where -v detail goes, or null
     * @param clock          nanoseconds, as System.nanoTime (a seam for tests)
     * @param resolver       host name to address
     */
    public record Settings(Duration connectTimeout, Duration stallTimeout, Duration totalTimeout, int maxRedirects,
                           HostPolicy hosts, Consumer<String> log, LongSupplier clock, Resolver resolver) {
        public Settings {
            for (Duration d : new Duration[] {connectTimeout, stallTimeout, totalTimeout}) {
                if (d.isNegative() || d.isZero()) throw new IllegalArgumentException("timeout " + d + " is not positive");
            }
            if (maxRedirects < 0 || maxRedirects > 20) throw new IllegalArgumentException("maxRedirects " + maxRedirects + " is outside 0..20");
            Objects.requireNonNull(hosts, "hosts");
            Objects.requireNonNull(clock, "clock");
            Objects.requireNonNull(resolver, "resolver");
        }

        public static Settings defaults() {
            return new Settings(DEFAULT_CONNECT_TIMEOUT, DEFAULT_STALL_TIMEOUT, DEFAULT_TOTAL_TIMEOUT, DEFAULT_MAX_REDIRECTS,
                    HostPolicy.ANY, null, System::nanoTime, InetAddress::getByName);
        }

        public Settings withTotalTimeout(Duration d) { return new Settings(connectTimeout, stallTimeout, d, maxRedirects, hosts, log, clock, resolver); }
        public Settings withStallTimeout(Duration d) { return new Settings(connectTimeout, d, totalTimeout, maxRedirects, hosts, log, clock, resolver); }
        public Settings withMaxRedirects(int n) { return new Settings(connectTimeout, stallTimeout, totalTimeout, n, hosts, log, clock, resolver); }
        public Settings withHosts(HostPolicy h) { return new Settings(connectTimeout, stallTimeout, totalTimeout, maxRedirects, h, log, clock, resolver); }
        public Settings withLog(Consumer<String> l) { return new Settings(connectTimeout, stallTimeout, totalTimeout, maxRedirects, hosts, l, clock, resolver); }
        public Settings withClock(LongSupplier c) { return new Settings(connectTimeout, stallTimeout, totalTimeout, maxRedirects, hosts, log, c, resolver); }
        public Settings withResolver(Resolver r) { return new Settings(connectTimeout, stallTimeout, totalTimeout, maxRedirects, hosts, log, clock, r); }
    }

    /** What a finished fetch did: the body bytes, the URL finally read, the redirects followed and the time taken. */
    public record Result(long bytes, String finalUrl, int redirects, Duration elapsed) {
        /** Throughput in MB/s (10^6 bytes per second). */
        public double megabytesPerSecond() {
            long n = elapsed.toNanos();
            return n <= 0 ? 0 : bytes * 1000.0 / n;
        }
    }

    private final Settings settings;

    public HttpFetcher(Settings settings) { this.settings = Objects.requireNonNull(settings, "settings"); }

    public Settings settings() { return settings; }

    /**
     * Fetches {@code url} into {@code out}: at most {@code maxBytes} (negative = no cap).
     *
     * @throws HttpException naming the URL; {@link HttpException#isFileNotFound()} for 404 and 410
     */
    public Result fetch(String url, OutputStream out, long maxBytes, Progress progress) throws IOException {
        long start = settings.clock().getAsLong();
        long deadline = start + Math.min(settings.totalTimeout().toNanos(), Long.MAX_VALUE / 4);
        HttpUrl u;
        try {
            u = HttpUrl.parse(url);
        } catch (IllegalArgumentException e) {
            throw new HttpException(e.getMessage());
        }
        for (int redirects = 0; ; redirects++) {
            Step step = once(u, out, maxBytes, progress, deadline, url);
            String location = step.location();
            if (location == null) {
                return new Result(step.bytes(), u.toString(), redirects, Duration.ofNanos(settings.clock().getAsLong() - start));
            }
            if (redirects >= settings.maxRedirects()) {
                throw new HttpException(url + ": more than " + settings.maxRedirects() + " redirects (last to " + location + ")");
            }
            try {
                u = u.redirect(location);
            } catch (IllegalArgumentException e) {
                throw new HttpException(url + ": redirect from " + u + " refused: " + e.getMessage());
            }
            log("redirected to " + u);
        }
    }

    /** One request's outcome: a Location to follow, or (location null) the body bytes written. */
    private record Step(String location, long bytes) {}

    private Step once(HttpUrl u, OutputStream out, long maxBytes, Progress progress, long deadline, String asked)
            throws IOException {
        String what = u.toString().equals(asked) ? asked : asked + " (redirected to " + u + ")";
        InetAddress address;
        try {
            address = settings.resolver().resolve(u.host());
        } catch (UnknownHostException e) {
            throw new HttpException(what + ": unknown host " + u.host());
        }
        String refusal = settings.hosts().refusal(address);
        if (refusal != null) throw new HttpException(what + ": refused to connect to " + address.getHostAddress() + ": " + refusal);
        try (Socket s = new Socket()) {
            long left = remaining(deadline, what);
            try {
                s.connect(new InetSocketAddress(address, u.port()),
                        (int) Math.max(1, Math.min(settings.connectTimeout().toMillis(), left / 1_000_000)));
            } catch (SocketTimeoutException e) {
                throw new HttpException(what + ": no connection within " + settings.connectTimeout().toSeconds() + " s");
            } catch (IOException e) {
                throw new HttpException(what + ": cannot connect to " + address.getHostAddress() + ":" + u.port() + ": " + e.getMessage());
            }
            s.setTcpNoDelay(true);
            String request = "GET " + u.target() + " HTTP/1.1\r\nHost: " + u.authority() + "\r\nUser-Agent: javapxeboot\r\n"
                    + "Accept: */*\r\nAccept-Encoding: identity\r\nConnection: close\r\n\r\n";
            s.getOutputStream().write(request.getBytes(StandardCharsets.ISO_8859_1));
            s.getOutputStream().flush();
            InputStream in = new BufferedInputStream(new Deadline(s, deadline, what), 1 << 16);
            ResponseHead head = ResponseHead.read(in, what);
            int st = head.status();
            if (st == 301 || st == 302 || st == 303 || st == 307 || st == 308) {
                if (head.location() == null || head.location().isEmpty()) {
                    throw new HttpException(what + ": redirect (" + st + ") without a Location", st);
                }
                return new Step(head.location(), 0);
            }
            if (st != 200) {
                throw new HttpException(what + ": the server answered " + st + (head.reason().isEmpty() ? "" : " " + head.reason())
                        + (st == 404 || st == 410 ? " (file not found)" : ""), st);
            }
            long expected = head.contentLength();
            if (!head.chunked() && expected < 0) {
                throw new HttpException(what + ": the server sent neither Content-Length nor chunked encoding, so a cut-off "
                        + "file could not be told from a whole one; refused");
            }
            if (maxBytes >= 0 && expected > maxBytes) {
                throw new HttpException(what + ": the file is " + expected + " bytes, more than the limit of " + maxBytes);
            }
            InputStream body = head.chunked() ? new ChunkedInputStream(in, what) : in;
            return new Step(null, copy(body, out, expected, maxBytes, progress, what));
        }
    }

    private long copy(InputStream body, OutputStream out, long expected, long maxBytes, Progress progress, String what)
            throws IOException {
        byte[] buf = new byte[1 << 16];
        long total = 0;
        long nextReport = 1 << 18;
        while (expected < 0 || total < expected) {
            int want = expected < 0 ? buf.length : (int) Math.min(buf.length, expected - total);
            int n = body.read(buf, 0, want);
            if (n < 0) {
                if (expected < 0) break; // the chunked decoder saw the last chunk
                throw new HttpException(what + ": the server closed the connection after " + total + " of " + expected
                        + " bytes (Content-Length); the file is incomplete");
            }
            if (maxBytes >= 0 && n > maxBytes - total) {
                throw new HttpException(what + ": more than the limit of " + maxBytes + " bytes");
            }
            out.write(buf, 0, n);
            total += n;
            if (progress != null && total >= nextReport) {
                progress.update(total, expected);
                nextReport = total + (1 << 18);
            }
        }
        if (progress != null) progress.update(total, expected);
        return total;
    }

    private long remaining(long deadline, String what) throws HttpException {
        long left = deadline - settings.clock().getAsLong();
        if (left <= 0) throw new HttpException(what + ": not finished within " + seconds(settings.totalTimeout()));
        return left;
    }

    private static String seconds(Duration d) {
        long ms = d.toMillis();
        return ms % 1000 == 0 ? ms / 1000 + " s" : ms / 1000.0 + " s";
    }

    private void log(String m) {
        if (settings.log() != null) settings.log().accept(m);
    }

    /** The socket's input, each read bounded by the stall timeout and by what is left of the deadline. */
    private final class Deadline extends InputStream {
        private final Socket socket;
        private final InputStream in;
        private final long deadline;
        private final String what;

        Deadline(Socket socket, long deadline, String what) throws IOException {
            this.socket = socket;
            this.in = socket.getInputStream();
            this.deadline = deadline;
            this.what = what;
        }

        @Override public int read() throws IOException {
            byte[] one = new byte[1];
            int n = read(one, 0, 1);
            return n < 0 ? -1 : one[0] & 0xff;
        }

        @Override public int read(byte[] b, int off, int len) throws IOException {
            long left = remaining(deadline, what);
            long stall = settings.stallTimeout().toNanos();
            boolean stallBound = stall <= left;
            socket.setSoTimeout((int) Math.max(1, Math.min(stall, left) / 1_000_000));
            try {
                return in.read(b, off, len);
            } catch (SocketTimeoutException e) {
                if (stallBound) {
                    throw new HttpException(what + ": the server sent nothing for " + seconds(settings.stallTimeout()) + " (stalled)");
                }
                throw new HttpException(what + ": not finished within " + seconds(settings.totalTimeout()));
            }
        }
    }
}
