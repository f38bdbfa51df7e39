package org.javapxeboot.provisioner.plan;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.GroupPrincipal;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.nio.file.attribute.UserPrincipalNotFoundException;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * Files written whole or not at all: a temporary file in the same folder (created exclusively,
 * mode 0600), written, given its final group and mode, fsynced, renamed over the target, and the
 * folder fsynced, so that after a crash the name holds the old content or the new. A reader (a
 * TFTP server sending pxelinux.cfg/01-MAC, an HTTP client fetching a kickstart) sees one or the
 * other, never half. On any failure the temporary file is removed. {@link #writeAll} does the same
 * for many files with their fsyncs issued together and each folder fsynced once.
 *
 * <p>Symbolic links are never followed: a link planted at the target (say {@code ks/g.ks ->
 * /etc/shadow}) or as the target's folder is refused, and {@link #read} refuses one too, so plan
 * reports it instead of comparing against the file it points to.
 *
 * <p>Modes: {@link Mode#PUBLIC} files (pxelinux entries, configs, domain XML, state) are 0644, so
 * the TFTP and web servers that send them can read them; {@link Mode#SECRET} files (kickstarts and
 * preseeds, which carry the root password hash) are 0640, group-readable by the given group only.
 */
public final class AtomicFiles {
    static final Set<PosixFilePermission> PUBLIC = PosixFilePermissions.fromString("rw-r--r--");
    static final Set<PosixFilePermission> SECRET = PosixFilePermissions.fromString("rw-r-----");

    /** Who may read a written file besides its owner. */
    public record Mode(boolean secret, String group) {
        /** 0644: everyone (pxelinux entries, configs, domain XML, state). */
        public static final Mode PUBLIC = new Mode(false, null);

        /** 0640 with {@code group} (null: the owner's own group, as the file system gives it). */
        public static Mode secret(String group) {
            return new Mode(true, group);
        }

        @Override
        public String toString() {
            return secret ? "0640" + (group == null ? "" : " group " + group) : "0644";
        }
    }

    private AtomicFiles() {
    }

    /** A {@link Mode#PUBLIC} file. */
    public static void write(Path target, String content) throws IOException {
        write(target, content, Mode.PUBLIC);
    }

    public static void write(Path target, String content, Mode mode) throws IOException {
        write(target.toAbsolutePath().getParent(), target, content, mode);
    }

    /**
     * Writes {@code target}, which must lie under {@code root} (the output folder or the TFTP
     * root). No component from {@code root} itself down to the file may be a symbolic link: a
     * link at {@code OUT/tftp} or {@code OUT/ks} would send the write (and its mode) elsewhere.
     * The folders above {@code root} are the admin's choice ({@code /srv} may be a link); missing
     * folders from {@code root} down are created one at a time, each checked.
     */
    public static void write(Path root, Path target, String content, Mode mode) throws IOException {
        IOException e = writeAll(List.of(new Item(root, target, content, mode))).get(0);
        if (e != null) {
            throw e;
        }
    }

    /** One file for {@link #writeAll}: {@code target} under {@code root}, as {@link #write(Path, Path, String, Mode)}. */
    public record Item(Path root, Path target, String content, Mode mode) {
    }

    /**
     * Writes every item as {@link #write(Path, Path, String, Mode)} does, each whole or not at all,
     * with the same checks (on the calling thread, in order), but with the work batched: the files
     * of a chunk are created, written and fsynced as temporary files by several threads at once
     * (a journalling file system commits concurrent fsyncs together, where one at a time each
     * waits for its own commit; creating files is CPU work in the kernel that then uses every
     * CPU), renamed in order once all are done, and then
     * each folder they were renamed in is fsynced once. A file is never renamed before its own
     * fsync returned, so after a crash every name holds its old content or its new; once this
     * returns, every renamed file is durable. Items fail one by one: the result has, for each item
     * in order, null when it was written, or why not (its temporary file removed, the target as it
     * was, unless only the folder fsync failed after the rename, as in {@code write}).
     */
    public static List<IOException> writeAll(List<Item> items) {
        return AtomicBatch.writeAll(items);
    }

    /** The file's text, or empty when it does not exist. A symbolic link is refused. */
    public static Optional<String> read(Path p) throws IOException {
        try {
            BasicFileAttributes a = Files.readAttributes(p, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
            if (a.isSymbolicLink()) {
                throw linkRefused(p.toAbsolutePath(), "file");
            }
            try (FileChannel ch = FileChannel.open(p, StandardOpenOption.READ, LinkOption.NOFOLLOW_LINKS)) {
                return Optional.of(new String(java.nio.channels.Channels.newInputStream(ch).readAllBytes(), StandardCharsets.UTF_8));
            }
        } catch (NoSuchFileException e) {
            return Optional.empty();
        }
    }

    /**
     * How the existing file's mode (and, for a secret file with a named group, its group) differs
     * from what {@code mode} writes, e.g. {@code "mode 0644, wants 0640"}; null when it does not
     * differ or the file does not exist. A file written by an older version (a kickstart left
     * 0644) is rewritten because of this, not only when its content changes.
     */
    public static String metaDiffers(Path p, Mode mode) throws IOException {
        java.nio.file.attribute.PosixFileAttributes a;
        try {
            a = Files.readAttributes(p, java.nio.file.attribute.PosixFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
        } catch (NoSuchFileException e) {
            return null;
        } catch (UnsupportedOperationException e) {
            return null; // no POSIX modes here: nothing to compare (write sets none either)
        }
        Set<PosixFilePermission> want = mode.secret() ? SECRET : PUBLIC;
        StringBuilder why = new StringBuilder();
        if (!a.permissions().equals(want)) {
            why.append("mode ").append(octal(a.permissions())).append(", wants ").append(octal(want));
        }
        if (mode.secret() && mode.group() != null && !a.group().equals(group(p, mode.group()))) {
            why.append(why.length() == 0 ? "" : "; ").append("group ").append(a.group().getName()).append(", wants ")
                    .append(mode.group());
        }
        return why.length() == 0 ? null : why.toString();
    }

    private static String octal(Set<PosixFilePermission> perms) {
        int m = 0;
        for (PosixFilePermission x : perms) {
            m |= 1 << (8 - x.ordinal());
        }
        return String.format("%04o", m);
    }

    /** The group by name, or an IOException naming it and the file. */
    public static GroupPrincipal group(Path where, String name) throws IOException {
        try {
            return where.getFileSystem().getUserPrincipalLookupService().lookupPrincipalByGroupName(name);
        } catch (UserPrincipalNotFoundException e) {
            throw new IOException("no such group '" + name + "' (for " + where + "; see --secret-group)", e);
        }
    }

    static void refuseLink(Path p, String what) throws IOException {
        if (Files.isSymbolicLink(p)) {
            throw linkRefused(p, what);
        }
    }

    private static IOException linkRefused(Path p, String what) {
        return new FileSystemException(p.toString(), null, "is a symbolic link; refusing to write or read through it"
                + " (remove it: the provisioner writes this " + what + " itself)");
    }

    /** fsync the folder, so that the rename itself survives a crash. */
    static void syncFolder(Path dir) throws IOException {
        try (FileChannel ch = FileChannel.open(dir, StandardOpenOption.READ)) {
            ch.force(true);
        } catch (IOException e) {
            // some file systems refuse fsync on a directory (EINVAL); the file itself is synced
            if (!String.valueOf(e.getMessage()).contains("Invalid argument")) {
                throw e;
            }
        }
    }
}
