package org.javapxeboot.tftp;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.javapxeboot.tftp.LossyRelay.Action;
import org.javapxeboot.tftp.LossyRelay.Dir;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Loss, duplication, reordering and stalls between the client and atftpd, injected by a relay. Each
 * case checks the bytes (SHA-256), and where it matters that the client did not flood the server.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class TftpClientLossTest {
    @TempDir static Path root;
    @TempDir static Path logs;
    static RealServer atftpd;
    static byte[] file, big;

    /** 1468-byte blocks in windows of 16, as on an Ethernet LAN. */
    static final TftpClient.Settings LAN = TftpClient.Settings.defaults().withBlksize(1468).withWindowsize(16);

    /**
     * Why this class cannot run here, or null. Surefire reports a skip in @BeforeAll as "Tests run: 0"
     * with no reason; skipping each test keeps the reason in the report.
     */
    static String skip;

    @BeforeAll static void start() throws IOException {
        skip = Files.isExecutable(RealServer.ATFTPD) ? null : "atftpd is not installed (Debian package atftpd)";
        if (skip != null) return;
        file = Files2.random(1468 * 100 + 77, 11);
        big = Files2.random(4_000_000, 12);
        Files2.write(root, "file", file);
        Files2.write(root, "big", big);
        // atftpd's own retransmission timer stays at its 5 s default unless the client asks: the client asks
        // for 1 s; every recovery below that is the client's doing.
        atftpd = RealServer.atftpd(root, logs);
    }

    @BeforeEach void runnableHere() {
        Assumptions.assumeTrue(skip == null, skip);
    }

    @AfterAll static void stop() {
        if (atftpd != null) atftpd.close();
    }

    static TransferResult fetchThrough(LossyRelay relay, TftpClient.Settings s, String path, byte[] expect) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        TransferResult r = new TftpClient(s).fetch(relay.address(), path, out, -1);
        assertEquals(Files2.sha256(expect), Files2.sha256(out.toByteArray()), "bytes differ: " + r);
        if (s.negotiate()) {
            // The fallback ladder must not hide a test behind smaller blocks.
            assertEquals(s.blksize(), r.blksize(), r.toString());
            assertEquals(s.windowsize(), r.windowsize(), r.toString());
        }
        return r;
    }

    /** A rule that applies {@code action} the first time a packet matches, and passes everything else. */
    static LossyRelay.Rule once(Dir dir, int opcode, int block, Action action) {
        AtomicBoolean done = new AtomicBoolean();
        return (d, op, b, len) -> d == dir && op == opcode && b == block && done.compareAndSet(false, true) ? action : Action.PASS;
    }

    @Test void dropOfOneDataBlockInsideAWindow() throws IOException {
        try (LossyRelay relay = new LossyRelay(atftpd.address(), once(Dir.TO_CLIENT, TftpPacket.DATA, 5, Action.DROP))) {
            TransferResult r = fetchThrough(relay, LAN, "file", file);
            assertTrue(r.retransmissions() >= 1, r.toString());
        }
    }

    @Test void dropOfTheLastBlockOfAWindow() throws IOException {
        // No later block reveals the gap: only the client's RTT-based timer can recover before atftpd's.
        try (LossyRelay relay = new LossyRelay(atftpd.address(), once(Dir.TO_CLIENT, TftpPacket.DATA, 32, Action.DROP))) {
            TransferResult r = fetchThrough(relay, LAN, "file", file);
            assertTrue(r.retransmissions() >= 1, r.toString());
        }
    }

    @Test void dropOfTheFinalShortBlock() throws IOException {
        try (LossyRelay relay = new LossyRelay(atftpd.address(), once(Dir.TO_CLIENT, TftpPacket.DATA, 101, Action.DROP))) {
            fetchThrough(relay, LAN, "file", file);
        }
    }

    @Test void dropOfAnAck() throws IOException {
        try (LossyRelay relay = new LossyRelay(atftpd.address(), once(Dir.TO_SERVER, TftpPacket.ACK, 16, Action.DROP))) {
            fetchThrough(relay, LAN, "file", file);
        }
    }

    @Test void dropOfTheAckOfTheOack() throws IOException {
        try (LossyRelay relay = new LossyRelay(atftpd.address(), once(Dir.TO_SERVER, TftpPacket.ACK, 0, Action.DROP))) {
            fetchThrough(relay, LAN, "file", file);
        }
    }

    @Test void duplicatedDataDoesNotMakeAnAckStormInAWindow() throws IOException {
        try (LossyRelay relay = new LossyRelay(atftpd.address(),
                (d, op, b, len) -> op == TftpPacket.DATA ? Action.DUPLICATE : Action.PASS)) {
            TransferResult r = fetchThrough(relay, LAN, "file", file);
            int windows = (101 + 15) / 16;
            int acks = relay.count(Dir.TO_SERVER, TftpPacket.ACK);
            // One ACK for the OACK, one per window, plus what the client's own timer re-sent (a busy machine may
            // delay a window past it); never one per duplicate.
            assertTrue(acks <= windows + 1 + r.retransmissions(), acks + " ACKs for " + windows + " windows: " + r);
            assertTrue(r.retransmissions() < windows, r.toString());
            assertTrue(r.duplicatesIgnored() >= 90, r.toString());
        }
    }

    @Test void duplicatedDataDoesNotMakeAnAckStormInLockStep() throws IOException {
        try (LossyRelay relay = new LossyRelay(atftpd.address(),
                (d, op, b, len) -> op == TftpPacket.DATA ? Action.DUPLICATE : Action.PASS)) {
            TransferResult r = fetchThrough(relay, TftpClient.Settings.defaults().withNegotiate(false), "file", file);
            int blocks = file.length / 512 + 1;
            int acks = relay.count(Dir.TO_SERVER, TftpPacket.ACK);
            // The protocol's accounting, not luck: every block is ACKed once, a duplicate may draw at
            // most one more ACK (the server's own retransmission looks the same), and anything beyond
            // that must be the client's own timer re-ACKs, which it counts as retransmissions. A busy
            // machine may fire that timer; an ACK storm (answering every duplicate) would not fit.
            assertTrue(r.duplicatesIgnored() >= blocks / 2, "the relay duplicated the data: " + r);
            assertTrue(acks <= blocks + 1 + r.retransmissions(), acks + " ACKs for " + blocks + " blocks: " + r);
            int beyondTwo = relay.acksByBlock.values().stream().mapToInt(n -> Math.max(0, n.get() - 2)).sum();
            assertTrue(beyondTwo <= r.retransmissions(), beyondTwo + " ACKs beyond two per block, but only "
                    + r.retransmissions() + " timer re-ACKs: " + relay.acksByBlock + " " + r);
        }
    }

    @Test void reorderedWindow() throws IOException {
        // Block 10 arrives after block 11.
        try (LossyRelay relay = new LossyRelay(atftpd.address(), once(Dir.TO_CLIENT, TftpPacket.DATA, 10, Action.HOLD))) {
            fetchThrough(relay, LAN, "file", file);
        }
    }

    @Test void everyWindowReordered() throws IOException {
        try (LossyRelay relay = new LossyRelay(atftpd.address(),
                (d, op, b, len) -> op == TftpPacket.DATA && b % 16 == 3 ? Action.HOLD : Action.PASS)) {
            fetchThrough(relay, LAN, "file", file);
        }
    }

    @Test void onePercentRandomLossBothWays() throws IOException {
        Random rnd = new Random(42);
        AtomicInteger dropped = new AtomicInteger();
        try (LossyRelay relay = new LossyRelay(atftpd.address(), (d, op, b, len) -> {
            if (op == TftpPacket.RRQ || op == TftpPacket.OACK) return Action.PASS; // keep the TIDs simple
            if (rnd.nextInt(100) == 0) {
                dropped.incrementAndGet();
                return Action.DROP;
            }
            return Action.PASS;
        })) {
            TransferResult r = fetchThrough(relay, LAN, "big", big);
            assertTrue(dropped.get() > 10, "the relay dropped " + dropped);
            assertTrue(r.retransmissions() > 0, r.toString());
        }
    }

    @Test void onePercentLossWithOneMillisecondRtt() throws IOException {
        Random rnd = new Random(7);
        try (LossyRelay relay = new LossyRelay(atftpd.address(), (d, op, b, len) ->
                op != TftpPacket.RRQ && op != TftpPacket.OACK && rnd.nextInt(100) == 0 ? Action.DROP : Action.PASS,
                500_000)) {
            fetchThrough(relay, LAN.withWindowsize(32), "file", file);
        }
    }

    @Test void serverThatStallsMidFileFailsWithinTheRetryBudget() throws IOException {
        AtomicInteger data = new AtomicInteger();
        LossyRelay[] ref = new LossyRelay[1];
        try (LossyRelay relay = new LossyRelay(atftpd.address(), (d, op, b, len) -> {
            if (op == TftpPacket.DATA && data.incrementAndGet() == 40) ref[0].stall();
            return Action.PASS;
        })) {
            ref[0] = relay;
            TftpClient c = new TftpClient(LAN.withTimeoutSeconds(1).withMaxRetries(2));
            TftpException e = assertThrows(TftpException.class,
                () -> c.fetch(relay.address(), "file", new ByteArrayOutputStream(), -1));
            assertTrue(e.getMessage().matches("tftp://127\\.0\\.0\\.1:\\d+/file: no answer after \\d+ retransmissions \\(block \\d+ of ~101\\)"),
                e.getMessage());
        }
    }

    @Test void totalTimeoutBoundsATransferThatNeverFinishes() throws IOException {
        AtomicInteger data = new AtomicInteger();
        LossyRelay[] ref = new LossyRelay[1];
        try (LossyRelay relay = new LossyRelay(atftpd.address(), (d, op, b, len) -> {
            if (op == TftpPacket.DATA && data.incrementAndGet() == 20) ref[0].stall();
            return Action.PASS;
        })) {
            ref[0] = relay;
            TftpClient c = new TftpClient(LAN.withMaxRetries(1000).withTotalTimeout(Duration.ofSeconds(2)));
            TftpException e = assertThrows(TftpException.class,
                () -> c.fetch(relay.address(), "file", new ByteArrayOutputStream(), -1));
            assertTrue(e.getMessage().contains("total timeout"), e.getMessage());
        }
    }
}
