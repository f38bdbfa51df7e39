package org.javapxeboot.boot;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** What the shutdown hook (SIGTERM, SIGINT) may delete: files not yet named in a stanza, and only those. */
class SecureTempFilesTest {
    @TempDir Path dir;

    @Test
    void aSignalBeforeTheHandOverDeletesTheFilesAndNoMoreCanBeCreated() throws Exception {
        SecureTempFiles.Pending pending = new SecureTempFiles.Pending(false);
        SecureTempFiles files = new SecureTempFiles(dir, new SecureRandom(), pending);
        Path kernel = files.create("kernel");
        Path ramdisk = files.create("ramdisk");
        assertEquals(List.of(kernel, ramdisk), pending.files());
        pending.deleteAll();
        BootFlowTest.assertEmpty(dir);
        IOException e = assertThrows(IOException.class, () -> files.create("ramdisk"));
        assertEquals("not creating ramdisk.XXXXXX: the bootloader is shutting down", e.getMessage());
        BootFlowTest.assertEmpty(dir);
    }

    @Test
    void filesNamedInAStanzaAreNeverDeletedBySignalOrClose() throws Exception {
        SecureTempFiles.Pending pending = new SecureTempFiles.Pending(false);
        Path kernel;
        try (SecureTempFiles files = new SecureTempFiles(dir, new SecureRandom(), pending)) {
            kernel = files.create("kernel");
            files.handOver(() -> assertEquals(List.of(kernel), pending.files(), "pending while the stanza is written"));
            assertEquals(List.of(), pending.files());
        }
        pending.deleteAll();
        assertTrue(Files.exists(kernel));
    }

    @Test
    void aFailedHandOverLeavesTheFilesToBeDeleted() throws Exception {
        SecureTempFiles.Pending pending = new SecureTempFiles.Pending(false);
        Path kernel;
        try (SecureTempFiles files = new SecureTempFiles(dir, new SecureRandom(), pending)) {
            kernel = files.create("kernel");
            assertThrows(BootException.class, () -> files.handOver(() -> { throw new BootException("fifo gone"); }));
            assertEquals(List.of(kernel), pending.files());
        }
        assertEquals(List.of(), pending.files());
        BootFlowTest.assertEmpty(dir);
    }

    /** A signal that came before the hand-over deleted the files: no stanza may name them. */
    @Test
    void noStanzaIsWrittenOnceASignalDeletedTheFiles() throws Exception {
        SecureTempFiles.Pending pending = new SecureTempFiles.Pending(false);
        try (SecureTempFiles files = new SecureTempFiles(dir, new SecureRandom(), pending)) {
            files.create("kernel");
            pending.deleteAll(); // what the shutdown hook does on SIGTERM
            boolean[] written = {false};
            java.io.IOException e = assertThrows(java.io.IOException.class, () -> files.handOver(() -> written[0] = true));
            assertTrue(e.getMessage().contains("shutting down"), e.getMessage());
            assertTrue(!written[0], "a stanza was written naming deleted files");
        }
        BootFlowTest.assertEmpty(dir);
    }
}
