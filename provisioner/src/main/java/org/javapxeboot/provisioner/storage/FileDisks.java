package org.javapxeboot.provisioner.storage;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.file.DirectoryNotEmptyException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
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
        /** Makes {@code file} {@code to} bytes long, writing zeros from {@code from} when {@code preallocate}. */
        void extend(RandomAccessFile file, long from, long to, boolean preallocate, String what, Progress progress)
                throws IOException;
    }

    /** Sparse: setLength; preallocated: zeros in 1 MiB writes, then fsync, so a full disk fails now and not in the guest. */
    public static final Writer DEFAULT_WRITER = (file, from, to, preallocate, what, progress) -> {
        if (!preallocate) {
            file.setLength(to);
            return;
        }
        byte[] zeros = new byte[1 << 20];
        file.seek(from);
        long done = from;
        progress.update(what, done, to);
        while (done < to) {
            int n = (int) Math.min(zeros.length, to - done);
            file.write(zeros, 0, n);
            done += n;
            progress.update(what, done, to);
        }
        file.getFD().sync();
    };

    public enum Outcome { CREATED, UNCHANGED, GROWN, DIFFERS }

    public record Result(Path path, Outcome outcome, long sizeBytes, String detail) {
    }

    /** What is on disk now: absent, a regular file of some size, or something else. */
    public record State(boolean exists, boolean regularFile, long sizeBytes) {
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
            if (!Files.exists(p, LinkOption.NOFOLLOW_LINKS) && !Files.exists(p)) {
                return new State(false, false, 0);
            }
            if (!Files.isRegularFile(p)) {
                return new State(true, false, 0);
            }
            return new State(true, true, Files.size(p));
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
            if (!s.regularFile()) {
                throw new StorageException(p + " exists and is not a regular file; refusing to touch it");
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
        try (RandomAccessFile f = new RandomAccessFile(p.toFile(), "rw")) {
            try {
                writer.extend(f, have, want, preallocate, p.toString(), progress);
            } catch (IOException e) {
                f.setLength(have); // undo: back to exactly what was there
                throw new StorageException(p + ": growing from " + Size.format(have) + " to " + Size.format(want)
                        + " failed: " + e.getMessage() + "; the file was cut back to " + Size.format(have), e);
            }
        } catch (IOException e) {
            throw new StorageException(p + ": cannot grow: " + e.getMessage(), e);
        }
        return new Result(p, Outcome.GROWN, want, "grown from " + Size.format(have) + " to " + Size.format(want));
    }

    private Result create(Path p, long want, boolean preallocate, Progress progress) throws StorageException {
        List<Path> madeDirs = new ArrayList<>();
        try {
            makeParents(p.toAbsolutePath().getParent(), madeDirs);
            try {
                Files.createFile(p, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
            } catch (UnsupportedOperationException e) {
                Files.createFile(p);
            }
        } catch (FileAlreadyExistsException e) {
            removeDirs(madeDirs);
            throw new StorageException(p + " appeared while it was being created; left alone", e);
        } catch (IOException e) {
            removeDirs(madeDirs);
            throw new StorageException(p + ": cannot create: " + e.getMessage(), e);
        }
        // From here on the file is ours: on failure it goes, with the folders made for it.
        try (RandomAccessFile f = new RandomAccessFile(p.toFile(), "rw")) {
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
