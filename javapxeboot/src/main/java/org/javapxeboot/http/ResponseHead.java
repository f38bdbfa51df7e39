package org.javapxeboot.http;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * The status line and headers of an HTTP/1.x response, read from a stream with hard limits: a line
 * of at most {@link #MAX_LINE} bytes, at most {@link #MAX_HEADERS} header lines and {@link #MAX_HEAD}
 * bytes in all. A server that sends endless headers or one huge line is cut off at the limit (the
 * connection's deadline bounds one that sends them slowly). Pure: reads only from the stream given.
 *
 * <p>What this refuses, because a wrong guess would hand a truncated or altered kernel to Xen:
 * differing Content-Length values, a Content-Length that is not a decimal number, a Transfer-Encoding
 * other than {@code chunked}, a Content-Encoding other than {@code identity} (we ask for identity),
 * and obsolete line folding (RFC 7230 section 3.2.4 lets a client reject it).
 *
 * @param status        the status code, 100..999
 * @param reason        the reason phrase (may be empty)
 * @param contentLength the body length, or -1 when the server sent none
 * @param chunked       the body is chunked (Transfer-Encoding: chunked; then Content-Length is ignored)
 * @param location      the Location header, or null
 */
public record ResponseHead(int status, String reason, long contentLength, boolean chunked, String location) {
    public static final int MAX_LINE = 8 * 1024;
    public static final int MAX_HEADERS = 128;
    public static final int MAX_HEAD = 64 * 1024;

    /** Reads a response head from {@code in}, skipping 1xx interim responses; {@code what} names the URL in errors. */
    public static ResponseHead read(InputStream in, String what) throws IOException {
        int[] budget = {MAX_HEAD};
        for (int interim = 0; ; interim++) {
            ResponseHead h = readOne(in, what, budget);
            if (h.status >= 200) return h;
            if (interim >= 8) throw new HttpException(what + ": more than 8 interim (1xx) responses");
        }
    }

    private static ResponseHead readOne(InputStream in, String what, int[] budget) throws IOException {
        String statusLine = line(in, what, budget, true);
        // "HTTP/1.1 200 OK": version, a three-digit code, an optional reason.
        if (!statusLine.startsWith("HTTP/1.") || statusLine.length() < 12 || statusLine.charAt(8) != ' '
                || (statusLine.length() > 12 && statusLine.charAt(12) != ' ')) {
            throw new HttpException(what + ": not an HTTP/1.x response: '" + clip(statusLine) + "'");
        }
        int status;
        try {
            status = Integer.parseInt(statusLine.substring(9, 12));
        } catch (NumberFormatException e) {
            throw new HttpException(what + ": bad status code in '" + clip(statusLine) + "'");
        }
        if (status < 100) throw new HttpException(what + ": bad status code in '" + clip(statusLine) + "'");
        String reason = statusLine.length() > 13 ? statusLine.substring(13) : "";
        long length = -1;
        boolean chunked = false;
        String location = null;
        List<String> encodings = new ArrayList<>();
        for (int n = 0; ; n++) {
            String h = line(in, what, budget, false);
            if (h.isEmpty()) break;
            if (n >= MAX_HEADERS) throw new HttpException(what + ": more than " + MAX_HEADERS + " header lines");
            if (h.charAt(0) == ' ' || h.charAt(0) == '\t') {
                throw new HttpException(what + ": folded header line (obsolete, refused): '" + clip(h) + "'");
            }
            int colon = h.indexOf(':');
            if (colon <= 0) throw new HttpException(what + ": malformed header line '" + clip(h) + "'");
            String name = h.substring(0, colon).toLowerCase(Locale.ROOT);
            String value = h.substring(colon + 1).trim();
            switch (name) {
                case "content-length": {
                    long v = decimal(value);
                    if (v < 0) throw new HttpException(what + ": bad Content-Length '" + clip(value) + "'");
                    if (length >= 0 && length != v) {
                        throw new HttpException(what + ": two different Content-Length headers (" + length + ", " + v + ")");
                    }
                    length = v;
                    break;
                }
                case "transfer-encoding":
                    for (String t : value.split(",")) if (!t.isBlank()) encodings.add(t.trim().toLowerCase(Locale.ROOT));
                    break;
                case "content-encoding":
                    if (!value.isEmpty() && !value.equalsIgnoreCase("identity")) {
                        throw new HttpException(what + ": the server sent Content-Encoding '" + clip(value)
                                + "', which was not asked for; refusing to guess how to decode it");
                    }
                    break;
                case "location":
                    location = value;
                    break;
                default:
                    // Every other header (Server, Date, Last-Modified, ...) changes nothing here.
            }
        }
        if (!encodings.isEmpty()) {
            if (!encodings.equals(List.of("chunked"))) {
                throw new HttpException(what + ": unsupported Transfer-Encoding '" + String.join(", ", encodings) + "'");
            }
            chunked = true;
            length = -1; // RFC 7230 section 3.3.3: Transfer-Encoding overrides Content-Length
        }
        return new ResponseHead(status, reason, length, chunked, location);
    }

    /** One line without its CRLF (or bare LF), bounded by the line and the head budget. */
    static String line(InputStream in, String what, int[] budget, boolean first) throws IOException {
        byte[] buf = new byte[256];
        int len = 0;
        while (true) {
            int b = in.read();
            if (b < 0) {
                throw new HttpException(what + ": the server closed the connection "
                        + (first && len == 0 ? "without an answer" : "in the middle of the response head"));
            }
            if (--budget[0] < 0) throw new HttpException(what + ": response head longer than " + MAX_HEAD + " bytes");
            if (b == '\n') break;
            if (len >= MAX_LINE) throw new HttpException(what + ": a response head line is longer than " + MAX_LINE + " bytes");
            if (len == buf.length) buf = java.util.Arrays.copyOf(buf, buf.length * 2);
            buf[len++] = (byte) b;
        }
        if (len > 0 && buf[len - 1] == '\r') len--;
        return new String(buf, 0, len, StandardCharsets.ISO_8859_1);
    }

    /** A non-negative decimal of at most 18 digits, else -1. */
    static long decimal(String s) {
        if (s.isEmpty() || s.length() > 18) return -1;
        long v = 0;
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c < '0' || c > '9') return -1;
            v = v * 10 + (c - '0');
        }
        return v;
    }

    static String clip(String s) { return s.length() > 80 ? s.substring(0, 80) + "..." : s; }
}
