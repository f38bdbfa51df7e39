package org.javapxeboot.xman.auth;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.nio.file.attribute.UserPrincipal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/** .k5login decides who administers the host: used only when owned by root or the daemon user (here: whoever runs the test) and writable by nobody else. */
class K5LoginTest {
    static Path file(Path dir, String mode) throws IOException {
        Path f = dir.resolve("k5login");
        Files.writeString(f, "# admins\nadmin@XMAN.TEST\n");
        Files.setPosixFilePermissions(f, PosixFilePermissions.fromString(mode));
        return f;
    }

    /** A principal swapped for another of the same length, the modification time set back: the change time still tells. */
    @Test
    void anEditThatKeepsSizeAndModificationTimeIsSeen(@TempDir Path dir) throws Exception {
        Path f = file(dir, "rw-r--r--");
        K5Login k = new K5Login(f);
        assertTrue(k.allows("admin@XMAN.TEST"));
        java.nio.file.attribute.FileTime mtime = Files.getLastModifiedTime(f);
        Files.writeString(f, "# admins\nadmim@XMAN.TEST\n");
        Files.setLastModifiedTime(f, mtime);
        assertFalse(k.allows("admin@XMAN.TEST"));
        assertTrue(k.allows("admim@XMAN.TEST"));
    }

    @Test
    void ownersFileWritableOnlyByItsOwnerIsUsed(@TempDir Path dir) throws Exception {
        K5Login k = new K5Login(file(dir, "rw-r--r--"));
        assertTrue(k.allows("admin@XMAN.TEST"));
        assertFalse(k.allows("other@XMAN.TEST"));
        assertFalse(new K5Login(dir.resolve("missing")).allows("admin@XMAN.TEST"));
    }

    @Test
    void groupOrWorldWritableFileIsRefusedWithTheReason(@TempDir Path dir) throws Exception {
        Path f = file(dir, "rw-rw-r--");
        K5Login k = new K5Login(f);
        String owner = Files.getOwner(f).getName();
        IOException e = assertThrows(IOException.class, () -> k.allows("admin@XMAN.TEST"));
        assertEquals(f + " (owner " + owner + ", mode rw-rw-r--) is writable by its group: anyone who can write it can make himself an "
                + "administrator, so it is not used; chmod go-w " + f, e.getMessage());
        Files.setPosixFilePermissions(f, PosixFilePermissions.fromString("rw-r--rw-"));
        assertTrue(assertThrows(IOException.class, () -> k.allows("admin@XMAN.TEST")).getMessage().contains("(owner " + owner + ", mode rw-r--rw-) is writable by others"));
        Files.setPosixFilePermissions(f, PosixFilePermissions.fromString("rw-rw-rw-"));
        assertTrue(assertThrows(IOException.class, () -> k.allows("admin@XMAN.TEST")).getMessage().contains("is writable by group and others"));
        // Fixed: used again at the next request, the cache of the old contents does not bypass the check.
        Files.setPosixFilePermissions(f, PosixFilePermissions.fromString("rw-------"));
        assertTrue(k.allows("admin@XMAN.TEST"));
        Files.setPosixFilePermissions(f, PosixFilePermissions.fromString("rw-rw----"));
        assertThrows(IOException.class, () -> k.allows("admin@XMAN.TEST"));
    }

    /** Needs root to give the file away; unprivileged runs skip this one. */
    @Test
    void fileOwnedBySomeoneElseIsRefused(@TempDir Path dir) throws Exception {
        assumeTrue("root".equals(System.getProperty("user.name")), "only root can chown a file to another user");
        Path f = file(dir, "rw-r--r--");
        UserPrincipal nobody = f.getFileSystem().getUserPrincipalLookupService().lookupPrincipalByName("nobody");
        Files.setOwner(f, nobody);
        IOException e = assertThrows(IOException.class, () -> new K5Login(f).allows("admin@XMAN.TEST"));
        assertEquals(f + " is owned by nobody (mode rw-r--r--), not by root: whoever owns it can make himself an administrator, "
                + "so it is not used; chown root " + f, e.getMessage());
    }
}
