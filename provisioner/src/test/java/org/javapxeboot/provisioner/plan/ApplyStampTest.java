package org.javapxeboot.provisioner.plan;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The stamp's own rules, file by file (the command line's use of it: cli.ApplyStampCliTest). */
class ApplyStampTest {
    @TempDir Path dir;

    Path stamp() {
        return dir.resolve("apply.stamp");
    }

    @Test
    void unchangedFilesPassAndThePrintedLinesComeBack() throws Exception {
        Path f = Files.writeString(dir.resolve("a"), "alpha\n");
        ApplyStamp.record(stamp(), "k", List.of("out Nothing to do", "err a\nb"), List.of(ApplyStamp.output(f, "alpha\n"),
                ApplyStamp.of(ApplyStamp.Kind.PRESENCE, dir.resolve("marker"))));
        assertEquals(Optional.of(List.of("out Nothing to do", "err a\nb")), ApplyStamp.check(stamp(), "k"));
        assertEquals(Optional.empty(), ApplyStamp.check(stamp(), "another key"));
        Files.writeString(dir.resolve("marker"), "");
        assertEquals(Optional.empty(), ApplyStamp.check(stamp(), "k"), "a file that appeared");
        assertFalse(Files.list(dir).anyMatch(p -> p.getFileName().toString().endsWith(".tmp")), "no temporary file left");
    }

    /**
     * A file written just before the stamp could be changed again within the same clock tick, with
     * nothing in its status to show it: such a file is compared by content. Here the file is not
     * what the plan wanted (as if edited in that tick): the check fails although its status is the same.
     */
    @Test
    void aRacyFileIsComparedByContent() throws Exception {
        Path f = Files.writeString(dir.resolve("a"), "edited\n");
        ApplyStamp.record(stamp(), "k", List.of(), List.of(ApplyStamp.output(f, "wanted\n")));
        assertEquals(Optional.empty(), ApplyStamp.check(stamp(), "k"));
    }

    @Test
    void aFileWrittenWellBeforeTheStampIsTrustedByItsStatus() throws Exception {
        Path f = Files.writeString(dir.resolve("a"), "edited\n");
        // its change time cannot be set back; the stamp's clock can be read as later instead
        ApplyStamp.record(stamp(), "k", List.of(), List.of(ApplyStamp.output(f, "wanted\n")));
        String[] lines = Files.readString(stamp()).split("\n", -1);
        String[] clock = lines[2].split(" ");
        lines[2] = clock[0] + " " + (Long.parseLong(clock[1]) + 2 * ApplyStamp.RACY_NANOS);
        Files.writeString(stamp(), String.join("\n", lines));
        assertTrue(ApplyStamp.check(stamp(), "k").isPresent(), "status alone, content not read");
    }

    @Test
    void contentSizeTimeModeAndPresenceChangesFail() throws Exception {
        Path f = Files.writeString(dir.resolve("a"), "alpha\n");
        List<ApplyStamp.Entry> one = List.of(ApplyStamp.output(f, "alpha\n"));
        ApplyStamp.record(stamp(), "k", List.of(), one);
        FileTime t = Files.getLastModifiedTime(f);
        Files.writeString(f, "ALPHA\n");
        Files.setLastModifiedTime(f, t);
        assertEquals(Optional.empty(), ApplyStamp.check(stamp(), "k"), "same size and mtime, new ctime");

        Files.writeString(f, "alpha\n");
        ApplyStamp.record(stamp(), "k", List.of(), one);
        Files.setPosixFilePermissions(f, java.nio.file.attribute.PosixFilePermissions.fromString("rw-------"));
        assertEquals(Optional.empty(), ApplyStamp.check(stamp(), "k"), "mode");

        ApplyStamp.record(stamp(), "k", List.of(), one);
        Files.delete(f);
        assertEquals(Optional.empty(), ApplyStamp.check(stamp(), "k"), "gone");
    }

    @Test
    void aTemplateIsComparedByItsBytesEveryTime() throws Exception {
        Path t = Files.writeString(dir.resolve("t.ks"), "%packages\n");
        ApplyStamp.record(stamp(), "k", List.of(), List.of(ApplyStamp.content(t)));
        assertTrue(ApplyStamp.check(stamp(), "k").isPresent());
        ApplyStamp.record(stamp(), "k", List.of(), List.of(new ApplyStamp.Entry(ApplyStamp.Kind.CONTENT, t.toAbsolutePath(),
                ApplyStamp.sha256("other bytes"))));
        assertEquals(Optional.empty(), ApplyStamp.check(stamp(), "k"), "bytes differ from those rendered");
    }

    @Test
    void aProgramFileTouchedFails() throws Exception {
        Path jar = Files.writeString(dir.resolve("p.jar"), "jar");
        ApplyStamp.record(stamp(), "k", List.of(), List.of(ApplyStamp.of(ApplyStamp.Kind.PROGRAM, jar)));
        assertTrue(ApplyStamp.check(stamp(), "k").isPresent());
        Files.setLastModifiedTime(jar, FileTime.fromMillis(Files.getLastModifiedTime(jar).toMillis() - 5000));
        assertEquals(Optional.empty(), ApplyStamp.check(stamp(), "k"));
    }

    @Test
    void aFolderReplacedByALinkFails() throws Exception {
        Path d = Files.createDirectories(dir.resolve("ks"));
        ApplyStamp.record(stamp(), "k", List.of(), List.of(ApplyStamp.of(ApplyStamp.Kind.PRESENCE, d)));
        Path moved = Files.move(d, dir.resolve("ks-elsewhere"));
        Files.createSymbolicLink(d, moved);
        assertEquals(Optional.empty(), ApplyStamp.check(stamp(), "k"));
    }

    @Test
    void garbageAndLinksAreNoStamp() throws Exception {
        Files.writeString(stamp(), "provision-apply-stamp 1\nk\nx y\n-5\n");
        assertEquals(Optional.empty(), ApplyStamp.check(stamp(), "k"));
        Files.writeString(stamp(), "provision-apply-stamp 1\nk\n1 2\n0\nOUTPUT\trelative\tx\t-\n");
        assertEquals(Optional.empty(), ApplyStamp.check(stamp(), "k"));
        Path real = dir.resolve("real");
        ApplyStamp.record(real, "k", List.of(), List.of());
        assertTrue(ApplyStamp.check(real, "k").isPresent());
        Files.delete(stamp());
        Files.createSymbolicLink(stamp(), real);
        assertEquals(Optional.empty(), ApplyStamp.check(stamp(), "k"), "never read through a link");
    }
}
