package org.javapxeboot.mock.tftp;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.javapxeboot.mock.ManualClock;
import org.javapxeboot.mock.MiniClient;
import org.javapxeboot.mock.Peers;
import org.javapxeboot.mock.PxeMockServer;
import org.javapxeboot.mock.RawTftp;
import org.javapxeboot.mock.fault.ErrorFault;
import org.javapxeboot.mock.fault.Faults;
import org.javapxeboot.tftp.TftpPacket;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** Each fault switch is observable: in the client's experience and in the server's stats. */
@Timeout(120)
class TftpFaultTest {
    @TempDir static Path root;
    @TempDir Path out;
    private static byte[] content;

    @BeforeAll static void files() throws Exception {
        content = Peers.randomBytes(300_000, 11);
        Files.write(root.resolve("f"), content);
    }

    private static PxeMockServer serve(Faults f) throws Exception {
        return PxeMockServer.builder().tftpRoot(root).timeoutMillis(200).maxRetries(20).faults(f).start();
    }

    private byte[] busybox(PxeMockServer s) throws Exception {
        Peers.require("busybox");
        Path target = out.resolve("bb" + System.nanoTime());
        Peers.Result r = Peers.run(List.of("busybox", "tftp", "-g", "-r", "f", "-l", target.toString(), "-b", "1468", "127.0.0.1",
            Integer.toString(s.tftpAddress().getPort())), 90);
        assertEquals(0, r.exit(), r.output());
        assertTrue(s.awaitIdle(Duration.ofSeconds(10)));
        return Files.readAllBytes(target);
    }

    @Test void dropBlockOnce() throws Exception {
        try (PxeMockServer s = serve(Faults.builder().dropBlock(5).build())) {
            assertArrayEquals(content, busybox(s));
            assertEquals(1, s.stats().packetsDropped());
            assertTrue(s.stats().retransmissions() >= 1);
            assertTrue(s.transfers().get(0).completed());
        }
    }

    @Test void randomDropBothWaysWithASeed() throws Exception {
        try (PxeMockServer s = serve(Faults.builder().drop(0.03).seed(5).build())) {
            assertArrayEquals(content, busybox(s));
            assertTrue(s.stats().packetsDropped() > 0, "3% of ~400 packets dropped none");
        }
    }

    @Test void dropEveryNthWithAWindowedClient() throws Exception {
        try (PxeMockServer s = serve(Faults.builder().dropEvery(10).build())) {
            assertArrayEquals(content, MiniClient.get(s.tftpAddress(), "f", 1468, 8));
            assertTrue(s.awaitIdle(Duration.ofSeconds(10)));
            assertTrue(s.stats().packetsDropped() >= content.length / 1468 / 10, "dropped " + s.stats().packetsDropped());
        }
    }

    @Test void duplicatesDoNotSnowball() throws Exception {
        // A 2 s timeout: the bound below counts what duplicates draw, not what a busy machine's late ACKs draw.
        try (PxeMockServer s = PxeMockServer.builder().tftpRoot(root).timeoutMillis(2000).maxRetries(20)
                .faults(Faults.builder().duplicate(0.3).seed(2).build()).start()) {
            assertArrayEquals(content, busybox(s));
            long blocks = content.length / 1468 + 1;
            assertTrue(s.stats().packetsDuplicated() > 0);
            // busybox ACKs both copies of a duplicated block; the second ACK must not draw a resend.
            assertTrue(s.stats().dataPacketsSent() <= blocks + blocks / 10, s.stats().dataPacketsSent() + " DATA for " + blocks + " blocks");
        }
    }

    @Test void reorderWithAWindowedClient() throws Exception {
        try (PxeMockServer s = serve(Faults.builder().reorder(0.1).seed(3).build())) {
            assertArrayEquals(content, MiniClient.get(s.tftpAddress(), "f", 1468, 16));
            assertTrue(s.stats().packetsReordered() > 0);
        }
    }

    @Test void delayAndJitter() throws Exception {
        try (PxeMockServer s = serve(Faults.builder().delayMillis(0.5).jitterMillis(0.2).build())) {
            assertArrayEquals(content, MiniClient.get(s.tftpAddress(), "f", 1468, 16));
            assertTrue(s.awaitIdle(Duration.ofSeconds(10)));
            assertTrue(s.stats().packetsDelayed() > content.length / 1468, "delayed " + s.stats().packetsDelayed());
        }
    }

    @Test void errorForAFile() throws Exception {
        Peers.require("curl");
        try (PxeMockServer s = serve(Faults.builder().error(new ErrorFault(1, "no such thing today", "f", 0)).build())) {
            Peers.Result r = Peers.run(List.of("curl", "-sS", "-o", out.resolve("x").toString(), "tftp://127.0.0.1:" + s.tftpAddress().getPort() + "/f"), 30);
            assertNotEquals(0, r.exit());
            assertTrue(s.awaitIdle(Duration.ofSeconds(5)));
            TransferRecord t = s.transfers().get(0);
            assertEquals(TransferRecord.Outcome.ERROR_SENT, t.outcome());
            assertEquals(1, t.errorCode());
            assertEquals("no such thing today", t.message());
        }
    }

    @Test void errorAfterNBlocksAndOnlyForThatFile() throws Exception {
        Files.write(root.resolve("other"), new byte[100]);
        // A clock that stands still: however slowly this thread ACKs, the server's timer cannot resend a block.
        try (PxeMockServer s = PxeMockServer.builder().tftpRoot(root).timeoutMillis(200).clock(new ManualClock())
                .faults(Faults.builder().error(new ErrorFault(3, "disk on fire", "f", 3)).build()).start();
             RawTftp c = new RawTftp(s.tftpAddress())) {
            c.request("f", Map.of());
            for (int i = 1; i <= 3; i++) {
                assertEquals(i, assertInstanceOf(TftpPacket.Data.class, c.receive(2000).packet()).block());
                c.ack(i);
            }
            TftpPacket.Error e = assertInstanceOf(TftpPacket.Error.class, c.receive(2000).packet());
            assertEquals(3, e.code());
            assertEquals("disk on fire", e.message());
            c.request("other", Map.of());
            assertInstanceOf(TftpPacket.Data.class, c.receive(2000).packet());
        }
    }

    @Test void stallAfterNBlocks() throws Exception {
        ManualClock clock = new ManualClock();
        try (PxeMockServer s = PxeMockServer.builder().tftpRoot(root).timeoutMillis(100).maxRetries(2).clock(clock)
                .faults(Faults.builder().stallAfter(2).build()).start(); RawTftp c = new RawTftp(s.tftpAddress())) {
            c.request("f", Map.of());
            for (int i = 1; i <= 2; i++) {
                assertEquals(i, assertInstanceOf(TftpPacket.Data.class, c.receive(2000).packet()).block());
                c.ack(i);
            }
            assertNull(c.receive(300), "the server should have gone silent after block 2");
            // Each timeout passes silently; after maxRetries of them the transfer is given up as stalled.
            for (int i = 0; i < 1000 && !s.awaitIdle(Duration.ofMillis(20)); i++) clock.advance(Duration.ofMillis(101));
            assertNull(c.receive(100), "still silent after the timeouts");
            assertTrue(s.awaitIdle(Duration.ofSeconds(5)));
            assertEquals(TransferRecord.Outcome.STALLED, s.transfers().get(0).outcome());
        }
    }

    @Test void refuseOptionsIsPlainRfc1350() throws Exception {
        try (PxeMockServer s = serve(Faults.builder().refuseOptions(true).build()); RawTftp c = new RawTftp(s.tftpAddress())) {
            c.request("f", Map.of("blksize", "1468", "windowsize", "8", "tsize", "0"));
            TftpPacket.Data d = assertInstanceOf(TftpPacket.Data.class, c.receive(2000).packet());
            assertEquals(512, d.length());
            assertEquals(Map.of("blksize", "1468", "windowsize", "8", "tsize", "0"), s.tftpRequests().get(0).options(), "the request log keeps what was asked");
        }
    }
}
