package org.javapxeboot.tftp;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The client against dnsmasq's TFTP server (2.90: blksize, tsize, timeout; no windowsize). dnsmasq
 * serves only on port 69, hence root, on a loopback address of its own.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class TftpClientDnsmasqTest {
    @TempDir static Path root;
    @TempDir static Path logs;
    static RealServer dnsmasq;
    static byte[] file;

    /**
     * Why this class cannot run here, or null. Surefire reports a skip in @BeforeAll as "Tests run: 0"
     * with no reason; skipping each test keeps the reason in the report.
     */
    static String skip;

    @BeforeAll static void start() throws IOException {
        skip = !Files.isExecutable(RealServer.DNSMASQ) ? "dnsmasq is not installed"
            : !RealServer.isRoot() ? "dnsmasq's TFTP port is 69: binding it needs root" : null;
        if (skip != null) return;
        file = Files2.random(2_000_000, 31);
        Files2.write(root, "initrd.gz", file);
        String ip = "127.0.69." + ThreadLocalRandom.current().nextInt(2, 250);
        dnsmasq = RealServer.dnsmasq(root, logs, ip);
    }

    @BeforeEach void runnableHere() {
        Assumptions.assumeTrue(skip == null, skip);
    }

    @AfterAll static void stop() {
        if (dnsmasq != null) dnsmasq.close();
    }

    TransferResult fetch(TftpClient.Settings s) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        TransferResult r = new TftpClient(s).fetch(dnsmasq.address(), "initrd.gz", out, -1);
        assertEquals(Files2.sha256(file), Files2.sha256(out.toByteArray()), r.toString());
        return r;
    }

    @Test void optionsOnWindowsizeDeclined() throws IOException {
        TransferResult r = fetch(TftpClient.Settings.defaults().withBlksize(1468).withWindowsize(16));
        assertTrue(r.optionsAccepted());
        assertEquals(1468, r.blksize());
        assertEquals(1, r.windowsize(), "dnsmasq 2.90 does not answer windowsize");
    }

    @Test void automaticBlksizeTakesWhatDnsmasqGrants() throws IOException {
        TransferResult r = fetch(TftpClient.Settings.defaults());
        assertTrue(r.optionsAccepted());
        assertTrue(r.blksize() >= 512 && r.blksize() <= 65464, r.toString());
    }

    @Test void optionsOff() throws IOException {
        TransferResult r = fetch(TftpClient.Settings.defaults().withNegotiate(false));
        assertFalse(r.optionsAccepted());
        assertEquals(512, r.blksize());
    }

    @Test void fileNotFound() {
        TftpException e = assertThrows(TftpException.class, () -> new TftpClient(TftpClient.Settings.defaults())
            .fetch(dnsmasq.address(), "pxelinux.cfg/default", new ByteArrayOutputStream(), -1));
        assertTrue(e.isFileNotFound(), e.getMessage());
        assertTrue(e.getMessage().startsWith("tftp://" + dnsmasq.address().getAddress().getHostAddress()
            + "/pxelinux.cfg/default: server error 1 ("), e.getMessage());
    }
}
