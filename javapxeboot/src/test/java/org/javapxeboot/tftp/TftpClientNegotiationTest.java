package org.javapxeboot.tftp;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** RFC 2347 negotiation against a scripted server: what the client accepts, refuses and falls back to. */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class TftpClientNegotiationTest {
    static final byte[] FILE = Files2.random(5000, 21);
    static final TftpClient.Settings ASK = TftpClient.Settings.defaults().withBlksize(1468).withWindowsize(16);
    final List<String> log = new CopyOnWriteArrayList<>();

    TransferResult fetch(ScriptedServer s) throws TftpException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        TransferResult r = new TftpClient(ASK.withLog(log::add)).fetch(s.address(), "f", out, -1);
        assertEquals(Files2.sha256(FILE), Files2.sha256(out.toByteArray()), r.toString());
        return r;
    }

    @Test void requestCarriesAllFourOptions() throws IOException {
        try (ScriptedServer s = new ScriptedServer(FILE, (r, i) -> ScriptedServer.Reply.plain())) {
            fetch(s);
            assertEquals(Map.of("blksize", "1468", "tsize", "0", "timeout", "1", "windowsize", "16"), s.requests.get(0).options());
            assertEquals("octet", s.requests.get(0).mode());
            assertEquals("f", s.requests.get(0).filename());
        }
    }

    @Test void serverThatIgnoresOptionsGetsLockStep512() throws IOException {
        try (ScriptedServer s = new ScriptedServer(FILE, (r, i) -> ScriptedServer.Reply.plain())) {
            TransferResult r = fetch(s);
            assertFalse(r.optionsAccepted());
            assertEquals(512, r.blksize());
            assertEquals(1, r.windowsize());
            assertEquals(1, s.requests.size());
        }
    }

    @Test void oackWithFewerAndSmallerOptionsIsAccepted() throws IOException {
        try (ScriptedServer s = new ScriptedServer(FILE, (r, i) -> ScriptedServer.Reply.oack(Map.of("blksize", "1024"), 1024))) {
            TransferResult r = fetch(s);
            assertTrue(r.optionsAccepted());
            assertEquals(1024, r.blksize());
            assertEquals(1, r.windowsize(), "no windowsize in the OACK: RFC 7440's default of 1");
        }
    }

    @Test void oackAnsweringAnOptionWeDidNotAskIsRefusedWithError8() throws IOException {
        assertRefusedThenPlain(Map.of("blksize", "1468", "multicast", "224.1.1.1,1758,1"));
    }

    @Test void oackRaisingBlksizeIsRefused() throws IOException {
        assertRefusedThenPlain(Map.of("blksize", "4096"));
    }

    @Test void oackRaisingWindowsizeIsRefused() throws IOException {
        assertRefusedThenPlain(Map.of("blksize", "1468", "windowsize", "64"));
    }

    @Test void oackWithGarbageValueIsRefused() throws IOException {
        assertRefusedThenPlain(Map.of("blksize", "big"));
    }

    void assertRefusedThenPlain(Map<String, String> oack) throws IOException {
        try (ScriptedServer s = new ScriptedServer(FILE, (r, i) -> r.options().isEmpty()
                ? ScriptedServer.Reply.plain() : ScriptedServer.Reply.oack(oack, 1468))) {
            TransferResult r = fetch(s);
            assertEquals(1, s.clientErrors.size(), "the client refuses the OACK");
            assertEquals(TftpError.OPTION_REFUSED.code(), s.clientErrors.get(0).code());
            assertEquals(2, s.requests.size());
            assertEquals(Map.of(), s.requests.get(1).options(), "the retry is plain RFC 1350");
            assertFalse(r.optionsAccepted());
            assertEquals(512, r.blksize());
        }
    }

    @Test void error8ToWindowsizeRetriesWithTheOtherOptions() throws IOException {
        try (ScriptedServer s = new ScriptedServer(FILE, (r, i) -> r.options().containsKey("windowsize")
                ? ScriptedServer.Reply.error(8, "windowsize not supported")
                : ScriptedServer.Reply.oack(Map.of("blksize", "1468", "tsize", "5000", "timeout", "1"), 1468))) {
            TransferResult r = fetch(s);
            assertEquals(2, s.requests.size());
            assertFalse(s.requests.get(1).options().containsKey("windowsize"));
            assertEquals("1468", s.requests.get(1).options().get("blksize"));
            assertTrue(r.optionsAccepted());
            assertEquals(1468, r.blksize());
            assertTrue(log.stream().anyMatch(m -> m.contains("without windowsize")), log.toString());
        }
    }

    @Test void error0ToAnyOptionFallsBackToPlain() throws IOException {
        // Old servers that reject unknown options with ERROR 0 ("Unknown option") instead of ignoring them.
        try (ScriptedServer s = new ScriptedServer(FILE, (r, i) -> r.options().isEmpty()
                ? ScriptedServer.Reply.plain() : ScriptedServer.Reply.error(0, "Unknown option"))) {
            TransferResult r = fetch(s);
            assertEquals(3, s.requests.size(), "all options, then without windowsize, then none");
            assertEquals(Map.of(), s.requests.get(2).options());
            assertFalse(r.optionsAccepted());
        }
    }

    @Test void accessViolationEndsTheTransferWithTheServersMessage() throws IOException {
        try (ScriptedServer s = new ScriptedServer(FILE, (r, i) -> ScriptedServer.Reply.error(2, "Access violation"))) {
            TftpException e = assertThrows(TftpException.class, () -> fetch(s));
            assertEquals(TftpError.ACCESS_VIOLATION, e.error());
            assertFalse(e.isFileNotFound());
            assertEquals("tftp://127.0.0.1:" + s.address().getPort() + "/f: server error 2 (Access violation)", e.getMessage());
            assertEquals(1, s.requests.size(), "no fallback for errors that are not about options");
        }
    }

    @Test void aLostRequestIsRepeated() throws IOException {
        // The first request goes unanswered (lost on the way): the client repeats it after its initial timer.
        try (ScriptedServer s = new ScriptedServer(FILE, (r, i) -> i == 0
                ? new ScriptedServer.Reply(null, 0, false) : ScriptedServer.Reply.oack(Map.of("blksize", "1468"), 1468))) {
            TransferResult r = fetch(s);
            assertEquals(2, s.requests.size());
            assertEquals(s.requests.get(0), s.requests.get(1), "the same request, options and all");
            assertTrue(r.retransmissions() >= 1, r.toString());
        }
    }

    @Test void aServerThatNeverAnswersFailsAfterTheRetryBudget() throws IOException {
        try (DatagramSocket silent = new DatagramSocket(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0))) {
            TftpClient c = new TftpClient(ASK.withTimeoutSeconds(1).withMaxRetries(1));
            TftpException e = assertThrows(TftpException.class,
                () -> c.fetch((InetSocketAddress) silent.getLocalSocketAddress(), "pxelinux.0", new ByteArrayOutputStream(), -1));
            assertEquals("tftp://127.0.0.1:" + silent.getLocalPort() + "/pxelinux.0: no answer after 2 retransmissions of the request",
                e.getMessage());
            assertEquals(null, e.error());
        }
    }

    @Test void packetsFromAStrangerGetError5AndTheTransferGoesOn() throws IOException {
        List<Integer> strangerGot = new ArrayList<>();
        try (ScriptedServer s = new ScriptedServer(FILE, (r, i) -> ScriptedServer.Reply.oack(Map.of("blksize", "1000"), 1000));
             DatagramSocket stranger = new DatagramSocket(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0))) {
            stranger.setSoTimeout(5000);
            s.afterBlock = (n, client) -> {
                if (n != 2) return;
                try {
                    // RFC 1350 section 4: a DATA for the next block, from the wrong TID, with bytes that must not land in the file.
                    byte[] bogus = TftpCodec.encode(new TftpPacket.Data(3, new byte[1000]));
                    stranger.send(new DatagramPacket(bogus, bogus.length, client));
                    byte[] in = new byte[600];
                    DatagramPacket p = new DatagramPacket(in, in.length);
                    stranger.receive(p);
                    TftpPacket reply = TftpCodec.decode(in, 0, p.getLength());
                    strangerGot.add(reply instanceof TftpPacket.Error e ? e.code() : -1);
                } catch (IOException | TftpProtocolException e) {
                    strangerGot.add(-2);
                }
            };
            fetch(s);
            assertEquals(List.of(TftpError.UNKNOWN_TID.code()), strangerGot);
        }
    }
}
