package org.javapxeboot.http;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * A hand-written HTTP server for hostile answers: on loopback, port 0, it reads each request head
 * and runs a script that writes whatever bytes it likes (endless headers, a short body, nothing at
 * all). Writes to a client that went away end the script quietly.
 */
final class RawServer implements AutoCloseable {
    interface Script { void answer(String requestHead, OutputStream out) throws IOException; }

    private final ServerSocket socket;
    private final Thread thread;
    final List<String> requests = java.util.Collections.synchronizedList(new ArrayList<>());

    RawServer(Script script) throws IOException {
        socket = new ServerSocket();
        socket.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
        thread = new Thread(() -> {
            while (!socket.isClosed()) {
                try (Socket c = socket.accept()) {
                    String head = readHead(c.getInputStream());
                    requests.add(head);
                    OutputStream out = c.getOutputStream();
                    script.answer(head, out);
                    out.flush();
                    // Let the client read to the end before the close (no RST racing the data).
                    c.shutdownOutput();
                    c.getInputStream().read();
                } catch (IOException e) {
                    // the client went away or the server was closed
                }
            }
        }, "raw-http");
        thread.setDaemon(true);
        thread.start();
    }

    String url(String path) { return "http://127.0.0.1:" + socket.getLocalPort() + path; }

    int port() { return socket.getLocalPort(); }

    private static String readHead(InputStream in) throws IOException {
        StringBuilder sb = new StringBuilder();
        int b;
        while ((b = in.read()) >= 0) {
            sb.append((char) b);
            if (sb.length() >= 4 && sb.substring(sb.length() - 4).equals("\r\n\r\n")) break;
        }
        return sb.toString();
    }

    static byte[] ascii(String s) { return s.getBytes(StandardCharsets.ISO_8859_1); }

    @Override public void close() throws IOException {
        socket.close();
    }
}
