package org.javapxeboot.xman.daemon;

import com.sun.net.httpserver.HttpExchange;
import org.javapxeboot.xman.wire.Json;
import org.javapxeboot.xman.wire.Protocol;
import org.javapxeboot.xman.wire.Protocol.ProtocolException;

import java.io.IOException;
import java.io.InputStream;
import java.net.URLDecoder;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;

/** A request's arguments: a POST's JSON body (bounded, UTF-8) or a GET's query string. */
final class Requests {
    private Requests() {}

    static Map<String, Object> body(HttpExchange ex, int max) throws ProtocolException {
        String cl = ex.getRequestHeaders().getFirst("Content-Length");
        long declared = -1;
        if (cl != null) {
            try {
                declared = Long.parseLong(cl.trim());
                if (declared > max) throw new ProtocolException(413, "TOO_LARGE", "request body of " + cl.trim() + " bytes exceeds the limit of " + max);
            } catch (NumberFormatException e) {
                throw new ProtocolException(400, "BAD_REQUEST", "bad Content-Length");
            }
        }
        byte[] body;
        try (InputStream in = ex.getRequestBody()) {
            if (declared >= 0) {
                // Known and within the limit: read it into an array of its size (the server gives no more than declared).
                body = new byte[(int) declared];
                int n = in.readNBytes(body, 0, body.length);
                if (n < body.length) body = java.util.Arrays.copyOf(body, n);
            } else {
                body = in.readNBytes(max + 1);
            }
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

    static Map<String, Object> query(String raw) throws ProtocolException {
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
}
