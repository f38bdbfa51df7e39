package org.javapxeboot.provisioner.plan;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFileAttributes;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Modes and groups of what the provisioner writes, symbolic links, and no temporary file left behind. */
class AtomicFilesTest {
    @TempDir Path dir;

    static String mode(Path p) throws IOException {
        return PosixFilePermissions.toString(Files.getPosixFilePermissions(p, LinkOption.NOFOLLOW_LINKS));
    }

    static String group(Path p) throws IOException {
        return Files.readAttributes(p, PosixFileAttributes.class, LinkOption.NOFOLLOW_LINKS).group().getName();
    }

    List<Path> listing(Path d) throws IOException {
        try (Stream<Path> s = Files.list(d)) {
            return s.sorted().toList();
        }
    }

    /** A group other than the owner's, where we may give one (root); else the owner's own. */
    static String otherGroup(Path sample) throws IOException {
        boolean root = "root".equals(System.getProperty("user.name"));
        return root ? "daemon" : group(sample);
    }

    @Test
    void kickstartsAre0640WithTheSecretGroupAndTheRest0644() throws Exception {
        Path probe = Files.writeString(dir.resolve("probe"), "");
        String g = otherGroup(probe);
        Layout layout = Layout.of(dir.resolve("out"), null, g);
        Path ks = layout.kickstart("g1");
        Path xml = layout.out().resolve("libvirt/g1.xml");
        Path pxe = layout.tftpRoot().resolve("pxelinux.cfg/01-52-54-00-00-00-01");
        layout.write(ks, "rootpw --iscrypted $6$x\n");
        layout.write(xml, "<domain/>\n");
        layout.write(pxe, "DEFAULT local\n");
        assertEquals("rw-r-----", mode(ks));
        assertEquals(g, group(ks));
        assertEquals("rw-r--r--", mode(xml));
        assertEquals("rw-r--r--", mode(pxe), "tftpd must be able to read the pxelinux entry");
        // a rewrite keeps the modes (the new file replaces the old, it is not chmodded after)
        layout.write(ks, "rootpw --iscrypted $6$y\n");
        assertEquals("rw-r-----", mode(ks));
        assertEquals(List.of(ks), listing(ks.getParent()), "no temporary file left");
        // the default: the owner's own group
        Layout plain = Layout.of(dir.resolve("out2"), null);
        plain.write(plain.kickstart("g1"), "x\n");
        assertEquals("rw-r-----", mode(plain.kickstart("g1")));
        assertEquals(group(probe), group(plain.kickstart("g1")));
    }

    @Test
    void aSymlinkAtTheTargetIsRefusedAndItsTargetUntouched() throws Exception {
        Path precious = Files.writeString(dir.resolve("shadow"), "root:$6$secret:\n");
        Path out = Files.createDirectories(dir.resolve("out/ks"));
        Path link = Files.createSymbolicLink(out.resolve("g1.ks"), precious);
        IOException e = assertThrows(IOException.class, () -> AtomicFiles.write(link, "owned\n"));
        assertTrue(e.getMessage().startsWith(link + ": is a symbolic link; refusing"), e.getMessage());
        assertEquals("root:$6$secret:\n", Files.readString(precious));
        assertTrue(Files.isSymbolicLink(link));
        assertEquals(List.of(link), listing(out), "no temporary file left");
        IOException r = assertThrows(IOException.class, () -> AtomicFiles.read(link));
        assertTrue(r.getMessage().contains("is a symbolic link"), r.getMessage());
        // a dangling link is not created through either
        Path dangling = Files.createSymbolicLink(out.resolve("g2.ks"), dir.resolve("created-elsewhere"));
        assertThrows(IOException.class, () -> AtomicFiles.write(dangling, "owned\n"));
        assertFalse(Files.exists(dir.resolve("created-elsewhere")));
    }

    @Test
    void aSymlinkedFolderIsRefused() throws Exception {
        Path elsewhere = Files.createDirectories(dir.resolve("etc"));
        Path out = Files.createDirectories(dir.resolve("out"));
        Files.createSymbolicLink(out.resolve("ks"), elsewhere);
        IOException e = assertThrows(IOException.class, () -> AtomicFiles.write(out.resolve("ks/g1.ks"), "owned\n"));
        assertTrue(e.getMessage().contains("is a symbolic link"), e.getMessage());
        assertEquals(List.of(), listing(elsewhere));
    }

    /**
     * A link anywhere below the output folder is refused, not only as the file's own folder:
     * OUT/tftp -> elsewhere would put pxelinux.cfg/01-MAC where the link points. A TFTP root
     * given outside OUT is its own root; a link as that root is refused too.
     */
    @Test
    void aSymlinkAtAnyFolderBelowTheRootIsRefused() throws Exception {
        Path elsewhere = Files.createDirectories(dir.resolve("elsewhere"));
        Path out = Files.createDirectories(dir.resolve("out"));
        Files.createSymbolicLink(out.resolve("tftp"), elsewhere);
        Layout layout = Layout.of(out, null);
        Path entry = layout.tftpRoot().resolve("pxelinux.cfg/01-52-54-00-00-00-01");
        IOException e = assertThrows(IOException.class, () -> layout.write(entry, "DEFAULT owned\n"));
        assertTrue(e.getMessage().contains("is a symbolic link"), e.getMessage());
        assertEquals(List.of(), listing(elsewhere), "nothing written or made where the link points");

        Path realTftp = Files.createDirectories(dir.resolve("srv/tftp"));
        Layout outside = Layout.of(out, realTftp);
        outside.write(realTftp.resolve("pxelinux.cfg/01-52-54-00-00-00-01"), "DEFAULT local\n");
        assertTrue(Files.isRegularFile(realTftp.resolve("pxelinux.cfg/01-52-54-00-00-00-01")));
        Path linkedRoot = Files.createSymbolicLink(dir.resolve("tftp-link"), realTftp);
        Layout viaLink = Layout.of(out, linkedRoot);
        assertThrows(IOException.class, () -> viaLink.write(linkedRoot.resolve("pxelinux.cfg/x"), "y\n"));
    }

    @Test
    void aFailedWriteLeavesNoTemporaryFileAndTheOldContent() throws Exception {
        Path d = Files.createDirectories(dir.resolve("ks"));
        Path ks = d.resolve("g1.ks");
        AtomicFiles.write(ks, "old\n", AtomicFiles.Mode.secret(null));
        // fails after the temporary file is written: the group does not exist
        IOException e = assertThrows(IOException.class,
                () -> AtomicFiles.write(ks, "new\n", AtomicFiles.Mode.secret("no-such-group-jpb")));
        assertTrue(e.getMessage().startsWith("no such group 'no-such-group-jpb'"), e.getMessage());
        assertEquals(Optional.of("old\n"), AtomicFiles.read(ks));
        assertEquals(List.of(ks), listing(d));
        // fails at the rename: a non-empty folder is in the way
        Path busy = Files.createDirectories(d.resolve("busy"));
        Files.writeString(busy.resolve("x"), "");
        assertThrows(IOException.class, () -> AtomicFiles.write(busy, "new\n"));
        assertEquals(List.of(busy, ks), listing(d));
    }

    /**
     * The batched write: items fail one by one (a link, a refused folder, a missing group, a rename
     * blocked by a folder), the others are written whole with their modes, no temporary file is
     * left anywhere, and a folder refused once is refused for every file under it, not remembered
     * as checked.
     */
    @Test
    void writeAllFailsItemsOneByOneAndLeavesNoTemporaryFile() throws Exception {
        Path out = Files.createDirectories(dir.resolve("out"));
        Path precious = Files.writeString(dir.resolve("shadow"), "root:$6$secret:\n");
        Path elsewhere = Files.createDirectories(dir.resolve("elsewhere"));
        Path ksDir = Files.createDirectories(out.resolve("ks"));
        Path link = Files.createSymbolicLink(ksDir.resolve("g2.ks"), precious);
        Path linkedFolder = Files.createSymbolicLink(out.resolve("xen"), elsewhere);
        Path busy = Files.createDirectories(out.resolve("libvirt/g5.xml"));
        Files.writeString(busy.resolve("x"), "");
        AtomicFiles.Mode secret = AtomicFiles.Mode.secret(null);
        List<AtomicFiles.Item> items = List.of(
                new AtomicFiles.Item(out, ksDir.resolve("g1.ks"), "one\n", secret),
                new AtomicFiles.Item(out, link, "owned\n", secret),
                new AtomicFiles.Item(out, linkedFolder.resolve("g1.cfg"), "owned\n", AtomicFiles.Mode.PUBLIC),
                new AtomicFiles.Item(out, linkedFolder.resolve("g2.cfg"), "owned\n", AtomicFiles.Mode.PUBLIC),
                new AtomicFiles.Item(out, ksDir.resolve("g3.ks"), "three\n", AtomicFiles.Mode.secret("no-such-group-jpb")),
                new AtomicFiles.Item(out, busy, "five\n", AtomicFiles.Mode.PUBLIC),
                new AtomicFiles.Item(out, out.resolve("libvirt/g6.xml"), "six\n", AtomicFiles.Mode.PUBLIC),
                new AtomicFiles.Item(out, dir.resolve("outside.txt"), "owned\n", AtomicFiles.Mode.PUBLIC));
        List<IOException> r = AtomicFiles.writeAll(items);
        assertEquals(items.size(), r.size());
        assertEquals(null, r.get(0));
        assertTrue(r.get(1).getMessage().contains("is a symbolic link"), String.valueOf(r.get(1)));
        assertTrue(r.get(2).getMessage().contains("is a symbolic link"), String.valueOf(r.get(2)));
        assertTrue(r.get(3) != null && r.get(3).getMessage().contains("is a symbolic link"),
                "the second file under a refused folder is refused too: " + r.get(3));
        assertTrue(r.get(4).getMessage().startsWith("no such group"), String.valueOf(r.get(4)));
        assertTrue(r.get(5) != null, "a rename blocked by a folder fails that item");
        assertEquals(null, r.get(6));
        assertTrue(r.get(7).getMessage().contains("is not under"), String.valueOf(r.get(7)));
        assertEquals(Optional.of("one\n"), AtomicFiles.read(ksDir.resolve("g1.ks")));
        assertEquals("rw-r-----", mode(ksDir.resolve("g1.ks")));
        assertEquals(Optional.of("six\n"), AtomicFiles.read(out.resolve("libvirt/g6.xml")));
        assertEquals("rw-r--r--", mode(out.resolve("libvirt/g6.xml")));
        assertEquals("root:$6$secret:\n", Files.readString(precious));
        assertEquals(List.of(), listing(elsewhere), "nothing written where the folder link points");
        assertEquals(List.of(ksDir.resolve("g1.ks"), link), listing(ksDir), "no temporary file left");
        assertEquals(List.of(busy, out.resolve("libvirt/g6.xml")), listing(out.resolve("libvirt")));
        assertFalse(Files.exists(dir.resolve("outside.txt")));
    }

    /** More files than one chunk holds open: every one written, in folders made once. */
    @Test
    void writeAllBeyondOneChunk() throws Exception {
        Path out = dir.resolve("out");
        List<AtomicFiles.Item> items = new java.util.ArrayList<>();
        for (int i = 0; i < AtomicBatch.CHUNK * 2 + 3; i++) {
            items.add(new AtomicFiles.Item(out, out.resolve("d" + (i % 3)).resolve("f" + i), "n" + i + "\n",
                    AtomicFiles.Mode.PUBLIC));
        }
        List<IOException> r = AtomicFiles.writeAll(items);
        for (int i = 0; i < items.size(); i++) {
            assertEquals(null, r.get(i));
            assertEquals(Optional.of("n" + i + "\n"), AtomicFiles.read(items.get(i).target()));
        }
        for (int d = 0; d < 3; d++) {
            try (Stream<Path> s = Files.list(out.resolve("d" + d))) {
                assertTrue(s.noneMatch(p -> p.getFileName().toString().endsWith(".tmp")), "no temporary file left");
            }
        }
    }
}
