package org.javapxeboot.provisioner.serve;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The HTTP layer alone: malformed requests and failing handlers get a status line, never a dead worker. */
@Timeout(60)
class HttpLiteTest {
    final List<String> log = Collections.synchronizedList(new ArrayList<>());
    HttpLite http;

    HttpLite start(HttpLite.Handler handler) throws Exception {
        http = new HttpLite(new InetSocketAddress("127.0.0.1", 0), 2, 4, Duration.ofSeconds(10),
                new KickstartServerTest.ManualWatchdog(), handler, log::add);
        return http;
    }

    @AfterEach
    void stop() {
        if (http != null) {
            http.close();
        }
    }

    String raw(String from, String request) throws Exception {
        try (Socket s = new Socket()) {
            s.bind(new InetSocketAddress(InetAddress.getByName(from), 0));
            s.connect(new InetSocketAddress("127.0.0.1", http.port()));
            s.getOutputStream().write(request.getBytes(StandardCharsets.ISO_8859_1));
            return new String(s.getInputStream().readAllBytes(), StandardCharsets.ISO_8859_1);
        }
    }

    static HttpLite.Response ok(HttpLite.Request r) {
        return HttpLite.Response.text(200, "ok\n");
    }

    @Test
    void anEmptyRequestLineIs400() throws Exception {
        start(HttpLiteTest::ok);
        String a = raw("127.0.0.1", "\r\n\r\n");
        assertTrue(a.startsWith("HTTP/1.1 400 Bad Request\r\n"), a);
        assertTrue(a.endsWith("no request line\n"), a);
        assertTrue(raw("127.0.0.1", "\n\n").startsWith("HTTP/1.1 400 "));
        assertTrue(raw("127.0.0.1", "GET / HTTP/1.1\r\n\r\n").startsWith("HTTP/1.1 200 "));
    }

    @Test
    void aFailingHandlerIs500AndLoggedOnceEscaped() throws Exception {
        start(r -> {
            throw new IllegalStateException("boom\u001b]0;owned\u0007");
        });
        String a = raw("127.0.0.1", "GET /x HTTP/1.1\r\n\r\n");
        assertTrue(a.startsWith("HTTP/1.1 500 Internal Server Error\r\n"), a);
        assertFalse(a.contains("boom"), "the exception stays in the log: " + a);
        List<String> lines = log.stream().filter(l -> l.contains("500")).toList();
        assertEquals(1, lines.size(), log.toString());
        assertTrue(lines.get(0).startsWith("127.0.0.1 GET /x 500: internal error: java.lang.IllegalStateException: boom\\x1b]0;owned\\x07"),
                lines.get(0));
    }

    @Test
    void aRepeatedContentLengthIs400() throws Exception {
        List<HttpLite.Request> handled = Collections.synchronizedList(new ArrayList<>());
        start(r -> {
            handled.add(r);
            return ok(r);
        });
        String a = raw("127.0.0.1", "POST /ack/x HTTP/1.1\r\nContent-Length: 5\r\ncontent-length: 0\r\n\r\nmac=1");
        assertTrue(a.startsWith("HTTP/1.1 400 "), a);
        assertTrue(a.endsWith("repeated Content-Length\n"), a);
        assertEquals(List.of(), handled);
    }
}
