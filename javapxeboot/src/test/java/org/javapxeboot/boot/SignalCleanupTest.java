package org.javapxeboot.boot;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.SocketAddress;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The real bootloader (a child JVM running cli.Main from this module's classpath) stopped by
 * SIGTERM or SIGINT while the kernel is being fetched: the kernel.XXXXXX file it created in
 * --output-directory is gone when the process has exited.
 *
 * <p>The TFTP server here serves the config, then sends the kernel one 512-byte block per
 * retransmitted ACK: the transfer never finishes and never fails, so the bootloader is surely still
 * fetching when the signal arrives, whatever the machine's load. Nothing waits on time: the test
 * waits for the server to have sent the kernel's first block (the file exists before the request
 * is sent) and for the process to exit.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class SignalCleanupTest {
    static final String CONFIG = "default a\nlabel a\n kernel vmlinuz\n append quiet\n";

    @TempDir Path xen;
    @TempDir Path logs;
    TrickleServer server;
    Process boot;

    @BeforeEach
    void start() throws Exception {
        server = new TrickleServer();
        Path java = Path.of(System.getProperty("java.home"), "bin", "java");
        // env resets the signals to their defaults, as a toolstack starts the bootloader: a test run from a
        // background job (CI, nohup) inherits SIGINT ignored, and the JVM then rightly keeps ignoring it.
        boot = new ProcessBuilder("/usr/bin/env", "--default-signal=INT,TERM,HUP", java.toString(), "-cp", System.getProperty("java.class.path"), "org.javapxeboot.cli.Main",
                "--no-dhcp", "--server=127.0.0.1", "--tftp-port=" + server.port(), "--mac=aa:00:86:e2:35:72",
                "--output-directory=" + xen, "--output=-")
                .redirectErrorStream(true).redirectOutput(logs.resolve("boot.log").toFile()).start();
        assertTrue(server.kernelStarted.await(60, TimeUnit.SECONDS), "the bootloader never asked for the kernel");
        List<Path> files = list();
        assertEquals(1, files.size(), files.toString());
        assertTrue(files.get(0).getFileName().toString().matches("kernel\\.[A-Za-z0-9]{6}"), files.toString());
        assertTrue(boot.isAlive());
    }

    @AfterEach
    void stop() throws Exception {
        if (boot.isAlive()) boot.destroyForcibly().waitFor();
        server.close();
    }

    @Test
    void sigtermDeletesTheKernelBeingFetched() throws Exception {
        boot.destroy(); // SIGTERM
        assertTrue(boot.waitFor(60, TimeUnit.SECONDS));
        assertEquals(128 + 15, boot.exitValue(), "ended by the signal, not by a failed boot");
        assertEquals(List.of(), list());
    }

    @Test
    void sigintDeletesTheKernelBeingFetched() throws Exception {
        Process kill = new ProcessBuilder("kill", "-INT", Long.toString(boot.pid())).inheritIO().start();
        assertEquals(0, kill.waitFor());
        assertTrue(boot.waitFor(60, TimeUnit.SECONDS));
        assertEquals(128 + 2, boot.exitValue(), "ended by the signal, not by a failed boot");
        assertEquals(List.of(), list());
    }

    List<Path> list() throws IOException {
        try (var s = Files.list(xen)) {
            return s.toList();
        }
    }

    /** RFC 1350 without options: config files by name, "file not found" else, the kernel as a trickle. */
    static final class TrickleServer implements AutoCloseable {
        final DatagramSocket listen = new DatagramSocket(0, InetAddress.getLoopbackAddress());
        final CountDownLatch kernelStarted = new CountDownLatch(1);
        final Thread thread = new Thread(this::serve, "trickle-tftp");
        final List<DatagramSocket> transfers = new java.util.concurrent.CopyOnWriteArrayList<>();

        TrickleServer() throws IOException {
            thread.setDaemon(true);
            thread.start();
        }

        int port() { return listen.getLocalPort(); }

        private void serve() {
            byte[] buf = new byte[2048];
            try {
                while (true) {
                    DatagramPacket p = new DatagramPacket(buf, buf.length);
                    listen.receive(p);
                    if (buf[1] != 1) continue;
                    int end = 2;
                    while (buf[end] != 0) end++;
                    String name = new String(buf, 2, end - 2, StandardCharsets.ISO_8859_1);
                    SocketAddress client = p.getSocketAddress();
                    Thread t = new Thread(() -> transfer(name, client), "trickle-" + name);
                    t.setDaemon(true);
                    t.start();
                }
            } catch (IOException closed) {
                // the test is over
            }
        }

        private void transfer(String name, SocketAddress client) {
            try (DatagramSocket s = new DatagramSocket(0, InetAddress.getLoopbackAddress())) {
                transfers.add(s);
                if (name.equals("pxelinux.cfg/default")) {
                    s.send(packet(data(1, CONFIG.getBytes(StandardCharsets.ISO_8859_1)), client));
                    return;
                }
                if (!name.equals("vmlinuz")) {
                    ByteBuffer b = ByteBuffer.allocate(4 + 15).putShort((short) 5).putShort((short) 1);
                    b.put("File not found\0".getBytes(StandardCharsets.ISO_8859_1));
                    s.send(packet(b.array(), client));
                    return;
                }
                // The kernel: block 1 now, then the next block only for a repeated ACK (the client's
                // retransmission), so every timeout of the client brings progress and none brings the end.
                int block = 1;
                s.send(packet(data(block, new byte[512]), client));
                kernelStarted.countDown();
                int lastAck = -1;
                byte[] in = new byte[64];
                while (true) {
                    DatagramPacket a = new DatagramPacket(in, in.length);
                    s.receive(a);
                    if (in[1] != 4) return;
                    int ack = ((in[2] & 0xff) << 8) | (in[3] & 0xff);
                    if (ack == block && ack == lastAck) {
                        block++;
                        s.send(packet(data(block, new byte[512]), client));
                    }
                    lastAck = ack;
                }
            } catch (IOException e) {
                // the client went away
            }
        }

        static byte[] data(int block, byte[] payload) {
            return ByteBuffer.allocate(4 + payload.length).putShort((short) 3).putShort((short) block).put(payload).array();
        }

        static DatagramPacket packet(byte[] b, SocketAddress to) {
            return new DatagramPacket(b, b.length, to);
        }

        @Override public void close() {
            listen.close();
            transfers.forEach(DatagramSocket::close);
        }
    }
}
