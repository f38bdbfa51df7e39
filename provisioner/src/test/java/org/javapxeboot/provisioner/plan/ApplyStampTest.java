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
public class ApplyStampTest {
    @TempDir Path dir;

    /**
     * Moves the stamp's clock (the change time of its temporary file) by {@code nanos}, in place.
     * Whether an output counts as written just before the stamp (and is compared by content) must not
     * depend on how fast the test ran: tests set it. Back: every output is recent; on: none is.
     */
    public static void shiftClock(Path stamp, long nanos) throws java.io.IOException {
        String[] lines = Files.readString(stamp).split("\n", -1);
        String[] clock = lines[2].split(" ");
        lines[2] = clock[0] + " " + (Long.parseLong(clock[1]) + nanos);
        Files.writeString(stamp, String.join("\n", lines));
    }

    Path stamp() {
        return dir.resolve("apply.stamp");
    }

    @Test
    void unchangedFilesPassAndThePrintedLinesComeBack() throws Exception {
        Path crashed = Files.writeString(dir.resolve(".apply.stamp.4242.77.tmp"), "a crashed apply's");
        Path f = Files.writeString(dir.resolve("a"), "alpha\n");
        ApplyStamp.record(stamp(), "k", List.of("out Nothing to do", "err a\nb"), List.of(ApplyStamp.output(f, "alpha\n"),
                ApplyStamp.of(ApplyStamp.Kind.PRESENCE, dir.resolve("marker"))));
        assertEquals(Optional.of(List.of("out Nothing to do", "err a\nb")), ApplyStamp.check(stamp(), "k"));
        assertEquals(Optional.empty(), ApplyStamp.check(stamp(), "another key"));
        Files.writeString(dir.resolve("marker"), "");
        assertEquals(Optional.empty(), ApplyStamp.check(stamp(), "k"), "a file that appeared");
        assertFalse(Files.list(dir).anyMatch(p -> p.getFileName().toString().endsWith(".tmp")), "no temporary file left");
        assertFalse(Files.exists(crashed), "a crashed apply's temporary stamp is removed by the next record");
    }

    /**
     * A file written just before the stamp could be changed again within the same clock tick, with
     * nothing in its status to show it: such a file is compared by content. Here the file is not
     * what the plan wanted (as if edited in that tick): the check fails although its status is the same.
     */
    @Test
    void aRacyFileIsComparedByContent() throws Exception {
        Path f = Files.writeString(dir.resolve("a"), "edited\n");
        // recorded as though the plan had begun after the edit (else record itself refuses it: see below)
        ApplyStamp.record(stamp(), "k", List.of(), List.of(ApplyStamp.output(f, "wanted\n")), Long.MAX_VALUE);
        shiftClock(stamp(), -ApplyStamp.RACY_NANOS / 2); // written just before the stamp, however slow this run
        assertEquals(Optional.empty(), ApplyStamp.check(stamp(), "k"));
    }

    @Test
    void aFileWrittenWellBeforeTheStampIsTrustedByItsStatus() throws Exception {
        Path f = Files.writeString(dir.resolve("a"), "edited\n");
        // its change time cannot be set back; the stamp's clock can be read as later instead
        ApplyStamp.record(stamp(), "k", List.of(), List.of(ApplyStamp.output(f, "wanted\n")), Long.MAX_VALUE);
        shiftClock(stamp(), 2 * ApplyStamp.RACY_NANOS);
        java.nio.file.attribute.FileTime written = Files.getLastModifiedTime(stamp());
        Object inode = Files.getAttribute(stamp(), "unix:ino");
        assertTrue(ApplyStamp.check(stamp(), "k").isPresent(), "status alone, content not read");
        assertEquals(inode, Files.getAttribute(stamp(), "unix:ino"), "nothing compared by content: the stamp is not rewritten");
        assertEquals(written, Files.getLastModifiedTime(stamp()));
    }

    /**
     * The stamp's clock is another file system's (here a device number that only begins like the
     * output's): the output's change time cannot be compared with it, so its content is, and an
     * edit shows although its change time is long before the stamp's.
     */
    @Test
    void aFileOnAnotherDeviceThanTheStampIsComparedByContent() throws Exception {
        Path f = Files.writeString(dir.resolve("a"), "edited\n");
        ApplyStamp.record(stamp(), "k", List.of(), List.of(ApplyStamp.output(f, "wanted\n")), Long.MAX_VALUE);
        shiftClock(stamp(), 2 * ApplyStamp.RACY_NANOS);
        String[] lines = Files.readString(stamp()).split("\n", -1);
        String[] clock = lines[2].split(" ");
        assertTrue(ApplyStamp.check(stamp(), "k").isPresent(), "same device, long before: trusted by status");
        for (String other : List.of(clock[0] + "1", clock[0].substring(0, clock[0].length() - 1))) {
            lines[2] = other + " " + clock[1];
            Files.writeString(stamp(), String.join("\n", lines));
            assertEquals(Optional.empty(), ApplyStamp.check(stamp(), "k"), "device " + other);
        }
    }

    /**
     * A check that compared outputs by content (written just before the stamp) writes the same stamp
     * again with a new clock, so that later checks can trust those outputs' status instead of reading them.
     */
    @Test
    void aCheckThatComparedByContentRewritesTheStampWithANewClock() throws Exception {
        Path f = Files.writeString(dir.resolve("a"), "wanted\n");
        ApplyStamp.record(stamp(), "k", List.of("out Nothing to do"), List.of(ApplyStamp.output(f, "wanted\n")));
        shiftClock(stamp(), -ApplyStamp.RACY_NANOS / 2); // written just before the stamp, however slow this run
        String[] before = Files.readString(stamp()).split("\n", -1);
        Object inode = Files.getAttribute(stamp(), "unix:ino");
        assertEquals(Optional.of(List.of("out Nothing to do")), ApplyStamp.check(stamp(), "k"));
        String[] after = Files.readString(stamp()).split("\n", -1);
        org.junit.jupiter.api.Assertions.assertNotEquals(inode, Files.getAttribute(stamp(), "unix:ino"), "rewritten (atomically: a new file)");
        assertEquals(before.length, after.length);
        for (int i = 0; i < before.length; i++) {
            if (i != 2) assertEquals(before[i], after[i], "line " + i);
        }
        assertTrue(Long.parseLong(after[2].split(" ")[1]) > Long.parseLong(before[2].split(" ")[1]), "a later clock");
        assertEquals("rw-------", java.nio.file.attribute.PosixFilePermissions.toString(Files.getPosixFilePermissions(stamp())));
        assertEquals(Optional.of(List.of("out Nothing to do")), ApplyStamp.check(stamp(), "k"), "and it still checks");
        assertFalse(Files.list(dir).anyMatch(p -> p.getFileName().toString().endsWith(".tmp")), "no temporary file left");
    }

    /** An output edited or chmodded after the plan read it, before the stamp: no stamp (the next apply plans in full). */
    @Test
    void recordRefusesAnOutputThatIsNoLongerWhatThePlanWanted() throws Exception {
        Path f = Files.writeString(dir.resolve("a"), "edited after the plan read it\n");
        java.io.IOException e = org.junit.jupiter.api.Assertions.assertThrows(java.io.IOException.class, () -> ApplyStamp.record(stamp(), "k",
                List.of(), List.of(ApplyStamp.output(f, "wanted\n")), 0));
        assertTrue(e.getMessage().contains("changed while apply ran"), e.getMessage());
        Files.writeString(f, "wanted\n");
        Files.setPosixFilePermissions(f, java.nio.file.attribute.PosixFilePermissions.fromString("rw-r--r--"));
        ApplyStamp.Entry secret = new ApplyStamp.Entry(ApplyStamp.Kind.OUTPUT, f, ApplyStamp.sha256("wanted\n"), "100640");
        e = org.junit.jupiter.api.Assertions.assertThrows(java.io.IOException.class, () -> ApplyStamp.record(stamp(), "k", List.of(), List.of(secret), 0));
        assertTrue(e.getMessage().contains("has mode 100644, not 100640"), e.getMessage());
        assertFalse(Files.exists(stamp()));
        assertFalse(Files.list(dir).anyMatch(p -> p.getFileName().toString().endsWith(".tmp")), "no temporary file left");
        Files.setPosixFilePermissions(f, java.nio.file.attribute.PosixFilePermissions.fromString("rw-r-----"));
        ApplyStamp.record(stamp(), "k", List.of(), List.of(secret), 0);
        assertTrue(ApplyStamp.check(stamp(), "k").isPresent());
        assertEquals("rw-------", java.nio.file.attribute.PosixFilePermissions.toString(Files.getPosixFilePermissions(stamp())),
                "the stamp holds the kickstarts' digests: its owner's alone");
    }

    /** A stamp, or its folder, that another user could have written is not trusted (root's apply in a user's folder). */
    @Test
    void aStampSomeoneElseCouldWriteIsNotTrusted() throws Exception {
        ApplyStamp.record(stamp(), "k", List.of("out fine"), List.of());
        assertTrue(ApplyStamp.check(stamp(), "k").isPresent());
        Files.setPosixFilePermissions(stamp(), java.nio.file.attribute.PosixFilePermissions.fromString("rw--w----"));
        assertEquals(Optional.empty(), ApplyStamp.check(stamp(), "k"), "group-writable stamp");
        Files.setPosixFilePermissions(stamp(), java.nio.file.attribute.PosixFilePermissions.fromString("rw-------"));
        Files.setPosixFilePermissions(dir, java.nio.file.attribute.PosixFilePermissions.fromString("rwxrwxrwx"));
        assertEquals(Optional.empty(), ApplyStamp.check(stamp(), "k"), "a folder everyone may write");
        Files.setPosixFilePermissions(dir, java.nio.file.attribute.PosixFilePermissions.fromString("rwx------"));
        assertTrue(ApplyStamp.check(stamp(), "k").isPresent());
        if ("root".equals(System.getProperty("user.name"))) {
            Files.setOwner(stamp(), dir.getFileSystem().getUserPrincipalLookupService().lookupPrincipalByName("nobody"));
            assertEquals(Optional.empty(), ApplyStamp.check(stamp(), "k"), "a stamp another user owns");
        }
    }

    /** Printed lines come back exactly (backslashes, newlines); a control character in one (a forged stamp) voids it. */
    @Test
    void printedLinesComeBackExactlyAndAreOnlyText() throws Exception {
        List<String> printed = List.of("err C:\\new\\dir", "err two\nlines", "out \\n is not a newline");
        ApplyStamp.record(stamp(), "k", printed, List.of());
        assertEquals(Optional.of(printed), ApplyStamp.check(stamp(), "k"));
        String text = Files.readString(stamp());
        Files.writeString(stamp(), text.replace("out \\\\n is", "out \u001b]0;owned\u0007 is"));
        assertEquals(Optional.empty(), ApplyStamp.check(stamp(), "k"));
    }

    /** A listed template that is not a regular file (a FIFO, a device) is never read: the check fails at once. */
    @Test
    @org.junit.jupiter.api.Timeout(20)
    void aListedFileThatIsNotARegularFileIsNeverRead() throws Exception {
        Path fifo = dir.resolve("fifo");
        assertEquals(0, new ProcessBuilder("mkfifo", fifo.toString()).start().waitFor());
        ApplyStamp.Entry e = new ApplyStamp.Entry(ApplyStamp.Kind.CONTENT, fifo, ApplyStamp.sha256(""));
        ApplyStamp.record(stamp(), "k", List.of(), List.of(ApplyStamp.output(Files.writeString(dir.resolve("a"), "x"), "x")));
        // forged by its owner: the FIFO listed with its true status
        Files.writeString(stamp(), Files.readString(stamp()) + "CONTENT\t" + fifo + "\t" + ApplyStamp.status(e) + "\t" + e.digest() + "\n");
        assertEquals(Optional.empty(), ApplyStamp.check(stamp(), "k"));
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
