package org.javapxeboot.xman.client;

import com.sun.net.httpserver.HttpServer;
import org.javapxeboot.xman.wire.Op;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Arrays;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A hostile (or broken) xmand cannot hold the caller: the portal's poller and rxm read every
 * answer with the client, so an answer that never ends, or is larger than any real one, must end
 * the call with a failure, not a thread blocked for ever or the heap filled.
 */
class XmanClientAnswerTest {
    private final CountDownLatch release = new CountDownLatch(1);
    private HttpServer server;

    @AfterEach
    void stop() {
        release.countDown();
        if (server != null) server.stop(0);
    }

    private XmanClient.Target serve(com.sun.net.httpserver.HttpHandler h) throws IOException {
        server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        server.setExecutor(Executors.newCachedThreadPool(r -> {
            Thread t = new Thread(r, "hostile-xmand");
            t.setDaemon(true);
            return t;
        }));
        server.createContext("/", h);
        server.start();
        return XmanClient.Target.parse("127.0.0.1:" + server.getAddress().getPort());
    }

    @Test
    void anAnswerThatStopsAfterItsHeadersFailsAtTheDeadline() throws Exception {
        XmanClient.Target t = serve(ex -> {
            ex.sendResponseHeaders(200, 0);
            OutputStream out = ex.getResponseBody();
            out.write("{\"ok\":true,\"result\":[".getBytes(StandardCharsets.UTF_8));
            out.flush();
            try {
                release.await(5, TimeUnit.MINUTES);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            ex.close();
        });
        XmanClient c = new XmanClient(null, null, null, Duration.ofSeconds(1));
        // The bound is only a hang guard: without the deadline the call never returns.
        XmanClient.Failure f = assertTimeoutPreemptively(Duration.ofSeconds(60),
                () -> assertThrows(XmanClient.Failure.class, () -> c.call(t, Op.LIST, Map.of())));
        assertEquals("UNREACHABLE", f.kind);
        assertTrue(f.getMessage().contains("no answer within 1 s"), f.getMessage());
    }

    @Test
    void anAnswerLargerThanTheLimitIsRefusedAndNotReadToItsEnd() throws Exception {
        long total = 4L * XmanClient.MAX_ANSWER_BYTES;
        AtomicLong written = new AtomicLong();
        XmanClient.Target t = serve(ex -> {
            ex.sendResponseHeaders(200, 0);
            byte[] chunk = new byte[64 * 1024];
            Arrays.fill(chunk, (byte) ' ');
            try (OutputStream out = ex.getResponseBody()) {
                out.write("{\"ok\":true,\"result\":\"".getBytes(StandardCharsets.UTF_8));
                while (written.get() < total) {
                    out.write(chunk);
                    written.addAndGet(chunk.length);
                }
                out.write("\"}".getBytes(StandardCharsets.UTF_8));
            } catch (IOException e) {
                // The client hung up: what we want.
            }
        });
        XmanClient c = new XmanClient(null, null, null, Duration.ofSeconds(60));
        XmanClient.Failure f = assertTimeoutPreemptively(Duration.ofSeconds(120),
                () -> assertThrows(XmanClient.Failure.class, () -> c.call(t, Op.LIST, Map.of())));
        assertEquals("PROTOCOL", f.kind);
        assertTrue(f.getMessage().contains("larger than " + XmanClient.MAX_ANSWER_BYTES + " bytes"), f.getMessage());
    }
}
