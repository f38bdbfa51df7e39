package org.javapxeboot.provisioner.plan;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.GroupPrincipal;
import java.nio.file.attribute.PosixFileAttributeView;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.nio.file.attribute.UserPrincipalNotFoundException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
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
    private static final Set<PosixFilePermission> PUBLIC = PosixFilePermissions.fromString("rw-r--r--");
    private static final Set<PosixFilePermission> SECRET = PosixFilePermissions.fromString("rw-r-----");

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

    /** Files open at once in {@link #writeAll}: each pending file holds one descriptor until renamed. */
    static final int CHUNK = 256;

    /** Threads that fsync a chunk's files at the same time (the journal commits them together). */
    static final int SYNC_THREADS = 32;

    private static volatile ExecutorService syncPool;

    /**
     * Writes every item as {@link #write(Path, Path, String, Mode)} does, each whole or not at all,
     * with the same checks, but with the syncs batched: the files of a chunk are written to their
     * temporary files, fsynced concurrently (a journalling file system commits concurrent fsyncs
     * together, where one at a time each waits for its own commit), renamed in order, and then
     * each folder they were renamed in is fsynced once. A file is never renamed before its own
     * fsync returned, so after a crash every name holds its old content or its new; once this
     * returns, every renamed file is durable. Items fail one by one: the result has, for each item
     * in order, null when it was written, or why not (its temporary file removed, the target as it
     * was, unless only the folder fsync failed after the rename, as in {@code write}).
     */
    public static List<IOException> writeAll(List<Item> items) {
        IOException[] result = new IOException[items.size()];
        for (int from = 0; from < items.size(); from += CHUNK) {
            writeChunk(items, from, Math.min(items.size(), from + CHUNK), result);
        }
        return java.util.Arrays.asList(result);
    }

    /** A temporary file written, given its mode, and still open for its fsync. */
    private record Pending(int index, Path tmp, Path target, FileChannel channel) {
    }

    private static void writeChunk(List<Item> items, int from, int to, IOException[] result) {
        List<Pending> pending = new ArrayList<>(to - from);
        Set<List<Path>> checked = new java.util.HashSet<>();
        try {
            for (int i = from; i < to; i++) {
                Item it = items.get(i);
                try {
                    pending.add(prepare(i, it.root(), it.target(), it.content(), it.mode(), checked));
                } catch (IOException e) {
                    result[i] = e;
                }
            }
            syncAll(pending, result);
            Map<Path, List<Integer>> folders = new LinkedHashMap<>();
            for (Pending p : pending) {
                if (result[p.index()] != null) {
                    continue; // its fsync failed: never renamed over the old content
                }
                try {
                    try {
                        Files.move(p.tmp(), p.target(), StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
                    } catch (AtomicMoveNotSupportedException e) {
                        Files.move(p.tmp(), p.target(), StandardCopyOption.REPLACE_EXISTING);
                    }
                    folders.computeIfAbsent(p.target().getParent(), d -> new ArrayList<>()).add(p.index());
                } catch (IOException e) {
                    result[p.index()] = e;
                    deleteQuietly(p.tmp());
                }
            }
            for (Map.Entry<Path, List<Integer>> f : folders.entrySet()) {
                try {
                    syncFolder(f.getKey());
                } catch (IOException e) {
                    for (int i : f.getValue()) {
                        result[i] = e;
                    }
                }
            }
        } finally {
            for (Pending p : pending) {
                try {
                    p.channel().close();
                } catch (IOException ignored) {
                    // a close after the data was forced loses nothing
                }
                if (result[p.index()] != null) {
                    deleteQuietly(p.tmp()); // gone already when renamed; removed here when not
                }
            }
        }
    }

    /** fsyncs every pending file, several at a time; a failure is recorded against its item. */
    private static void syncAll(List<Pending> pending, IOException[] result) {
        if (pending.size() <= 1) {
            for (Pending p : pending) {
                force(p, result);
            }
            return;
        }
        List<java.util.concurrent.Future<?>> futures = new ArrayList<>(pending.size());
        ExecutorService pool = syncPool();
        for (Pending p : pending) {
            futures.add(pool.submit(() -> force(p, result)));
        }
        for (java.util.concurrent.Future<?> f : futures) {
            boolean interrupted = false;
            while (true) {
                try {
                    f.get();
                    break;
                } catch (InterruptedException e) {
                    interrupted = true; // the fsync runs on; the file is not renamed before it returns
                } catch (java.util.concurrent.ExecutionException e) {
                    break; // force records its own failure; nothing else is thrown there
                }
            }
            if (interrupted) {
                Thread.currentThread().interrupt();
            }
        }
    }

    private static void force(Pending p, IOException[] result) {
        try {
            p.channel().force(true);
        } catch (IOException e) {
            synchronized (result) {
                result[p.index()] = e;
            }
        } catch (RuntimeException e) {
            synchronized (result) {
                result[p.index()] = new IOException(p.target() + ": cannot fsync: " + e, e);
            }
        }
    }

    private static ExecutorService syncPool() {
        ExecutorService p = syncPool;
        if (p == null) {
            synchronized (AtomicFiles.class) {
                p = syncPool;
                if (p == null) {
                    java.util.concurrent.atomic.AtomicInteger n = new java.util.concurrent.atomic.AtomicInteger();
                    p = Executors.newFixedThreadPool(SYNC_THREADS, r -> {
                        Thread t = new Thread(r, "fsync-" + n.incrementAndGet());
                        t.setDaemon(true);
                        return t;
                    });
                    syncPool = p;
                }
            }
        }
        return p;
    }

    /**
     * Checks the target and its folders (see {@link #write(Path, Path, String, Mode)}), then writes
     * the content to an exclusively created temporary file beside it, group first and mode second;
     * the file is left open for its fsync.
     */
    private static Pending prepare(int index, Path root, Path target, String content, Mode mode, Set<List<Path>> checked)
            throws IOException {
        Path abs = target.toAbsolutePath().normalize();
        Path top = root.toAbsolutePath().normalize();
        Path dir = abs.getParent();
        if (!dir.startsWith(top)) {
            throw new IOException(abs + " is not under " + top + "; refusing to write it");
        }
        // a folder checked for this chunk (from the same root down) is not checked again per file
        List<Path> key = List.of(top, dir);
        if (!checked.contains(key)) {
            checkFolders(top, dir); // a refusal here is not remembered: the next file is checked again
            checked.add(key);
        }
        refuseLink(abs, "file");
        // created exclusively (never through a link, never an existing file), 0600, and open:
        // one open where Files.createTempFile and a second open would take two
        FileChannel ch = null;
        Path tmp = null;
        for (int attempt = 0; ch == null; attempt++) {
            tmp = dir.resolve("." + abs.getFileName() + "." + Long.toUnsignedString(TEMP_NAMES.nextLong()) + ".tmp");
            try {
                ch = FileChannel.open(tmp, Set.of(StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE,
                        LinkOption.NOFOLLOW_LINKS), OWNER_ONLY);
            } catch (java.nio.file.FileAlreadyExistsException e) {
                if (attempt >= 100) {
                    throw e;
                }
            }
        }
        try {
            PosixFileAttributeView view = Files.getFileAttributeView(tmp, PosixFileAttributeView.class, LinkOption.NOFOLLOW_LINKS);
            ByteBuffer b = ByteBuffer.wrap(content.getBytes(StandardCharsets.UTF_8));
            while (b.hasRemaining()) {
                ch.write(b);
            }
            if (view != null) {
                // group first, mode second: the file is never readable by a group it should not be
                if (mode.secret() && mode.group() != null) {
                    view.setGroup(group(tmp, mode.group()));
                }
                view.setPermissions(mode.secret() ? SECRET : PUBLIC);
            }
            return new Pending(index, tmp, abs, ch);
        } catch (IOException | RuntimeException e) {
            if (ch != null) {
                try {
                    ch.close();
                } catch (IOException ignored) {
                    // removed below either way
                }
            }
            deleteQuietly(tmp);
            throw e;
        }
    }

    /** The checks of {@link #write(Path, Path, String, Mode)} from {@code top} down to {@code dir}, making what is missing. */
    private static void checkFolders(Path top, Path dir) throws IOException {
        if (Files.notExists(top, LinkOption.NOFOLLOW_LINKS)) {
            Files.createDirectories(top);
        }
        refuseLink(top, "folder");
        Path d = top;
        for (Path part : top.relativize(dir)) {
            if (part.toString().isEmpty()) {
                continue;
            }
            d = d.resolve(part);
            if (Files.notExists(d, LinkOption.NOFOLLOW_LINKS)) {
                try {
                    Files.createDirectory(d);
                } catch (java.nio.file.FileAlreadyExistsException raced) {
                    // made meanwhile: checked below like any other
                }
            }
            refuseLink(d, "folder");
        }
    }

    private static final java.nio.file.attribute.FileAttribute<Set<PosixFilePermission>> OWNER_ONLY =
            PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------"));

    /** Temporary names nobody can guess ahead (the file is created exclusively whatever the name). */
    private static final java.security.SecureRandom TEMP_NAMES = new java.security.SecureRandom();

    private static void deleteQuietly(Path p) {
        try {
            Files.deleteIfExists(p);
        } catch (IOException ignored) {
            // nothing more can be done; the name starts with a dot and ends in .tmp
        }
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

    private static void refuseLink(Path p, String what) throws IOException {
        if (Files.isSymbolicLink(p)) {
            throw linkRefused(p, what);
        }
    }

    private static IOException linkRefused(Path p, String what) {
        return new FileSystemException(p.toString(), null, "is a symbolic link; refusing to write or read through it"
                + " (remove it: the provisioner writes this " + what + " itself)");
    }

    /** fsync the folder, so that the rename itself survives a crash. */
    private static void syncFolder(Path dir) throws IOException {
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
