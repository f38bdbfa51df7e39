package org.javapxeboot.mock.tftp;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.apache.commons.net.tftp.TFTP;
import org.apache.commons.net.tftp.TFTPClient;
import org.javapxeboot.mock.Peers;
import org.javapxeboot.mock.PxeMockServer;
import org.javapxeboot.mock.RawTftp;
import org.javapxeboot.tftp.TftpPacket;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** Nothing outside the root is ever served; writes only when enabled; the transfer cap holds. */
@Timeout(60)
class TftpSecurityTest {
    @TempDir Path dir;

    private PxeMockServer serve(Path root, PxeMockServer.Builder b) throws IOException {
        Files.createDirectories(root);
        return b.tftpRoot(root).start();
    }

    /** The first packet the server sends for {@code name}; asserts no DATA comes. */
    private static TftpPacket.Error refused(PxeMockServer s, byte[] request) throws IOException {
        try (RawTftp c = new RawTftp(s.tftpAddress())) {
            c.sendRaw(request);
            return assertInstanceOf(TftpPacket.Error.class, c.receive(2000).packet());
        }
    }

    private static byte[] rrq(String name) {
        return ("\0\1" + name + "\0octet\0").getBytes(StandardCharsets.ISO_8859_1);
    }

    @Test void escapesAreRefused() throws Exception {
        Path root = dir.resolve("root");
        Files.createDirectories(root.resolve("sub"));
        Path secret = Files.writeString(dir.resolve("secret"), "secret");
        Files.createSymbolicLink(root.resolve("link-out"), secret);
        Files.createSymbolicLink(root.resolve("sub/dir-out"), dir);
        try (PxeMockServer s = serve(root, PxeMockServer.builder())) {
            for (String name : List.of("../secret", "sub/../../secret", "..", "link-out", "sub/dir-out/secret", "sub", "/" + dir + "/secret")) {
                TftpPacket.Error e = refused(s, rrq(name));
                assertTrue(e.code() == 2 || e.code() == 1, name + " -> error " + e.code() + " " + e.message());
                if (!name.startsWith("/")) assertEquals(2, e.code(), name + ": " + e.message());
            }
            // An absolute path outside the root is taken relative to the root (tftp-hpa --secure): not found there.
            assertEquals(1, refused(s, rrq("/etc/passwd")).code());
            assertEquals(2, refused(s, rrq("../../../../../../etc/passwd")).code());
            // A NUL inside the name ends it on the wire; what follows is read as the mode: refused.
            assertEquals(4, refused(s, ("\0\1link-out\0/../../etc/passwd\0octet\0").getBytes(StandardCharsets.ISO_8859_1)).code());
            // Control characters in a name are refused too.
            assertEquals(2, refused(s, rrq("a\u0001b")).code());
            assertTrue(s.awaitIdle(Duration.ofSeconds(5)));
            assertEquals(0, s.stats().bytesSent(), "no byte may have been served");
            assertEquals(0, s.stats().transfersCompleted());
        }
    }

    @Test void absolutePathsUnderTheRootAndLinksInsideAreServed() throws Exception {
        Path root = dir.resolve("root");
        Files.createDirectories(root.resolve("boot"));
        Files.writeString(root.resolve("boot/linux"), "kernel");
        Files.createSymbolicLink(root.resolve("vmlinuz"), Path.of("boot/linux"));
        try (PxeMockServer s = serve(root, PxeMockServer.builder())) {
            for (String name : List.of("/boot/linux", root.toRealPath() + "/boot/linux", "vmlinuz", "boot//linux")) {
                try (RawTftp c = new RawTftp(s.tftpAddress())) {
                    c.request(name, Map.of());
                    TftpPacket.Data d = assertInstanceOf(TftpPacket.Data.class, c.receive(2000).packet(), name);
                    assertArrayEquals("kernel".getBytes(StandardCharsets.US_ASCII), d.payload(), name);
                    c.ack(1);
                }
            }
        }
    }

    @Test void writeRequestsAreRefusedByDefault() throws Exception {
        Path root = dir.resolve("root");
        try (PxeMockServer s = serve(root, PxeMockServer.builder())) {
            TftpPacket.Error e = refused(s, ("\0\2new\0octet\0").getBytes(StandardCharsets.ISO_8859_1));
            assertEquals(2, e.code());
            TFTPClient client = new TFTPClient();
            client.setDefaultTimeout(Duration.ofSeconds(1));
            client.open();
            try {
                assertThrows(IOException.class, () -> client.sendFile("new2", TFTP.BINARY_MODE, new ByteArrayInputStream(new byte[100]),
                    s.tftpAddress().getAddress(), s.tftpAddress().getPort()));
            } finally {
                client.close();
            }
            assertFalse(Files.exists(root.resolve("new")));
            assertFalse(Files.exists(root.resolve("new2")));
        }
    }

    @Test void enabledWritesLandAtomically() throws Exception {
        Path root = dir.resolve("root");
        byte[] data = Peers.randomBytes(100_000, 9);
        try (PxeMockServer s = serve(root, PxeMockServer.builder().allowWrites(true))) {
            TFTPClient client = new TFTPClient();
            client.setDefaultTimeout(Duration.ofSeconds(2));
            client.open();
            try {
                client.sendFile("up.bin", TFTP.BINARY_MODE, new ByteArrayInputStream(data), s.tftpAddress().getAddress(), s.tftpAddress().getPort());
            } finally {
                client.close();
            }
            assertTrue(s.awaitIdle(Duration.ofSeconds(5)));
            assertArrayEquals(data, Files.readAllBytes(root.resolve("up.bin")));
            try (var files = Files.list(root)) {
                assertEquals(List.of("up.bin"), files.map(p -> p.getFileName().toString()).toList(), "no temporary file left");
            }
            // Writing outside the root is refused even when writes are on.
            assertEquals(2, refused(s, ("\0\2../evil\0octet\0").getBytes(StandardCharsets.ISO_8859_1)).code());
            assertFalse(Files.exists(dir.resolve("evil")));
        }
    }

    @Test void atftpPutWithOptions() throws Exception {
        Peers.require("atftp");
        Path root = dir.resolve("root");
        byte[] data = Peers.randomBytes(200_000, 10);
        Path local = Files.write(dir.resolve("local.bin"), data);
        try (PxeMockServer s = serve(root, PxeMockServer.builder().allowWrites(true))) {
            Peers.Result r = Peers.run(List.of("atftp", "--put", "-r", "sub-less.bin", "-l", local.toString(), "--option", "blksize 1468",
                "127.0.0.1", Integer.toString(s.tftpAddress().getPort())), 60);
            assertEquals(0, r.exit(), r.output());
            assertTrue(s.awaitIdle(Duration.ofSeconds(5)));
            assertArrayEquals(data, Files.readAllBytes(root.resolve("sub-less.bin")));
            assertEquals("1468", s.transfers().get(0).negotiated().get("blksize"));
        }
    }

    @Test void concurrencyCapRefusesTheExtraTransfer() throws Exception {
        Path root = dir.resolve("root");
        Files.createDirectories(root);
        Files.write(root.resolve("f"), new byte[5000]);
        try (PxeMockServer s = serve(root, PxeMockServer.builder().maxTransfers(1).timeoutMillis(2000));
             RawTftp first = new RawTftp(s.tftpAddress()); RawTftp second = new RawTftp(s.tftpAddress())) {
            first.request("f", Map.of());
            assertInstanceOf(TftpPacket.Data.class, first.receive(2000).packet()); // not acknowledged: the transfer stays open
            second.request("f", Map.of());
            TftpPacket.Error e = assertInstanceOf(TftpPacket.Error.class, second.receive(2000).packet());
            assertEquals(0, e.code());
            assertTrue(e.message().contains("busy"), e.message());
            assertEquals(1, s.stats().refusedBusy());
        }
    }
}
