package org.javapxeboot.provisioner.plan;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The check of a large stamp (shared out among threads; absent files looked up in their folder's
 * listing) and of the YAML as an input (its status; its bytes only when racy).
 */
class StampCheckTest {
    @TempDir Path dir;

    Path stamp() {
        return dir.resolve("apply.stamp");
    }

    /** Enough outputs and absent markers for every thread of the check to get a share. */
    static final int OUTPUTS = StampCheck.MAX_THREADS * StampCheck.MIN_FILES_PER_THREAD + 37;
    static final int MARKERS = 700;

    List<ApplyStamp.Entry> many() throws Exception {
        Path outs = Files.createDirectories(dir.resolve("outs"));
        Path state = Files.createDirectories(dir.resolve("state"));
        List<ApplyStamp.Entry> entries = new ArrayList<>();
        for (int i = 0; i < OUTPUTS; i++) {
            entries.add(ApplyStamp.output(Files.writeString(outs.resolve("f" + i), "content " + i + "\n"), "content " + i + "\n"));
            if (i % (OUTPUTS / MARKERS + 1) == 0) {
                entries.add(ApplyStamp.of(ApplyStamp.Kind.PRESENCE, state.resolve("g" + i + ".installed")));
            }
        }
        return entries;
    }

    /** Records {@code entries}, every file safely older than the stamp (its status alone counts). */
    void record(List<ApplyStamp.Entry> entries) throws Exception {
        ApplyStamp.record(stamp(), "k", List.of("out done"), entries);
        ApplyStampTest.shiftClock(stamp(), 2 * ApplyStamp.RACY_NANOS);
    }

    @Test
    void aChangeInAnyThreadsShareFails() throws Exception {
        List<ApplyStamp.Entry> entries = many();
        record(entries);
        assertEquals(Optional.of(List.of("out done")), ApplyStamp.check(stamp(), "k"));
        // the first and the last file, and both sides of each boundary between shares, however many threads
        List<Integer> at = new ArrayList<>(List.of(0, entries.size() - 1));
        for (int threads = 2; threads <= StampCheck.MAX_THREADS; threads++) {
            int share = (entries.size() + threads - 1) / threads;
            for (int t = 1; t < threads; t++) {
                at.add(t * share - 1);
                at.add(t * share);
            }
        }
        for (int i : at) {
            ApplyStamp.Entry e = entries.get(i);
            Path p = e.path();
            if (e.kind() == ApplyStamp.Kind.PRESENCE) {
                Files.writeString(p, "");
                assertEquals(Optional.empty(), ApplyStamp.check(stamp(), "k"), "marker " + i + " appeared");
                Files.delete(p);
            } else {
                String was = Files.readString(p);
                FileTime t = Files.getLastModifiedTime(p);
                Files.writeString(p, was.toUpperCase());
                Files.setLastModifiedTime(p, t);
                assertEquals(Optional.empty(), ApplyStamp.check(stamp(), "k"), "file " + i + " edited, same size and time");
                Files.writeString(p, was);
            }
            record(entries);
            assertTrue(ApplyStamp.check(stamp(), "k").isPresent(), "back as recorded after " + i);
        }
    }

    @Test
    void aMarkerThatAppearsAsALinkOrAFolderFails() throws Exception {
        Path marker = dir.resolve("state/x.installed");
        Files.createDirectories(marker.getParent());
        List<ApplyStamp.Entry> one = List.of(ApplyStamp.of(ApplyStamp.Kind.PRESENCE, marker));
        record(one);
        assertTrue(ApplyStamp.check(stamp(), "k").isPresent());
        Files.createSymbolicLink(marker, dir.resolve("nowhere"));
        assertEquals(Optional.empty(), ApplyStamp.check(stamp(), "k"), "a dangling link is there");
        Files.delete(marker);
        Files.createDirectory(marker);
        assertEquals(Optional.empty(), ApplyStamp.check(stamp(), "k"), "a folder");
        Files.delete(marker);
        assertTrue(ApplyStamp.check(stamp(), "k").isPresent());
        Files.delete(marker.getParent());
        assertTrue(ApplyStamp.check(stamp(), "k").isPresent(), "its folder gone too: still absent");
    }

    @Test
    void anInputIsFollowedThroughItsLinkAndReadOnlyWhenRacy() throws Exception {
        Path real = Files.writeString(dir.resolve("cluster.yaml"), "guests: []\n");
        Path link = Files.createSymbolicLink(dir.resolve("link.yaml"), real);
        List<ApplyStamp.Entry> in = List.of(ApplyStamp.input(link, "guests: []\n".getBytes()));
        record(in);
        assertTrue(ApplyStamp.check(stamp(), "k").isPresent(), "trusted through the link");
        Files.setPosixFilePermissions(real, java.nio.file.attribute.PosixFilePermissions.fromString("r--------"));
        assertEquals(Optional.empty(), ApplyStamp.check(stamp(), "k"), "the file behind the link changed");

        Path other = Files.writeString(dir.resolve("other.yaml"), "guests: []\n");
        record(in);
        Files.delete(link);
        Files.createSymbolicLink(link, other);
        assertEquals(Optional.empty(), ApplyStamp.check(stamp(), "k"), "the link points elsewhere");

        // written just before the stamp: its bytes are compared with those planned from
        ApplyStamp.record(stamp(), "k", List.of("out done"), in);
        ApplyStampTest.shiftClock(stamp(), -ApplyStamp.RACY_NANOS / 2);
        assertTrue(ApplyStamp.check(stamp(), "k").isPresent(), "racy, same bytes");
        ApplyStamp.record(stamp(), "k", List.of("out done"), List.of(ApplyStamp.input(link, "guests: [a]\n".getBytes())),
                Long.MAX_VALUE);
        ApplyStampTest.shiftClock(stamp(), -ApplyStamp.RACY_NANOS / 2);
        assertEquals(Optional.empty(), ApplyStamp.check(stamp(), "k"), "racy, not the bytes planned from");
    }

    @Test
    void recordRefusesAnInputEditedSinceThePlanBegan() throws Exception {
        Path yaml = Files.writeString(dir.resolve("cluster.yaml"), "guests: [edited]\n");
        List<ApplyStamp.Entry> in = List.of(ApplyStamp.input(yaml, "guests: []\n".getBytes()));
        java.io.IOException e = org.junit.jupiter.api.Assertions.assertThrows(java.io.IOException.class,
                () -> ApplyStamp.record(stamp(), "k", List.of(), in, 0L));
        assertTrue(e.getMessage().contains("changed while apply ran"), e.getMessage());
        assertTrue(Files.notExists(stamp()));
    }
}
