package org.javapxeboot.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class ResponseHeadTest {
    private static ResponseHead read(String s) throws IOException {
        return ResponseHead.read(new ByteArrayInputStream(s.getBytes(StandardCharsets.ISO_8859_1)), "http://h/x");
    }

    @Test void aPlainHead() throws IOException {
        ResponseHead h = read("HTTP/1.1 200 OK\r\nContent-Length: 42\r\nServer: busybox\r\n\r\n");
        assertEquals(new ResponseHead(200, "OK", 42, false, null), h);
    }

    @Test void bareLfAndInterimResponses() throws IOException {
        ResponseHead h = read("HTTP/1.1 100 Continue\n\nHTTP/1.0 302 Found\nLocation: /y\n\n");
        assertEquals(new ResponseHead(302, "Found", -1, false, "/y"), h);
    }

    @Test void chunkedOverridesContentLength() throws IOException {
        ResponseHead h = read("HTTP/1.1 200 OK\r\nContent-Length: 5\r\nTransfer-Encoding: Chunked\r\n\r\n");
        assertTrue(h.chunked());
        assertEquals(-1, h.contentLength());
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        "HTTP/1.1 200 OK\\r\\nContent-Length: 5\\r\\nContent-Length: 6\\r\\n\\r\\n|http://h/x: two different Content-Length headers (5, 6)",
        "HTTP/1.1 200 OK\\r\\nContent-Length: -5\\r\\n\\r\\n|http://h/x: bad Content-Length '-5'",
        "HTTP/1.1 200 OK\\r\\nContent-Length: 99999999999999999999\\r\\n\\r\\n|http://h/x: bad Content-Length '99999999999999999999'",
        "HTTP/1.1 200 OK\\r\\nContent-Encoding: gzip\\r\\n\\r\\n|http://h/x: the server sent Content-Encoding 'gzip', which was not asked for; refusing to guess how to decode it",
        "HTTP/1.1 200 OK\\r\\nTransfer-Encoding: gzip, chunked\\r\\n\\r\\n|http://h/x: unsupported Transfer-Encoding 'gzip, chunked'",
        "HTTP/1.1 200 OK\\r\\nX: a\\r\\n  folded\\r\\n\\r\\n|http://h/x: folded header line (obsolete, refused): '  folded'",
        "SSH-2.0-OpenSSH\\r\\n\\r\\n|http://h/x: not an HTTP/1.x response: 'SSH-2.0-OpenSSH'",
        "HTTP/1.1 2x0 OK\\r\\n\\r\\n|http://h/x: bad status code in 'HTTP/1.1 2x0 OK'",
        "HTTP/1.1 200 OK\\r\\nNoColon\\r\\n\\r\\n|http://h/x: malformed header line 'NoColon'",
        "HTTP/1.1 200 OK\\r\\nContent-Length: 5\\r\\n|http://h/x: the server closed the connection in the middle of the response head",
        "|http://h/x: the server closed the connection without an answer",
    })
    void refused(String head, String message) {
        String h = head == null ? "" : head.replace("\\r", "\r").replace("\\n", "\n");
        HttpException e = assertThrows(HttpException.class, () -> read(h));
        assertEquals(message, e.getMessage());
    }

    @Test void theWholeHeadIsBounded() {
        StringBuilder sb = new StringBuilder("HTTP/1.1 200 OK\r\n");
        for (int i = 0; i < 100; i++) sb.append("X-Pad: ").append("p".repeat(1000)).append("\r\n");
        HttpException e = assertThrows(HttpException.class, () -> read(sb.toString()));
        assertEquals("http://h/x: response head longer than 65536 bytes", e.getMessage());
    }
}
