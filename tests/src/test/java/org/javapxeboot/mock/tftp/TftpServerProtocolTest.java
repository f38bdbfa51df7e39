package org.javapxeboot.mock.tftp;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import org.javapxeboot.mock.ManualClock;
import org.javapxeboot.mock.Peers;
import org.javapxeboot.mock.PxeMockServer;
import org.javapxeboot.mock.RawTftp;
import org.javapxeboot.tftp.TftpPacket;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Packet-level behaviour of the server, driven by a hand-written peer. The server runs on a {@link ManualClock}:
 * its 300 ms timeout fires only when a test moves the clock past it, so a slow test thread on a busy machine
 * cannot draw a retransmission the test did not script. Waits for packets are safety nets against hangs.
 */
@Timeout(60)
class TftpServerProtocolTest {
    private static final Duration PAST_TIMEOUT = Duration.ofMillis(301);
    @TempDir Path root;
    private final ManualClock clock = new ManualClock();
    private PxeMockServer server;
    private byte[] content;

    @BeforeEach void start() throws Exception {
        content = Peers.randomBytes(10_000, 3);
        Files.write(root.resolve("f"), content);
        server = PxeMockServer.builder().tftpRoot(root).timeoutMillis(300).maxRetries(2).clock(clock).start();
    }

    @AfterEach void stop() { server.close(); }

    private static Map<String, String> opts(String... kv) {
        Map<String, String> m = new LinkedHashMap<>();
        for (int i = 0; i < kv.length; i += 2) m.put(kv[i], kv[i + 1]);
        return m;
    }

    @Test void plainRequestGetsDataFromANewPort() throws Exception {
        try (RawTftp c = new RawTftp(server.tftpAddress())) {
            c.request("f", Map.of());
            RawTftp.Received r = c.receive(2000);
            TftpPacket.Data d = assertInstanceOf(TftpPacket.Data.class, r.packet());
            assertEquals(1, d.block());
            assertEquals(512, d.length());
            assertNotEquals(server.tftpAddress().getPort(), r.from().getPort(), "RFC 1350: the transfer must use a new TID");
        }
    }

    @Test void optionsAreAcknowledged() throws Exception {
        try (RawTftp c = new RawTftp(server.tftpAddress())) {
            c.request("f", opts("blksize", "100000", "tsize", "0", "timeout", "2", "windowsize", "4", "x-unknown", "1"));
            TftpPacket.OptionAck o = assertInstanceOf(TftpPacket.OptionAck.class, c.receive(2000).packet());
            assertEquals(opts("blksize", "65464", "tsize", "10000", "timeout", "2", "windowsize", "4"), o.options(),
                "blksize is lowered to the maximum, tsize answered, the unknown option ignored");
            c.ack(0);
            TftpPacket.Data d = assertInstanceOf(TftpPacket.Data.class, c.receive(2000).packet());
            assertEquals(10_000, d.length());
            c.ack(1);
        }
    }

    @Test void invalidOptionValuesGetError8() throws Exception {
        for (Map<String, String> bad : java.util.List.of(opts("blksize", "4"), opts("blksize", "big"), opts("windowsize", "0"),
                opts("timeout", "0"), opts("timeout", "256"), opts("tsize", "-1"))) {
            try (RawTftp c = new RawTftp(server.tftpAddress())) {
                c.request("f", bad);
                TftpPacket.Error e = assertInstanceOf(TftpPacket.Error.class, c.receive(2000).packet(), bad.toString());
                assertEquals(8, e.code(), bad + ": " + e.message());
            }
        }
    }

    @Test void windowRestartsFromTheFirstUnacknowledgedBlock() throws Exception {
        try (RawTftp c = new RawTftp(server.tftpAddress())) {
            c.request("f", opts("blksize", "512", "windowsize", "8"));
            assertInstanceOf(TftpPacket.OptionAck.class, c.receive(2000).packet());
            c.ack(0);
            for (int i = 1; i <= 8; i++) assertEquals(i, ((TftpPacket.Data) c.receive(2000).packet()).block());
            c.ack(4); // as if block 5 had been lost
            for (int i = 5; i <= 12; i++) assertEquals(i, ((TftpPacket.Data) c.receive(2000).packet()).block(), "restart from 5");
        }
    }

    /**
     * The sorcerer's apprentice set-up (RFC 1123 4.2.3.1): the first ACK is late, so the server
     * resends DATA 1, and a naive client acknowledges every DATA it gets, both copies included. A
     * server that answered every ACK would then send every later block twice.
     */
    @Test void noSorcerersApprentice() throws Exception {
        try (RawTftp c = new RawTftp(server.tftpAddress())) {
            c.request("f", Map.of());
            assertEquals(1, ((TftpPacket.Data) c.receive(2000).packet()).block());
            clock.advance(PAST_TIMEOUT);
            assertEquals(1, ((TftpPacket.Data) c.receive(2000).packet()).block(), "the server's timer resent block 1");
            ByteArrayOutputStream got = new ByteArrayOutputStream();
            got.write(content, 0, 512);
            c.ack(1);
            clock.advance(Duration.ofMillis(20)); // the ACK of the second copy comes later, as it does on a real link
            c.ack(1);
            int expected = 2, dataPackets = 2;
            while (true) {
                RawTftp.Received r = c.receive(1000);
                if (r == null) break;
                TftpPacket.Data d = (TftpPacket.Data) r.packet();
                dataPackets++;
                c.ack(d.block());
                if (d.block() == expected) {
                    got.write(d.buf(), d.offset(), d.length());
                    expected++;
                    if (d.length() < 512) break;
                }
            }
            assertArrayEquals(content, got.toByteArray());
            int blocks = content.length / 512 + 1;
            assertEquals(blocks + 1, dataPackets, "each block once, block 1 twice");
            assertTrue(server.awaitIdle(Duration.ofSeconds(10)));
            assertEquals(blocks + 1, server.stats().dataPacketsSent(), "the repeated ACK of block 1 drew nothing");
        }
    }

    @Test void aRepeatedAckLaterThanTheWindowResendsAtOnce() throws Exception {
        try (RawTftp c = new RawTftp(server.tftpAddress())) {
            c.request("f", Map.of());
            assertEquals(1, ((TftpPacket.Data) c.receive(2000).packet()).block());
            c.ack(1);
            assertEquals(2, ((TftpPacket.Data) c.receive(2000).packet()).block());
            clock.advance(Duration.ofMillis(50)); // "block 2 was lost": a client re-ACKs 1 on its own timer, well before the server's 300 ms
            c.ack(1);
            // The clock stays 250 ms short of the timeout, so only the repeated ACK can have drawn this copy.
            assertEquals(2, ((TftpPacket.Data) c.receive(2000).packet()).block());
            assertEquals(1, server.stats().retransmissions());
            assertEquals(1, server.stats().dataPacketsResent());
        }
    }

    /** A burst of repeated ACKs (atftp answers every stale block with one) draws at most one extra window. */
    @Test void aBurstOfRepeatedAcksDrawsOneResend() throws Exception {
        try (RawTftp c = new RawTftp(server.tftpAddress())) {
            c.request("f", opts("windowsize", "4"));
            assertInstanceOf(TftpPacket.OptionAck.class, c.receive(2000).packet());
            c.ack(0);
            for (int i = 1; i <= 4; i++) assertEquals(i, ((TftpPacket.Data) c.receive(2000).packet()).block());
            c.ack(4);
            for (int i = 5; i <= 8; i++) assertEquals(i, ((TftpPacket.Data) c.receive(2000).packet()).block());
            clock.advance(Duration.ofMillis(20));
            for (int i = 0; i < 10; i++) c.ack(4);
            for (int i = 5; i <= 8; i++) assertEquals(i, ((TftpPacket.Data) c.receive(2000).packet()).block(), "the window, resent once");
            // The server's timer cannot fire (the clock stands still), so anything more would answer the other 9 ACKs.
            assertNull(c.receive(300), "one resend of the 4-block window, not one per repeated ACK");
            assertEquals(4, server.stats().dataPacketsResent());
        }
    }

    @Test void retransmitsOnTimeoutThenGivesUp() throws Exception {
        try (RawTftp c = new RawTftp(server.tftpAddress())) {
            c.request("f", Map.of());
            for (int i = 0; i < 3; i++) {
                assertEquals(1, ((TftpPacket.Data) c.receive(2000).packet()).block(), "copy " + i);
                clock.advance(PAST_TIMEOUT);
            }
            assertTrue(server.awaitIdle(Duration.ofSeconds(10)), "after maxRetries=2 the server gives up");
            assertNull(c.receive(100), "nothing after giving up");
        }
        assertEquals(TransferRecord.Outcome.TIMED_OUT, server.transfers().get(0).outcome());
    }

    @Test void netasciiConvertsLineEnds() throws Exception {
        Files.writeString(root.resolve("t.txt"), "a\nb\rc");
        try (RawTftp c = new RawTftp(server.tftpAddress())) {
            c.sendRaw("\0\1t.txt\0netascii\0".getBytes(StandardCharsets.ISO_8859_1));
            TftpPacket.Data d = (TftpPacket.Data) c.receive(2000).packet();
            assertArrayEquals("a\r\nb\r\0c".getBytes(StandardCharsets.ISO_8859_1), d.payload());
        }
    }

    @Test void unknownModeAndMalformedRequestsAreRefused() throws Exception {
        try (RawTftp c = new RawTftp(server.tftpAddress())) {
            c.sendRaw("\0\1f\0mail\0".getBytes(StandardCharsets.ISO_8859_1));
            assertEquals(4, ((TftpPacket.Error) c.receive(2000).packet()).code());
            c.sendRaw("\0\1f\0octet".getBytes(StandardCharsets.ISO_8859_1));
            assertEquals(4, ((TftpPacket.Error) c.receive(2000).packet()).code());
        }
    }

    @Test void requestLogKeepsOrderAndOptions() throws Exception {
        try (RawTftp c = new RawTftp(server.tftpAddress())) {
            c.request("missing", opts("blksize", "1468"));
            assertEquals(1, ((TftpPacket.Error) c.receive(2000).packet()).code());
            c.request("f", Map.of("tsize", "0"));
            c.receive(2000);
        }
        assertEquals(java.util.List.of("missing", "f"), server.requestedFiles());
        assertEquals(Map.of("blksize", "1468"), server.tftpRequests().get(0).options());
    }
}
