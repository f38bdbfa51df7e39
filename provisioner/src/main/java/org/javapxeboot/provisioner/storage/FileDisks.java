package org.javapxeboot.provisioner.storage;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.DirectoryNotEmptyException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import org.javapxeboot.provisioner.model.Size;

/**
 * File-backed guest disks. A missing file is created (sparse by default, fully written with
 * zeros on request), with its parent folders. An existing file is never overwritten, shrunk or
 * deleted here; a size that differs is reported, and the file grows only when asked. When creating
 * or growing fails (a full disk), what this call added is undone: the new file and the folders it
 * made are removed, a grown file is cut back to its old size.
 */
public final class FileDisks {

    /** The seam where bytes are written, so that tests can fail a write the way a full disk does. */
    @FunctionalInterface
    public interface Writer {
        /**
         * Makes {@code file} {@code to} bytes long, writing zeros from {@code from} when
         * {@code preallocate}. The channel is the one opened (without following links) and
         * checked; nothing reopens the file by its path.
         */
        void extend(FileChannel file, long from, long to, boolean preallocate, String what, Progress progress)
                throws IOException;
    }

    /** Makes {@code ch} {@code to} bytes long without writing data: one zero byte at the end (a hole before it). */
    public static void extendSparse(FileChannel ch, long to) throws IOException {
        if (ch.size() < to) {
            ch.write(java.nio.ByteBuffer.wrap(new byte[1]), to - 1);
        }
    }

    /** Sparse: setLength; preallocated: zeros in 1 MiB writes, then fsync, so a full disk fails now and not in the guest. */
    public static final Writer DEFAULT_WRITER = (file, from, to, preallocate, what, progress) -> {
        if (!preallocate) {
            extendSparse(file, to);
            return;
        }
        java.nio.ByteBuffer zeros = java.nio.ByteBuffer.allocate(1 << 20);
        long done = from;
        progress.update(what, done, to);
        while (done < to) {
            zeros.clear().limit((int) Math.min(zeros.capacity(), to - done));
            while (zeros.hasRemaining()) {
                done += file.write(zeros, done);
            }
            progress.update(what, done, to);
        }
        file.force(true);
    };

    public enum Outcome { CREATED, UNCHANGED, GROWN, DIFFERS }

    public record Result(Path path, Outcome outcome, long sizeBytes, String detail) {
    }

    /**
     * What is on disk now, the path itself and not what a symbolic link there points to: absent, a
     * regular file of some size, a symbolic link, or something else.
     */
    public record State(boolean exists, boolean regularFile, long sizeBytes, boolean symlink) {
        public State(boolean exists, boolean regularFile, long sizeBytes) {
            this(exists, regularFile, sizeBytes, false);
        }

        /** Why this is no disk we may touch, or null when it is a regular file. */
        public String refusal(Path p) {
            if (symlink) {
                return p + " is a symbolic link; refusing to follow it (name the real file in the YAML)";
            }
            return regularFile ? null : p + " exists and is not a regular file; refusing to touch it";
        }
    }

    private final Writer writer;

    public FileDisks(Writer writer) {
        this.writer = writer;
    }

    public FileDisks() {
        this(DEFAULT_WRITER);
    }

    public static State inspect(Path p) throws StorageException {
        try {
            // lstat: a symbolic link planted at a disk path (to /etc/shadow, to another guest's disk)
            // must never be grown or written through
            BasicFileAttributes a;
            try {
                a = Files.readAttributes(p, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
            } catch (NoSuchFileException e) {
                return new State(false, false, 0);
            }
            if (a.isSymbolicLink()) {
                return new State(true, false, 0, true);
            }
            if (!a.isRegularFile()) {
                return new State(true, false, 0);
            }
            return new State(true, true, a.size());
        } catch (IOException e) {
            throw new StorageException(p + ": cannot inspect: " + e.getMessage(), e);
        }
    }

    public Result ensure(Path p, long want, boolean preallocate, boolean grow, Progress progress) throws StorageException {
        if (want <= 0) {
            throw new StorageException(p + ": size must be positive, got " + want);
        }
        State s = inspect(p);
        if (s.exists()) {
            if (s.refusal(p) != null) {
                throw new StorageException(s.refusal(p));
            }
            return existing(p, s.sizeBytes(), want, preallocate, grow, progress);
        }
        return create(p, want, preallocate, progress);
    }

    private Result existing(Path p, long have, long want, boolean preallocate, boolean grow, Progress progress)
            throws StorageException {
        if (have == want) {
            return new Result(p, Outcome.UNCHANGED, have, Size.format(have));
        }
        if (have > want) {
            return new Result(p, Outcome.DIFFERS, have, "is " + Size.format(have) + ", larger than the "
                    + Size.format(want) + " asked; never shrunk");
        }
        if (!grow) {
            return new Result(p, Outcome.DIFFERS, have, "is " + Size.format(have) + ", smaller than the "
                    + Size.format(want) + " asked; run with --grow to grow it");
        }
        // Opened without following a link first (ELOOP if one was put there since the check), and
        // checked again after the open, so the file grown is the regular file that was inspected.
        // Grown through this one channel only: nothing reopens the path (which could be a link by then).
        try (FileChannel f = FileChannel.open(p, StandardOpenOption.WRITE, LinkOption.NOFOLLOW_LINKS)) {
            State again = inspect(p);
            if (again.refusal(p) != null || again.sizeBytes() != have || f.size() != have) {
                throw new StorageException(p + " changed while it was being opened; left alone");
            }
            try {
                writer.extend(f, have, want, preallocate, p.toString(), progress);
            } catch (IOException e) {
                f.truncate(have); // undo: back to exactly what was there
                throw new StorageException(p + ": growing from " + Size.format(have) + " to " + Size.format(want)
                        + " failed: " + e.getMessage() + "; the file was cut back to " + Size.format(have), e);
            }
        } catch (FileSystemException e) {
            if (Files.isSymbolicLink(p)) {
                throw new StorageException(p + " is a symbolic link; refusing to follow it (name the real file in the YAML)", e);
            }
            throw new StorageException(p + ": cannot grow: " + e.getMessage(), e);
        } catch (IOException e) {
            throw new StorageException(p + ": cannot grow: " + e.getMessage(), e);
        }
        return new Result(p, Outcome.GROWN, want, "grown from " + Size.format(have) + " to " + Size.format(want));
    }

    private Result create(Path p, long want, boolean preallocate, Progress progress) throws StorageException {
        List<Path> madeDirs = new ArrayList<>();
        FileChannel ch;
        try {
            makeParents(p.toAbsolutePath().getParent(), madeDirs);
            java.util.Set<java.nio.file.OpenOption> how = java.util.Set.of(StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE,
                    LinkOption.NOFOLLOW_LINKS);
            try {
                ch = FileChannel.open(p, how, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
            } catch (UnsupportedOperationException e) {
                ch = FileChannel.open(p, how);
            }
        } catch (FileAlreadyExistsException e) {
            removeDirs(madeDirs);
            throw new StorageException(p + " appeared while it was being created; left alone", e);
        } catch (IOException e) {
            removeDirs(madeDirs);
            throw new StorageException(p + ": cannot create: " + e.getMessage(), e);
        }
        // From here on the file is ours: on failure it goes, with the folders made for it.
        try (FileChannel f = ch) {
            writer.extend(f, 0, want, preallocate, p.toString(), progress);
        } catch (IOException | RuntimeException e) {
            try {
                Files.deleteIfExists(p);
            } catch (IOException ignored) {
                // reported below: the message says the partial file could not be removed
            }
            removeDirs(madeDirs);
            boolean gone = !Files.exists(p);
            throw new StorageException(p + ": creating " + Size.format(want) + (preallocate ? " (preallocated)" : "")
                    + " failed: " + e.getMessage() + (gone ? "; the partial file was removed" : "; the partial file"
                    + " could not be removed, delete it by hand"), e);
        }
        return new Result(p, Outcome.CREATED, want, Size.format(want) + (preallocate ? " preallocated" : " sparse"));
    }

    private static void makeParents(Path dir, List<Path> made) throws IOException {
        List<Path> missing = new ArrayList<>();
        for (Path d = dir; d != null && !Files.isDirectory(d); d = d.getParent()) {
            missing.add(d);
        }
        Collections.reverse(missing);
        for (Path d : missing) {
            Files.createDirectory(d);
            made.add(d);
        }
    }

    private static void removeDirs(List<Path> made) {
        for (int i = made.size() - 1; i >= 0; i--) {
            try {
                Files.deleteIfExists(made.get(i));
            } catch (DirectoryNotEmptyException e) {
                return; // someone else put something there: keep it
            } catch (IOException e) {
                return;
            }
        }
    }
}
