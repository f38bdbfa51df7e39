package org.javapxeboot.provisioner.plan;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** A stamp read ahead is used only while it is still the stamp; nothing but a regular file is opened. */
@Timeout(60)
class StampReadTest {
    @TempDir Path dir;

    @Test
    void linesAreSplitAtNewlinesOnlyAndKeepTheLastOne() throws Exception {
        Path f = Files.writeString(dir.resolve("s"), "a\tb\r\n\nc\n");
        assertArrayEquals("a\tb\r\n\nc\n".split("\n", -1), StampRead.lines(f));
        Files.writeString(f, "x".repeat(100_000) + "\ny");
        assertArrayEquals(new String[] {"x".repeat(100_000), "y"}, StampRead.lines(f));
    }

    /** A file far larger than any stamp (here sparse: nothing is written) is refused before a byte is read. */
    @Test
    void aHugeFileIsNoStampAndIsNotRead() throws Exception {
        Path f = dir.resolve("apply.stamp");
        try (java.io.RandomAccessFile r = new java.io.RandomAccessFile(f.toFile(), "rw")) {
            r.setLength(StampRead.MAX_BYTES + 1);
        }
        java.io.IOException e = org.junit.jupiter.api.Assertions.assertThrows(java.io.IOException.class, () -> StampRead.lines(f));
        org.junit.jupiter.api.Assertions.assertTrue(e.getMessage().contains("larger than a stamp can be"), e.getMessage());
        assertEquals(Optional.empty(), ApplyStamp.check(f, "k", StampRead.start(f)));
    }

    @Test
    void aStampReplacedAfterItWasReadAheadIsReadAgain() throws Exception {
        Path f = dir.resolve("apply.stamp");
        Path a = Files.createDirectories(dir.resolve("a"));
        ApplyStamp.record(f, "k", List.of("out first"), List.of(ApplyStamp.of(ApplyStamp.Kind.PRESENCE, a)));
        StampRead ahead = StampRead.start(f);
        assertArrayEquals(Files.readString(f).split("\n", -1), ahead.lines(), "unchanged: what was read ahead");
        StampRead stale = StampRead.start(f);
        stale.lines(); // read ahead, then the stamp is replaced (as record does, by a rename)
        ApplyStamp.record(f, "k", List.of("out second"), List.of(ApplyStamp.of(ApplyStamp.Kind.PRESENCE, a)));
        assertEquals(Optional.of(List.of("out second")), ApplyStamp.check(f, "k", stale));
        StampRead edited = StampRead.start(f);
        edited.lines();
        // in place, and longer: within one tick of the file system's clock only the size can show it
        Files.writeString(f, Files.readString(f).replace("out second", "out the third"));
        assertEquals(Optional.of(List.of("out the third")), ApplyStamp.check(f, "k", edited), "edited in place");
    }

    @Test
    void aFifoInPlaceOfTheStampIsNeverOpened() throws Exception {
        Path f = dir.resolve("apply.stamp");
        Process p = new ProcessBuilder("mkfifo", f.toString()).start();
        assertEquals(0, p.waitFor());
        StampRead ahead = StampRead.start(f);
        assertEquals(Optional.empty(), ApplyStamp.check(f, "k", ahead), "no hang, no stamp");
        Path elsewhere = Files.writeString(dir.resolve("other"), "x");
        Files.move(elsewhere, f, StandardCopyOption.REPLACE_EXISTING);
        assertEquals(Optional.empty(), ApplyStamp.check(f, "k", StampRead.start(f)), "garbage is no stamp");
    }
}
