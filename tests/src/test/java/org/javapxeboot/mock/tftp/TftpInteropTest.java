package org.javapxeboot.mock.tftp;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.FileOutputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.apache.commons.net.tftp.TFTP;
import org.apache.commons.net.tftp.TFTPClient;
import org.javapxeboot.mock.Peers;
import org.javapxeboot.mock.PxeMockServer;
import org.javapxeboot.mock.fault.Faults;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** The TFTP server against the real clients on this machine, with options on and refused. */
@Timeout(120)
class TftpInteropTest {
    private static final int SIZE = 3 * 1024 * 1024 + 777;
    @TempDir static Path root;
    @TempDir Path out;
    private static byte[] content;
    private static PxeMockServer normal, refusing;

    @BeforeAll static void start() throws Exception {
        content = Peers.randomBytes(SIZE, 42);
        Files.write(root.resolve("initrd.img"), content);
        normal = PxeMockServer.builder().tftpRoot(root).start();
        refusing = PxeMockServer.builder().tftpRoot(root).faults(Faults.builder().refuseOptions(true).build()).start();
    }

    @AfterAll static void stop() {
        normal.close();
        refusing.close();
    }

    /** Each client's command line; {@code %P} is the port, {@code %O} the output file. */
    static Stream<Arguments> clients() {
        return Stream.of(
            Arguments.of("atftp", "atftp blksize+windowsize", List.of("atftp", "--get", "-r", "initrd.img", "-l", "%O", "--option", "blksize 1468", "--option", "windowsize 16", "127.0.0.1", "%P")),
            Arguments.of("atftp", "atftp plain", List.of("atftp", "--get", "-r", "initrd.img", "-l", "%O", "127.0.0.1", "%P")),
            Arguments.of("curl", "curl blksize", List.of("curl", "-sS", "-o", "%O", "--tftp-blksize", "1468", "tftp://127.0.0.1:%P/initrd.img")),
            Arguments.of("curl", "curl no options", List.of("curl", "-sS", "-o", "%O", "--tftp-no-options", "tftp://127.0.0.1:%P/initrd.img")),
            Arguments.of("busybox", "busybox -b 1468", List.of("busybox", "tftp", "-g", "-r", "initrd.img", "-l", "%O", "-b", "1468", "127.0.0.1", "%P")),
            Arguments.of("busybox", "busybox plain", List.of("busybox", "tftp", "-g", "-r", "initrd.img", "-l", "%O", "127.0.0.1", "%P")),
            Arguments.of("tftp", "tftp-hpa", List.of("tftp", "127.0.0.1", "%P", "-m", "binary", "-c", "get", "initrd.img", "%O")));
    }

    @ParameterizedTest(name = "{1}")
    @MethodSource("clients")
    void realClientGetsIdenticalBytes(String program, String label, List<String> command) throws Exception {
        Peers.require(program);
        for (PxeMockServer server : List.of(normal, refusing)) {
            Path target = out.resolve(label.replace(' ', '_') + server.tftpAddress().getPort());
            List<String> cmd = new ArrayList<>();
            for (String s : command) cmd.add(s.replace("%P", Integer.toString(server.tftpAddress().getPort())).replace("%O", target.toString()));
            long before = server.stats().transfersCompleted();
            Peers.Result r = Peers.run(cmd, 60);
            assertEquals(0, r.exit(), label + " failed against " + (server == normal ? "options" : "refuse-options") + ": " + r.output());
            assertEquals(Peers.sha256(content), Peers.sha256(target), label + ": bytes differ");
            assertTrue(server.awaitIdle(Duration.ofSeconds(10)));
            assertEquals(before + 1, server.stats().transfersCompleted(), label + ": the server did not record a completed transfer");
            TransferRecord last = server.transfers().get(server.transfers().size() - 1);
            if (server == refusing) assertTrue(last.negotiated().isEmpty(), "refuse-options sent an OACK: " + last.negotiated());
        }
    }

    @Test void atftpNegotiatesWhatItAsks() throws Exception {
        Peers.require("atftp");
        Path target = out.resolve("neg");
        Peers.Result r = Peers.run(List.of("atftp", "--get", "-r", "initrd.img", "-l", target.toString(), "--option", "blksize 1468",
            "--option", "windowsize 16", "--option", "tsize 0", "127.0.0.1", Integer.toString(normal.tftpAddress().getPort())), 60);
        assertEquals(0, r.exit(), r.output());
        assertTrue(normal.awaitIdle(Duration.ofSeconds(10)));
        TransferRecord last = normal.transfers().get(normal.transfers().size() - 1);
        assertEquals("1468", last.negotiated().get("blksize"));
        assertEquals("16", last.negotiated().get("windowsize"));
        assertEquals(Integer.toString(SIZE), last.negotiated().get("tsize"));
        assertEquals("1468", last.request().options().get("blksize"));
    }

    @Test void commonsNetPlainClient() throws Exception {
        Path target = out.resolve("commons");
        TFTPClient client = new TFTPClient();
        client.setDefaultTimeout(Duration.ofSeconds(2));
        client.open();
        try (OutputStream os = new FileOutputStream(target.toFile())) {
            InetSocketAddress a = refusing.tftpAddress();
            client.receiveFile("initrd.img", TFTP.BINARY_MODE, os, a.getAddress(), a.getPort());
        } finally {
            client.close();
        }
        assertEquals(Peers.sha256(content), Peers.sha256(target));
    }

    /** More than 65535 blocks: the block number rolls over to 0 and the bytes still match. */
    @Test void blockNumberRollover() throws Exception {
        Peers.require("atftp");
        byte[] small = Peers.randomBytes(70_000 * 8 + 3, 7);
        Path dir = Files.createDirectory(out.resolve("rollover-root"));
        Files.write(dir.resolve("f"), small);
        try (PxeMockServer s = PxeMockServer.builder().tftpRoot(dir).start()) {
            Path target = out.resolve("rolled");
            Peers.Result r = Peers.run(List.of("atftp", "--get", "-r", "f", "-l", target.toString(), "--option", "blksize 8",
                "--option", "windowsize 64", "127.0.0.1", Integer.toString(s.tftpAddress().getPort())), 100);
            assertEquals(0, r.exit(), r.output());
            assertEquals(Peers.sha256(small), Peers.sha256(target));
            assertTrue(s.awaitIdle(Duration.ofSeconds(10)));
            assertTrue(s.transfers().get(0).completed(), s.transfers().toString());
        }
    }
}
