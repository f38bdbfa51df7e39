package org.javapxeboot.tftp;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** The client against atftpd 0.8 (blksize, tsize, timeout and windowsize) on a loopback port. */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class TftpClientAtftpdTest {
    @TempDir static Path root;
    @TempDir static Path logs;
    static RealServer atftpd;
    static byte[] threeMb, exact, rollover64;
    /**
     * Why this class cannot run here, or null. Surefire reports a skip in @BeforeAll as "Tests run: 0"
     * with no reason; skipping each test keeps the reason in the report.
     */
    static String skip;

    @BeforeAll static void start() throws IOException {
        skip = Files.isExecutable(RealServer.ATFTPD) ? null : "atftpd is not installed (Debian package atftpd)";
        if (skip != null) return;
        threeMb = Files2.random(3_000_000, 1);
        exact = Files2.random(1468 * 20, 2);          // a multiple of blksize: the file ends with an empty block
        // 70 313 blocks of 64 bytes: wraps past 65535. atftpd refuses blksize below 64 (ERROR 8) although
        // RFC 2348 allows 8; the client's fallback would then hide the rollover behind 512-byte blocks.
        rollover64 = Files2.random(4_500_000, 3);
        Files2.write(root, "three-mb", threeMb);
        Files2.write(root, "exact", exact);
        Files2.write(root, "rollover64", rollover64);
        Files2.write(root, "empty", new byte[0]);
        atftpd = RealServer.atftpd(root, logs);
    }

    @BeforeEach void runnableHere() {
        Assumptions.assumeTrue(skip == null, skip);
    }

    @AfterAll static void stop() {
        if (atftpd != null) atftpd.close();
    }

    static TftpClient client(TftpClient.Settings s) {
        return new TftpClient(s);
    }

    static byte[] fetch(TftpClient c, String path) throws TftpException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        c.fetch(atftpd.address(), path, out, -1);
        return out.toByteArray();
    }

    @Test void defaultsFitLoopbackMtuAndUseAWindow() throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        TransferResult r = client(TftpClient.Settings.defaults()).fetch(atftpd.address(), "three-mb", out, -1);
        assertEquals(Files2.sha256(threeMb), Files2.sha256(out.toByteArray()));
        assertTrue(r.optionsAccepted());
        assertEquals(65464, r.blksize(), "lo has MTU 65536: RFC 2348's maximum");
        assertTrue(r.windowsize() > 1, "atftpd does windowsize: " + r);
        assertEquals(threeMb.length, r.bytes());
    }

    @Test void ethernetSizedBlocksWithWindow16() throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        TransferResult r = client(TftpClient.Settings.defaults().withBlksize(1468).withWindowsize(16))
            .fetch(atftpd.address(), "three-mb", out, -1);
        assertEquals(Files2.sha256(threeMb), Files2.sha256(out.toByteArray()));
        assertEquals(1468, r.blksize());
        assertEquals(16, r.windowsize());
    }

    @Test void fileThatIsAMultipleOfBlksizeEndsWithAnEmptyBlock() throws IOException {
        for (int w : new int[] {1, 16, 7}) {
            byte[] got = fetch(client(TftpClient.Settings.defaults().withBlksize(1468).withWindowsize(w)), "exact");
            assertEquals(Files2.sha256(exact), Files2.sha256(got), "windowsize " + w);
        }
    }

    @Test void emptyFile() throws IOException {
        assertEquals(0, fetch(client(TftpClient.Settings.defaults()), "empty").length);
        assertEquals(0, fetch(client(TftpClient.Settings.defaults().withNegotiate(false)), "empty").length);
    }

    @Test void blockNumbersRollOverPast65535WithSmallBlocks() throws IOException {
        assertRollover(16);
    }

    @Test void blockNumbersRollOverInLockStep() throws IOException {
        assertRollover(1);
    }

    void assertRollover(int window) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        TransferResult r = client(TftpClient.Settings.defaults().withBlksize(64).withWindowsize(window))
            .fetch(atftpd.address(), "rollover64", out, -1);
        assertEquals(Files2.sha256(rollover64), Files2.sha256(out.toByteArray()));
        assertEquals(64, r.blksize(), "the rollover needs the small blocks: " + r);
        assertEquals(window, r.windowsize());
    }

    @Test void plainRfc1350WhenNegotiationIsOff() throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        TransferResult r = client(TftpClient.Settings.defaults().withNegotiate(false)).fetch(atftpd.address(), "three-mb", out, -1);
        assertEquals(Files2.sha256(threeMb), Files2.sha256(out.toByteArray()));
        assertFalse(r.optionsAccepted());
        assertEquals(512, r.blksize());
        assertEquals(1, r.windowsize());
    }

    @Test void fileNotFoundIsReportedWithServerAndPath() {
        TftpException e = assertThrows(TftpException.class,
            () -> fetch(client(TftpClient.Settings.defaults()), "pxelinux.cfg/01-aa-00-86-e2-35-72"));
        assertTrue(e.isFileNotFound(), e.getMessage());
        assertEquals(TftpError.FILE_NOT_FOUND, e.error());
        String prefix = "tftp://127.0.0.1:" + atftpd.address().getPort() + "/pxelinux.cfg/01-aa-00-86-e2-35-72: server error 1 (";
        assertTrue(e.getMessage().startsWith(prefix), e.getMessage());
    }

    @Test void tsizeOverTheCapFailsBeforeAnyDataAndLeavesNoFile(@TempDir Path dest) throws IOException {
        Path target = dest.resolve("initrd.gz");
        TftpException e = assertThrows(TftpException.class,
            () -> client(TftpClient.Settings.defaults()).fetch(atftpd.address(), "three-mb", target, 1_000_000));
        assertTrue(e.getMessage().contains("tsize") && e.getMessage().contains("exceeds the cap of 1000000"), e.getMessage());
        assertNull(e.error());
        try (Stream<Path> left = Files.list(dest)) {
            assertEquals(List.of(), left.toList(), "a failed fetch leaves nothing behind");
        }
    }

    @Test void dataBeyondTheCapAbortsWhenTheSizeIsNotAnnounced() {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        TftpException e = assertThrows(TftpException.class,
            () -> client(TftpClient.Settings.defaults().withRequestTsize(false).withBlksize(1468))
                .fetch(atftpd.address(), "three-mb", out, 100_000));
        assertTrue(e.getMessage().contains("exceeds the cap of 100000 bytes"), e.getMessage());
        assertTrue(out.size() <= 100_000, "wrote " + out.size());
    }

    @Test void fetchToPathRenamesIntoPlace(@TempDir Path dest) throws IOException {
        Path target = dest.resolve("kernel");
        TransferResult r = client(TftpClient.Settings.defaults()).fetch(atftpd.address(), "three-mb", target, -1);
        assertEquals(Files2.sha256(threeMb), Files2.sha256(target));
        assertEquals(threeMb.length, r.bytes());
        assertEquals("rw-------", java.nio.file.attribute.PosixFilePermissions.toString(Files.getPosixFilePermissions(target)),
            "created 0600 with O_EXCL, renamed into place");
        try (Stream<Path> left = Files.list(dest)) {
            assertEquals(List.of(target), left.toList());
        }
    }
}
