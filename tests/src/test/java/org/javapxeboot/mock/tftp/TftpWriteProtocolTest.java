package org.javapxeboot.mock.tftp;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.javapxeboot.mock.ManualClock;
import org.javapxeboot.mock.PxeMockServer;
import org.javapxeboot.mock.RawTftp;
import org.javapxeboot.tftp.TftpCodec;
import org.javapxeboot.tftp.TftpPacket;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * WRQ on the wire, where pxe-mock receives through the bootloader's {@code Receiver}: packet by packet,
 * on a {@link ManualClock} (the server's 300 ms timer fires only when the test moves the clock).
 */
@Timeout(30)
class TftpWriteProtocolTest {
    private static final Duration PAST_TIMEOUT = Duration.ofMillis(301);

    @TempDir Path root;
    private final ManualClock clock = new ManualClock();
    private PxeMockServer server;

    @BeforeEach void start() throws Exception {
        server = PxeMockServer.builder().tftpRoot(root).allowWrites(true).timeoutMillis(300).maxRetries(2).clock(clock).start();
    }

    @AfterEach void stop() { server.close(); }

    private static byte[] wrq(String name, Map<String, String> options) {
        return TftpCodec.encode(new TftpPacket.Request(TftpPacket.WRQ, name, "octet", options));
    }

    private TransferRecord last() throws InterruptedException {
        assertTrue(server.awaitIdle(Duration.ofSeconds(10)));
        return server.transfers().get(server.transfers().size() - 1);
    }

    @Test void duplicatesAreAckedAgainAndTheTimerRepeatsTheLastAck() throws Exception {
        try (RawTftp c = new RawTftp(server.tftpAddress())) {
            c.sendRaw(wrq("up.bin", Map.of("blksize", "8")));
            assertEquals(Map.of("blksize", "8"), assertInstanceOf(TftpPacket.OptionAck.class, c.receive(2000).packet()).options());
            c.send(new TftpPacket.Data(1, "12345678".getBytes()));
            assertEquals(new TftpPacket.Ack(1), c.receive(2000).packet());
            c.send(new TftpPacket.Data(1, "12345678".getBytes()));
            assertEquals(new TftpPacket.Ack(1), c.receive(2000).packet(), "RFC 1350: a repeated block repeats its ACK");
            clock.advance(PAST_TIMEOUT);
            assertEquals(new TftpPacket.Ack(1), c.receive(2000).packet(), "no DATA 2 within the timer: ACK 1 again");
            c.send(new TftpPacket.Data(2, "abc".getBytes()));
            assertEquals(new TftpPacket.Ack(2), c.receive(2000).packet());
        }
        TransferRecord r = last();
        assertEquals(TransferRecord.Outcome.COMPLETED, r.outcome());
        assertEquals(11, r.bytes());
        assertEquals(1, r.retransmissions(), "the timer's resend; answering a duplicate is no retransmission");
        assertArrayEquals("12345678abc".getBytes(), Files.readAllBytes(root.resolve("up.bin")));
    }

    @Test void theOackIsRepeatedUntilTheRetriesRunOut() throws Exception {
        try (RawTftp c = new RawTftp(server.tftpAddress())) {
            c.sendRaw(wrq("never.bin", Map.of("blksize", "8")));
            assertInstanceOf(TftpPacket.OptionAck.class, c.receive(2000).packet());
            for (int i = 0; i < 2; i++) {
                clock.advance(PAST_TIMEOUT);
                assertInstanceOf(TftpPacket.OptionAck.class, c.receive(2000).packet(), "ACK 0 of a WRQ with options is the OACK");
            }
            clock.advance(PAST_TIMEOUT);
            TransferRecord r = last();
            assertEquals(TransferRecord.Outcome.TIMED_OUT, r.outcome());
            assertEquals("no DATA block 1", r.message());
        }
        assertFalse(Files.exists(root.resolve("never.bin")));
        try (var left = Files.list(root)) {
            assertEquals(0, left.count(), "no temporary file left behind");
        }
    }

    @Test void anOversizedBlockIsRefused() throws Exception {
        try (RawTftp c = new RawTftp(server.tftpAddress())) {
            c.sendRaw(wrq("big.bin", Map.of()));
            assertEquals(new TftpPacket.Ack(0), c.receive(2000).packet());
            c.send(new TftpPacket.Data(1, new byte[513]));
            TftpPacket.Error e = assertInstanceOf(TftpPacket.Error.class, c.receive(2000).packet());
            assertEquals(4, e.code());
            assertEquals("DATA block 1 is larger than blksize 512", e.message());
        }
        assertEquals(TransferRecord.Outcome.ERROR_SENT, last().outcome());
    }
}
