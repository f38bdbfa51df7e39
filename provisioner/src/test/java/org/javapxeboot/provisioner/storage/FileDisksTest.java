package org.javapxeboot.provisioner.storage;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class FileDisksTest {
    @TempDir Path dir;

    /** Writes like a disk that fills up after {@code room} bytes. */
    static FileDisks.Writer fullAfter(long room) {
        return (file, from, to, preallocate, what, progress) -> {
            byte[] buf = new byte[4096];
            long pos = from;
            while (pos < to) {
                if (pos + buf.length > room) {
                    throw new IOException("No space left on device");
                }
                file.write(java.nio.ByteBuffer.wrap(buf), pos);
                pos += buf.length;
            }
        };
    }

    /** Bytes the file system allocated (stat's %b blocks of 512 bytes); Java 17 has no attribute for it. */
    static long allocated(Path p) throws Exception {
        Process pr = new ProcessBuilder("stat", "-c", "%b", p.toString()).start();
        String out = new String(pr.getInputStream().readAllBytes()).strip();
        assertEquals(0, pr.waitFor());
        return Long.parseLong(out) * 512L;
    }

    @Test
    void createsSparseWithParents() throws Exception {
        Path p = dir.resolve("a/b/disk.img");
        FileDisks.Result r = new FileDisks().ensure(p, 1L << 30, false, false, Progress.NONE);
        assertEquals(FileDisks.Outcome.CREATED, r.outcome());
        assertEquals(1L << 30, Files.size(p));
        // sparse: far fewer blocks allocated than the size
        long allocated = allocated(p);
        assertTrue(allocated < (1L << 20), "allocated " + allocated);
        assertEquals("rw-------", java.nio.file.attribute.PosixFilePermissions.toString(Files.getPosixFilePermissions(p)));
    }

    @Test
    void preallocatesWithProgress() throws Exception {
        Path p = dir.resolve("full.img");
        List<Long> seen = new ArrayList<>();
        new FileDisks().ensure(p, 3L << 20, true, false, (what, done, total) -> seen.add(done));
        assertEquals(3L << 20, Files.size(p));
        assertEquals(List.of(0L, 1L << 20, 2L << 20, 3L << 20), seen);
        long allocated = allocated(p);
        assertTrue(allocated >= 3L << 20, "allocated " + allocated);
    }

    @Test
    void neverOverwritesShrinksOrGrowsWithoutAsking() throws Exception {
        Path p = dir.resolve("existing.img");
        byte[] data = "guest data".getBytes();
        Files.write(p, data);
        FileDisks fd = new FileDisks();
        FileDisks.Result smaller = fd.ensure(p, 4, false, false, Progress.NONE);
        assertEquals(FileDisks.Outcome.DIFFERS, smaller.outcome());
        assertTrue(smaller.detail().contains("never shrunk"), smaller.detail());
        FileDisks.Result larger = fd.ensure(p, 1 << 20, false, false, Progress.NONE);
        assertEquals(FileDisks.Outcome.DIFFERS, larger.outcome());
        assertTrue(larger.detail().contains("--grow"), larger.detail());
        assertArrayEquals(data, Files.readAllBytes(p));
        assertEquals(FileDisks.Outcome.UNCHANGED, fd.ensure(p, data.length, false, false, Progress.NONE).outcome());
    }

    @Test
    void growsOnlyWithTheFlagAndKeepsTheData() throws Exception {
        Path p = dir.resolve("grow.img");
        byte[] data = "guest data".getBytes();
        Files.write(p, data);
        FileDisks.Result r = new FileDisks().ensure(p, 1 << 20, true, true, Progress.NONE);
        assertEquals(FileDisks.Outcome.GROWN, r.outcome());
        assertEquals(1 << 20, Files.size(p));
        byte[] head = new byte[data.length];
        System.arraycopy(Files.readAllBytes(p), 0, head, 0, data.length);
        assertArrayEquals(data, head);
    }

    @Test
    void fullDiskRemovesThePartialFileAndTheFoldersItMade() throws Exception {
        Path p = dir.resolve("new/sub/disk.img");
        StorageException e = assertThrows(StorageException.class,
                () -> new FileDisks(fullAfter(64 << 10)).ensure(p, 1 << 20, true, false, Progress.NONE));
        assertTrue(e.getMessage().startsWith(p + ": creating 1MiB (preallocated) failed: No space left on device;"
                + " the partial file was removed"), e.getMessage());
        assertFalse(Files.exists(p));
        assertFalse(Files.exists(dir.resolve("new")), "folders made for the disk are removed too");
        assertTrue(Files.exists(dir));
        // a second run with room recovers
        assertEquals(FileDisks.Outcome.CREATED, new FileDisks().ensure(p, 1 << 20, true, false, Progress.NONE).outcome());
    }

    @Test
    void failedGrowIsCutBack() throws Exception {
        Path p = dir.resolve("g.img");
        Files.write(p, new byte[8192]);
        StorageException e = assertThrows(StorageException.class,
                () -> new FileDisks(fullAfter(16384)).ensure(p, 1 << 20, true, true, Progress.NONE));
        assertTrue(e.getMessage().contains("cut back to 8KiB"), e.getMessage());
        assertEquals(8192, Files.size(p));
    }

    @Test
    void refusesNonFiles() throws Exception {
        Path d = Files.createDirectory(dir.resolve("adir"));
        StorageException e = assertThrows(StorageException.class, () -> new FileDisks().ensure(d, 1 << 20, false, false, Progress.NONE));
        assertTrue(e.getMessage().contains("not a regular file"), e.getMessage());
    }

    /**
     * --grow on a disk path that is a symbolic link (to a file of the host, or another guest's
     * disk): refused, with the link named, and the file it points to is not touched.
     */
    @Test
    void growRefusesASymlinkAndLeavesItsTargetAlone() throws Exception {
        Path target = dir.resolve("precious");
        byte[] data = "root:x:0:0\n".getBytes();
        Files.write(target, data);
        Path link = Files.createSymbolicLink(dir.resolve("guest.img"), target);
        FileDisks.State s = FileDisks.inspect(link);
        assertTrue(s.exists() && s.symlink() && !s.regularFile(), s.toString());
        for (boolean preallocate : new boolean[] {false, true}) {
            StorageException e = assertThrows(StorageException.class,
                    () -> new FileDisks().ensure(link, 1 << 20, preallocate, true, Progress.NONE));
            assertEquals(link + " is a symbolic link; refusing to follow it (name the real file in the YAML)", e.getMessage());
        }
        assertArrayEquals(data, Files.readAllBytes(target), "the link's target is not grown");
        assertTrue(Files.isSymbolicLink(link), "the link is left as it was");
        // a dangling link is refused too, not created through
        Path dangling = Files.createSymbolicLink(dir.resolve("dangling.img"), dir.resolve("nowhere"));
        assertThrows(StorageException.class, () -> new FileDisks().ensure(dangling, 1 << 20, false, true, Progress.NONE));
        assertFalse(Files.exists(dir.resolve("nowhere")));
    }

    /**
     * --grow writes only through the channel it opened and checked: a link planted at the path
     * while it grows (here by the writer itself, the worst moment) is never written through.
     */
    @Test
    void growWritesThroughTheCheckedChannelNotThePath() throws Exception {
        Path p = dir.resolve("g.img");
        Files.write(p, new byte[4096]);
        Path precious = Files.write(dir.resolve("precious"), "keep\n".getBytes());
        Path moved = dir.resolve("g.img.moved");
        FileDisks.Writer swapping = (file, from, to, preallocate, what, progress) -> {
            Files.move(p, moved);
            Files.createSymbolicLink(p, precious);
            FileDisks.DEFAULT_WRITER.extend(file, from, to, preallocate, what, progress);
        };
        FileDisks.Result r = new FileDisks(swapping).ensure(p, 1 << 20, true, true, Progress.NONE);
        assertEquals(FileDisks.Outcome.GROWN, r.outcome());
        assertEquals("keep\n", Files.readString(precious));
        assertEquals(1 << 20, Files.size(moved), "the file that was checked is the one grown");
    }
}
