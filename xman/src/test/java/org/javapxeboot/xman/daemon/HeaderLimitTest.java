package org.javapxeboot.xman.daemon;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The JDK server's request-header limit (sun.net.httpserver.maxReqHeaderSize, read once per JVM)
 * is xmand's 64 KiB, not the JDK's 380 KiB default: a 100 KiB header is refused, a 32 KiB one is
 * served. In its own xmand process, since the JVM running the tests has made HTTP servers before.
 */
@Timeout(120)
class HeaderLimitTest {
    /** The status line of the answer, or what happened instead (the JDK closes the connection on a too-large header). */
    static String send(int port, int headerBytes) throws IOException {
        try (Socket s = new Socket("127.0.0.1", port)) {
            s.setSoTimeout(60_000);
            String req = "GET /v1/list HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\nX-Padding: " + "a".repeat(headerBytes) + "\r\n\r\n";
            OutputStream out = s.getOutputStream();
            try {
                out.write(req.getBytes(StandardCharsets.US_ASCII));
                out.flush();
            } catch (IOException e) {
                return "closed while sending: " + e.getMessage();
            }
            InputStream in = s.getInputStream();
            try {
                String answer = new String(in.readAllBytes(), StandardCharsets.ISO_8859_1);
                return answer.isEmpty() ? "closed" : answer.lines().findFirst().orElse("");
            } catch (IOException e) {
                return "closed: " + e.getMessage();
            }
        }
    }

    @Test
    void oversizedHeaderIsRefused(@TempDir Path dir) throws Exception {
        try (XmandProcess d = XmandProcess.startPlain(dir, "h0", XmandFixture.NODE, List.of())) {
            assertEquals("HTTP/1.1 200 OK", send(d.port, 32 * 1024));
            String big = send(d.port, 100 * 1024);
            assertFalse(big.startsWith("HTTP/1.1 200"), big);
            assertTrue(big.startsWith("closed") || big.matches("HTTP/1\\.1 4\\d\\d.*"), big);
            // The daemon goes on serving.
            assertEquals("HTTP/1.1 200 OK", send(d.port, 100));
        }
    }
}
