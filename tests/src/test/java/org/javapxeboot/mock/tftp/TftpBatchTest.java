package org.javapxeboot.mock.tftp;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.javapxeboot.mock.MiniClient;
import org.javapxeboot.mock.Peers;
import org.javapxeboot.mock.PxeMockServer;
import org.javapxeboot.mock.fault.Faults;
import org.javapxeboot.net.UdpOffload;
import org.javapxeboot.tftp.TftpClient;
import org.javapxeboot.tftp.TransferResult;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * UDP GSO in the mock: clean windows leave in batches (one system call for up to 64 blocks), which our
 * client reads coalesced (UDP GRO) and other clients read as ordinary datagrams; fault switches, lock-step
 * and blocks too big to batch send one datagram per call. Bytes compared whole every time.
 */
@Timeout(120)
class TftpBatchTest {
    @TempDir static Path root;
    @TempDir Path out;
    private static byte[] content;

    @BeforeAll static void files() throws Exception {
        content = Peers.randomBytes(3_000_000 + 17, 21);
        Files.write(root.resolve("f"), content);
    }

    /** Per test, not in @BeforeAll: surefire reports a skip there as "Tests run: 0" and drops the reason. */
    @BeforeEach void offloadBuilt() {
        Assumptions.assumeTrue(UdpOffload.available(), "UDP offload library not built: " + UdpOffload.unavailableReason());
    }

    private static PxeMockServer serve(Faults f) throws Exception {
        return PxeMockServer.builder().tftpRoot(root).timeoutMillis(300).maxRetries(20).faults(f).start();
    }

    private static TransferResult ours(PxeMockServer s, TftpClient.Settings settings) throws Exception {
        ByteArrayOutputStream got = new ByteArrayOutputStream();
        TransferResult r = new TftpClient(settings).fetch(s.tftpAddress(), "f", got, -1);
        assertArrayEquals(content, got.toByteArray(), r.toString());
        assertTrue(s.awaitIdle(Duration.ofSeconds(10)));
        return r;
    }

    /**
     * Asserts on the protocol, not on luck: loopback drops datagrams when the receiver falls behind (a busy
     * machine), which is legal UDP. So every block leaves once plus only what a gap ACK or a timeout asked to
     * be resent, the client saw no copy the server did not resend, and at most one block per window leaves
     * outside a batch (the window's odd last one).
     */
    @Test void cleanWindowsLeaveInBatchesAndOurClientReadsThemCoalesced() throws Exception {
        try (PxeMockServer s = serve(Faults.none())) {
            TransferResult r = ours(s, TftpClient.Settings.defaults().withBlksize(1468).withWindowsize(256));
            PxeMockServer.Stats st = s.stats();
            long blocks = content.length / 1468 + 1;
            assertEquals(blocks + st.dataPacketsResent(), st.dataPacketsSent(), "every block once, plus the resends");
            assertTrue(st.dataPacketsResent() == 0 || st.retransmissions() > 0, "blocks resent with no gap ACK or timeout: " + st.dataPacketsResent());
            assertTrue(r.duplicatesIgnored() <= st.dataPacketsResent(), r + " saw copies the server never resent");
            assertTrue(st.batchesSent() > 0, "no batch sent");
            assertTrue(st.dataPacketsSent() - st.batchedPackets() <= st.windowsSent(),
                (st.dataPacketsSent() - st.batchedPackets()) + " blocks left alone in " + st.windowsSent() + " windows");
            assertTrue(r.coalescedReceives() > 0, r.toString());
        }
    }

    @Test void clientsWithoutGroReadTheBatchesAsDatagrams() throws Exception {
        try (PxeMockServer s = serve(Faults.none())) {
            assertArrayEquals(content, MiniClient.get(s.tftpAddress(), "f", 1468, 16));
            assertTrue(s.awaitIdle(Duration.ofSeconds(10)));
            assertTrue(s.stats().batchesSent() > 0);
            TransferResult r = ours(s, TftpClient.Settings.defaults().withBlksize(1468).withOffload(false));
            assertEquals(0, r.coalescedReceives());
        }
    }

    @Test void atftpReadsTheBatches() throws Exception {
        Peers.require("atftp");
        try (PxeMockServer s = serve(Faults.none())) {
            Path target = out.resolve("atftp");
            Peers.Result r = Peers.run(List.of("atftp", "--option", "blksize 1468", "--option", "windowsize 16", "-g", "-r", "f",
                "-l", target.toString(), "127.0.0.1", Integer.toString(s.tftpAddress().getPort())), 60);
            assertEquals(0, r.exit(), r.output());
            assertArrayEquals(content, Files.readAllBytes(target));
            assertTrue(s.stats().batchesSent() > 0);
        }
    }

    @Test void faultSwitchesActPerDatagramSoNoBatches() throws Exception {
        try (PxeMockServer s = serve(Faults.builder().dropEvery(50).build())) {
            ours(s, TftpClient.Settings.defaults().withBlksize(1468).withWindowsize(64));
            assertTrue(s.stats().packetsDropped() > 0);
            assertEquals(0, s.stats().batchesSent());
        }
    }

    @Test void lockStepAndLoopbackSizedBlocksAreNotBatched() throws Exception {
        try (PxeMockServer s = serve(Faults.none())) {
            ours(s, TftpClient.Settings.defaults().withBlksize(1468).withWindowsize(1));
            ours(s, TftpClient.Settings.defaults().withBlksize(65464).withWindowsize(8));
            assertEquals(0, s.stats().batchesSent(), "one block in flight, or blocks over half a datagram: nothing to batch");
        }
    }
}
