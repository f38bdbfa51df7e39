package org.javapxeboot.mock.fault;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.javapxeboot.mock.MiniClient;
import org.javapxeboot.mock.Peers;
import org.javapxeboot.mock.PxeMockServer;
import org.javapxeboot.mock.RawTftp;
import org.javapxeboot.tftp.TftpPacket;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** The relay in front of a TFTP server, with real clients through it. */
@Timeout(120)
class UdpRelayTest {
    @TempDir Path root;
    @TempDir Path out;

    private static UdpRelay.Config config(PxeMockServer s) {
        return UdpRelay.Config.of(new InetSocketAddress("127.0.0.1", 0), s.tftpAddress());
    }

    @Test void followsTheTidChangeWithANewClientFacingPort() throws Exception {
        Files.write(root.resolve("f"), new byte[2000]);
        try (PxeMockServer s = PxeMockServer.builder().tftpRoot(root).start(); UdpRelay relay = UdpRelay.start(config(s));
             RawTftp c = new RawTftp(relay.listenAddress())) {
            c.request("f", Map.of());
            RawTftp.Received r = c.receive(2000);
            assertEquals(1, ((TftpPacket.Data) r.packet()).block());
            assertNotEquals(relay.listenAddress().getPort(), r.from().getPort(), "the client must see a new TID, as from a real server");
            assertNotEquals(s.tftpAddress().getPort(), r.from().getPort());
            c.ack(1);
            assertEquals(2, ((TftpPacket.Data) c.receive(2000).packet()).block());
        }
    }

    @Test void curlThroughADelayedLink() throws Exception {
        Peers.require("curl");
        byte[] data = Peers.randomBytes(200_000, 1);
        Files.write(root.resolve("f"), data);
        try (PxeMockServer s = PxeMockServer.builder().tftpRoot(root).start();
             UdpRelay relay = UdpRelay.start(config(s).withDelay(0.5, 0))) {
            Path target = out.resolve("f");
            Peers.Result r = Peers.run(List.of("curl", "-sS", "-o", target.toString(), "--tftp-blksize", "1468",
                "tftp://127.0.0.1:" + relay.listenAddress().getPort() + "/f"), 60);
            assertEquals(0, r.exit(), r.output());
            assertArrayEquals(data, Files.readAllBytes(target));
            assertTrue(relay.forwarded() >= 2 * (data.length / 1468), "forwarded " + relay.forwarded());
        }
    }

    @Test void lossyLinkStillDeliversIdenticalBytes() throws Exception {
        byte[] data = Peers.randomBytes(300_000, 2);
        Files.write(root.resolve("f"), data);
        try (PxeMockServer s = PxeMockServer.builder().tftpRoot(root).timeoutMillis(200).maxRetries(20).start();
             UdpRelay relay = UdpRelay.start(config(s).withDelay(0.2, 0.1).withLoss(0.02, 7))) {
            assertArrayEquals(data, MiniClient.get(relay.listenAddress(), "f", 1468, 16));
            assertTrue(relay.dropped() > 0, "2% loss dropped nothing");
        }
    }

    @Test void atftpThroughTheRelay() throws Exception {
        Peers.require("atftp");
        byte[] data = Peers.randomBytes(500_000, 3);
        Files.write(root.resolve("f"), data);
        try (PxeMockServer s = PxeMockServer.builder().tftpRoot(root).start(); UdpRelay relay = UdpRelay.start(config(s).withDelay(0.5, 0))) {
            Path target = out.resolve("a");
            Peers.Result r = Peers.run(List.of("atftp", "--get", "-r", "f", "-l", target.toString(), "--option", "blksize 1468",
                "--option", "windowsize 16", "127.0.0.1", Integer.toString(relay.listenAddress().getPort())), 60);
            assertEquals(0, r.exit(), r.output());
            assertArrayEquals(data, Files.readAllBytes(target));
        }
    }

    /** The relay's purpose: a slow, lossy link in front of a real server (atftpd here). */
    @Test void realServerBehindASlowLossyLink() throws Exception {
        Peers.require("atftpd");
        Peers.require("busybox");
        org.junit.jupiter.api.Assumptions.assumeTrue("root".equals(System.getProperty("user.name")),
            "atftpd is started with --user root.root so it can read the test's private temp dir; needs root");
        byte[] data = Peers.randomBytes(300_000, 5);
        Files.write(root.resolve("f"), data);
        int port;
        try (java.net.DatagramSocket probe = new java.net.DatagramSocket(0, java.net.InetAddress.getLoopbackAddress())) {
            port = probe.getLocalPort();
        }
        Process atftpd = new ProcessBuilder("atftpd", "--daemon", "--no-fork", "--port", Integer.toString(port), "--bind-address", "127.0.0.1",
            "--logfile", "/dev/null", "--user", "root.root", root.toString()).redirectErrorStream(true).start();
        try (UdpRelay relay = UdpRelay.start(UdpRelay.Config.of(new InetSocketAddress("127.0.0.1", 0), new InetSocketAddress("127.0.0.1", port))
                .withDelay(0.5, 0).withLoss(0.01, 4))) {
            Peers.awaitTftp(new InetSocketAddress("127.0.0.1", port), atftpd);
            Path target = out.resolve("b");
            Peers.Result r = Peers.run(List.of("busybox", "tftp", "-g", "-r", "f", "-l", target.toString(), "-b", "1468", "127.0.0.1",
                Integer.toString(relay.listenAddress().getPort())), 90);
            assertEquals(0, r.exit(), r.output());
            assertArrayEquals(data, Files.readAllBytes(target));
            assertTrue(relay.sessions() >= 1);
        } finally {
            atftpd.destroy();
            atftpd.waitFor();
        }
    }
}
