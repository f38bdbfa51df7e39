package org.javapxeboot.tftp;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/** The parts that need no server: blksize from MTU, URLs in messages, settings validation, exceptions. */
class TftpClientUnitTest {

    @Test void blksizeFromMtu() {
        assertEquals(1468, PathMtu.blksizeForMtu(1500, false), "Ethernet: 1500 - IPv4 20 - UDP 8 - TFTP 4");
        assertEquals(1448, PathMtu.blksizeForMtu(1500, true), "IPv6 header is 40");
        assertEquals(1368, PathMtu.blksizeForMtu(1400, false));
        assertEquals(8968, PathMtu.blksizeForMtu(9000, false), "jumbo frames");
        assertEquals(65464, PathMtu.blksizeForMtu(65536, false), "loopback: capped at RFC 2348's maximum");
        assertEquals(8, PathMtu.blksizeForMtu(20, false), "never below RFC 2348's minimum");
    }

    @Test void windowShrinksToTheReceiveBuffer() {
        assertEquals(85, TftpClient.windowThatFits(212_992, 1468), "a stock kernel's 208 KiB holds 85 Ethernet blocks");
        assertEquals(3, TftpClient.windowThatFits(212_992, 65464), "but only 3 loopback-sized ones");
        assertEquals(63, TftpClient.windowThatFits(4 << 20, 65464));
        assertEquals(1, TftpClient.windowThatFits(1000, 65464), "never below lock-step");
    }

    @Test void loopbackRouteGivesTheMaximumBlksize() throws Exception {
        assertEquals(65464, PathMtu.autoBlksize(new InetSocketAddress(InetAddress.getByName("127.0.0.1"), 69), null));
    }

    @Test void urlsInMessages() throws Exception {
        assertEquals("tftp://10.0.0.1/pxelinux.cfg/default",
            TftpClient.url(new InetSocketAddress(InetAddress.getByName("10.0.0.1"), 69), "pxelinux.cfg/default"));
        assertEquals("tftp://10.0.0.1:6969/pxelinux.0",
            TftpClient.url(new InetSocketAddress(InetAddress.getByName("10.0.0.1"), 6969), "/pxelinux.0"));
        assertEquals("tftp://[0:0:0:0:0:0:0:1]/x", TftpClient.url(new InetSocketAddress(InetAddress.getByName("::1"), 69), "x"));
    }

    @Test void defaults() {
        TftpClient.Settings d = TftpClient.Settings.defaults();
        assertEquals(0, d.blksize());
        assertEquals(TftpClient.DEFAULT_WINDOWSIZE, d.windowsize());
        assertEquals(1, d.timeoutSeconds());
        assertEquals(5, d.maxRetries());
        assertEquals(Duration.ofMinutes(10), d.totalTimeout());
        assertTrue(d.requestTsize());
        assertEquals(0, d.receiveBufferBytes());
        assertNull(d.localAddress());
        assertTrue(d.negotiate());
        assertTrue(new TftpClient.Settings(1468, 8, 2, 3, Duration.ofSeconds(30), false, 0, null, null).negotiate(),
            "the nine-argument constructor negotiates");
    }

    @Test void settingsRejectValuesOutsideTheRfcs() {
        TftpClient.Settings d = TftpClient.Settings.defaults();
        assertEquals("blksize 7 is outside 8..65464 (RFC 2348), or 0 for automatic",
            assertThrows(IllegalArgumentException.class, () -> d.withBlksize(7)).getMessage());
        assertThrows(IllegalArgumentException.class, () -> d.withBlksize(65465));
        assertThrows(IllegalArgumentException.class, () -> d.withWindowsize(0));
        assertThrows(IllegalArgumentException.class, () -> d.withWindowsize(65536));
        assertThrows(IllegalArgumentException.class, () -> d.withTimeoutSeconds(0));
        assertThrows(IllegalArgumentException.class, () -> d.withTimeoutSeconds(256));
        assertThrows(IllegalArgumentException.class, () -> d.withMaxRetries(-1));
        assertThrows(IllegalArgumentException.class, () -> d.withTotalTimeout(Duration.ZERO));
        assertThrows(IllegalArgumentException.class, () -> d.withReceiveBufferBytes(-1));
    }

    @Test void serverErrorsMapToCodes() {
        TftpException e = TftpException.fromServer("tftp://h/f", 1, "");
        assertEquals("tftp://h/f: server error 1 (File not found)", e.getMessage());
        assertTrue(e.isFileNotFound());
        TftpException odd = TftpException.fromServer("tftp://h/f", 42, "weird");
        assertEquals(TftpError.NOT_DEFINED, odd.error());
        assertEquals(42, odd.serverCode());
        assertFalse(odd.isFileNotFound());
        assertNull(new TftpException("tftp://h/f: no answer").error());
    }

    @Test @org.junit.jupiter.api.Timeout(20)
    void anInterruptedThreadStopsInsteadOfSpinning() throws Exception {
        try (java.net.DatagramSocket silent = new java.net.DatagramSocket(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0))) {
            TftpException[] got = new TftpException[1];
            Thread t = new Thread(() -> {
                try {
                    new TftpClient(TftpClient.Settings.defaults().withTimeoutSeconds(5))
                        .fetch((InetSocketAddress) silent.getLocalSocketAddress(), "x", new java.io.ByteArrayOutputStream(), -1);
                } catch (TftpException e) {
                    got[0] = e;
                }
            });
            t.start();
            Thread.sleep(200);
            t.interrupt();
            t.join(10_000);
            assertFalse(t.isAlive());
            assertTrue(got[0] != null && got[0].getMessage().endsWith(": interrupted"), String.valueOf(got[0]));
        }
    }

    @Test void pathWithNulIsRefusedBeforeSending() {
        TftpException e = assertThrows(TftpException.class, () -> new TftpClient(TftpClient.Settings.defaults())
            .fetch(new InetSocketAddress(InetAddress.getLoopbackAddress(), 9), "a\0b", new java.io.ByteArrayOutputStream(), -1));
        assertTrue(e.getMessage().contains("NUL"), e.getMessage());
    }
}
