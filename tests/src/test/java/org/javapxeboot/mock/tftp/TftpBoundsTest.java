package org.javapxeboot.mock.tftp;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.io.RandomAccessFile;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Semaphore;
import org.dhcp4java.DHCPConstants;
import org.javapxeboot.mock.PxeMockServer;
import org.javapxeboot.mock.RawTftp;
import org.javapxeboot.mock.dhcp.DhcpServerTestAccess;
import org.javapxeboot.net.MacAddress;
import org.javapxeboot.tftp.TftpPacket;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** What a long-running pxe-mock holds is bounded, whatever its clients send: records and netascii text. */
@Timeout(60)
class TftpBoundsTest {
    @TempDir Path root;

    @Test void recordsKeepTheNewestAndCountersKeepCounting() throws Exception {
        try (PxeMockServer s = PxeMockServer.builder().tftpRoot(root).maxRecords(3).start(); RawTftp c = new RawTftp(s.tftpAddress())) {
            for (int i = 0; i < 10; i++) {
                c.request("missing-" + i, Map.of());
                assertEquals(1, assertInstanceOf(TftpPacket.Error.class, c.receive(10_000).packet()).code());
            }
            assertEquals(List.of("missing-7", "missing-8", "missing-9"), s.requestedFiles());
            assertEquals(10, s.stats().tftpRequests());
        }
    }

    @Test void dhcpRecordsAreBoundedToo() throws Exception {
        MacAddress mac = MacAddress.parse("aa:00:86:e2:35:72");
        try (PxeMockServer s = PxeMockServer.builder().tftpRoot(root).lease(mac, (java.net.Inet4Address) java.net.InetAddress.getByName("127.0.0.9"))
                .maxRecords(2).start()) {
            for (int xid = 1; xid <= 5; xid++) {
                DhcpServerTestAccess.exchange(s, DhcpServerTestAccess.request(mac, DHCPConstants.DHCPDISCOVER, xid));
            }
            assertEquals(List.of(4, 5), s.dhcpRequests().stream().map(r -> r.xid()).toList());
            assertEquals(5, s.stats().dhcpRequests());
        }
    }

    @Test void aNetasciiRequestForAHugeFileIsRefusedWithAReason() throws Exception {
        try (RandomAccessFile f = new RandomAccessFile(root.resolve("big.txt").toFile(), "rw")) {
            f.setLength(FileSource.NETASCII_MAX_FILE + 1); // sparse: no disk used
        }
        Files.writeString(root.resolve("small.txt"), "a\nb");
        try (PxeMockServer s = PxeMockServer.builder().tftpRoot(root).start(); RawTftp c = new RawTftp(s.tftpAddress())) {
            c.sendRaw("\0\1big.txt\0netascii\0".getBytes(StandardCharsets.ISO_8859_1));
            TftpPacket.Error e = assertInstanceOf(TftpPacket.Error.class, c.receive(10_000).packet());
            assertEquals(0, e.code());
            assertEquals("netascii transfers are limited to 16 MiB; ask in octet mode", e.message());
            c.sendRaw("\0\1small.txt\0netascii\0".getBytes(StandardCharsets.ISO_8859_1));
            assertArrayEquals("a\r\nb".getBytes(StandardCharsets.ISO_8859_1),
                assertInstanceOf(TftpPacket.Data.class, c.receive(10_000).packet()).payload());
        }
    }

    @Test void netasciiTextInFlightIsBoundedAndGivenBackOnClose() throws Exception {
        Files.write(root.resolve("t"), new byte[40]); // takes 80 bytes of the budget (the worst case, all LF)
        Semaphore budget = new Semaphore(100);
        FileSource first = FileSource.open(root.resolve("t"), true, budget);
        assertEquals(20, budget.availablePermits());
        FileSource.Refused busy = assertThrows(FileSource.Refused.class, () -> FileSource.open(root.resolve("t"), true, budget));
        assertEquals("Server busy: too much netascii text in flight, try again", busy.getMessage());
        first.close();
        first.close(); // idempotent: the budget is given back once
        assertEquals(100, budget.availablePermits());
        try (FileSource again = FileSource.open(root.resolve("t"), true, budget)) {
            ByteBuffer b = ByteBuffer.allocate(40);
            again.read(0, 40, b);
            assertEquals(40, b.position());
        }
        assertEquals(100, budget.availablePermits());
        try (FileSource octet = FileSource.open(root.resolve("t"), false, budget)) {
            assertEquals(100, budget.availablePermits(), "octet mode maps the file and takes nothing");
        }
    }
}
