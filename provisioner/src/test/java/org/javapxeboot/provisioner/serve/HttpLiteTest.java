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

    /** Bytes a peer gets before the server closes: nothing, for a connection closed at accept. */
    static byte[] closedAtOnce(Socket s) throws Exception {
        try {
            return s.getInputStream().readAllBytes();
        } catch (java.net.SocketException reset) {
            return new byte[0];
        }
    }

    /**
     * Peers that are not admitted are closed at accept, before the handler or a queue place; one
     * address holds at most {@link HttpLite#MAX_PER_SOURCE} connections, the next is closed at
     * once while others are still served.
     */
    @Test
    void strangersAndAFifthConnectionFromOneAddressAreClosedAtAccept() throws Exception {
        KickstartServerTest.ManualWatchdog watchdog = new KickstartServerTest.ManualWatchdog();
        List<String> handled = Collections.synchronizedList(new ArrayList<>());
        InetAddress guest = InetAddress.getByName("127.0.0.1");
        InetAddress other = InetAddress.getByName("127.0.0.3");
        http = new HttpLite(new InetSocketAddress("127.0.0.1", 0), 8, 8, Duration.ofSeconds(10), watchdog,
                a -> a.equals(guest) || a.equals(other), HttpLite.MAX_PER_SOURCE, r -> {
                    handled.add(r.remote().getHostAddress());
                    return ok(r);
                }, log::add);
        try (Socket stranger = new Socket()) {
            stranger.bind(new InetSocketAddress(InetAddress.getByName("127.0.0.2"), 0));
            stranger.connect(new InetSocketAddress("127.0.0.1", http.port()));
            assertEquals(0, closedAtOnce(stranger).length);
        }
        List<Socket> held = new ArrayList<>();
        try {
            for (int i = 0; i < HttpLite.MAX_PER_SOURCE; i++) {
                Socket s = new Socket();
                held.add(s);
                s.bind(new InetSocketAddress(guest, 0));
                s.connect(new InetSocketAddress("127.0.0.1", http.port()));
                s.getOutputStream().write("GET / HTTP/1.1\r\n".getBytes(StandardCharsets.ISO_8859_1)); // and no more
            }
            List<KickstartServerTest.ManualWatchdog.Timer> deadlines = new ArrayList<>();
            for (int i = 0; i < HttpLite.MAX_PER_SOURCE; i++) {
                deadlines.add(watchdog.next()); // every one of them holds a worker now
            }
            try (Socket fifth = new Socket()) {
                fifth.bind(new InetSocketAddress(guest, 0));
                fifth.connect(new InetSocketAddress("127.0.0.1", http.port()));
                assertEquals(0, closedAtOnce(fifth).length);
            }
            assertTrue(raw("127.0.0.3", "GET / HTTP/1.1\r\n\r\n").startsWith("HTTP/1.1 200 "), "another address is served");
            for (KickstartServerTest.ManualWatchdog.Timer t : deadlines) {
                t.fire();
            }
            for (Socket s : held) {
                assertTrue(new String(s.getInputStream().readAllBytes(), StandardCharsets.ISO_8859_1).startsWith("HTTP/1.1 408 "));
            }
        } finally {
            for (Socket s : held) {
                s.close();
            }
        }
        assertEquals(List.of("127.0.0.3"), handled);
    }

    @Test
    void theInstallServerAdmitsGuestsAndLoopbackOnlyWhenBoundToLoopback() throws Exception {
        java.util.Set<InetAddress> guests = java.util.Set.of(InetAddress.getByName("192.0.2.10"));
        assertTrue(KickstartServer.admits(InetAddress.getByName("192.0.2.10"), guests, false));
        assertFalse(KickstartServer.admits(InetAddress.getByName("192.0.2.11"), guests, false));
        assertFalse(KickstartServer.admits(InetAddress.getByName("127.0.0.1"), guests, false));
        assertTrue(KickstartServer.admits(InetAddress.getByName("127.0.0.2"), guests, true));
        assertFalse(KickstartServer.admits(InetAddress.getByName("192.0.2.11"), guests, true));
    }
}
