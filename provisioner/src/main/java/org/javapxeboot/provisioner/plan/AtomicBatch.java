package org.javapxeboot.provisioner.plan;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFileAttributeView;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/**
 * {@link AtomicFiles#writeAll}: many files written whole or not at all, each fsynced before its
 * rename, with a chunk's files created, written and fsynced by several threads at once and each
 * folder fsynced once after its renames.
 */
final class AtomicBatch {
    private AtomicBatch() {
    }

    /** Files open at once in {@link AtomicFiles#writeAll}: each pending file holds one descriptor until renamed. */
    static final int CHUNK = 256;

    /**
     * Threads that create, write, chmod and fsync a chunk's files at the same time. Creating a
     * file is where the time goes (the file system's search for a free inode: on ext4 without a
     * journal it skips every inode freed in the last minute), CPU work in the kernel that these
     * threads spread over every CPU instead of the caller's alone; and concurrent fsyncs are
     * committed together where there is a journal. 8 threads were as fast as 32 at 1000 guests,
     * with ~2.5 MiB less resident.
     */
    static final int SYNC_THREADS = 8;

    private static volatile ExecutorService syncPool;

    /** See {@link AtomicFiles#writeAll}. */
    static List<IOException> writeAll(List<AtomicFiles.Item> items) {
        IOException[] result = new IOException[items.size()];
        for (int from = 0; from < items.size(); from += CHUNK) {
            writeChunk(items, from, Math.min(items.size(), from + CHUNK), result);
        }
        return java.util.Arrays.asList(result);
    }

    /** A temporary file written, given its mode, and still open for its fsync. */
    private record Pending(int index, Path tmp, Path target, FileChannel channel) {
    }

    private static void writeChunk(List<AtomicFiles.Item> items, int from, int to, IOException[] result) {
        Pending[] prepared = new Pending[to - from];
        List<Pending> pending = new ArrayList<>(to - from);
        Set<List<Path>> checked = new java.util.HashSet<>();
        try {
            // the checks of the targets and their folders on this thread, in order (a folder once
            // per chunk); then each file is created, written, given its mode and fsynced by the pool
            List<Integer> accepted = new ArrayList<>(to - from);
            for (int i = from; i < to; i++) {
                AtomicFiles.Item it = items.get(i);
                try {
                    checkTarget(it.root(), it.target(), checked);
                    accepted.add(i);
                } catch (IOException e) {
                    result[i] = e;
                }
            }
            prepareAndSyncAll(items, accepted, from, prepared, result);
            for (Pending p : prepared) {
                if (p != null) {
                    pending.add(p);
                }
            }
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
                    AtomicFiles.syncFolder(f.getKey());
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

    /**
     * Each accepted item's temporary file created, written, given its mode and fsynced, several at
     * a time (file creation and fsync both wait on the journal, which serves concurrent callers
     * together); {@code prepared[i - from]} is the file, still open, or null when its creation
     * failed. A failure is recorded against its item. Returns once every task has returned.
     */
    private static void prepareAndSyncAll(List<AtomicFiles.Item> items, List<Integer> accepted, int from,
                                          Pending[] prepared, IOException[] result) {
        if (accepted.size() <= 1) {
            for (int i : accepted) {
                prepareAndSync(items.get(i), i, from, prepared, result);
            }
            return;
        }
        List<java.util.concurrent.Future<?>> futures = new ArrayList<>(accepted.size());
        ExecutorService pool = syncPool();
        for (int i : accepted) {
            futures.add(pool.submit(() -> prepareAndSync(items.get(i), i, from, prepared, result)));
        }
        boolean interrupted = false;
        for (java.util.concurrent.Future<?> f : futures) {
            while (true) {
                try {
                    f.get();
                    break;
                } catch (InterruptedException e) {
                    interrupted = true; // the task runs on; no file is renamed before every task returned
                } catch (java.util.concurrent.ExecutionException e) {
                    break; // prepareAndSync records its own failure; nothing else is thrown there
                }
            }
        }
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
    }

    private static void prepareAndSync(AtomicFiles.Item it, int index, int from, Pending[] prepared, IOException[] result) {
        Pending p;
        try {
            p = prepare(index, it.target(), it.content(), it.mode());
        } catch (IOException e) {
            synchronized (result) {
                result[index] = e;
            }
            return;
        } catch (RuntimeException e) {
            synchronized (result) {
                result[index] = new IOException(it.target() + ": cannot write: " + e, e);
            }
            return;
        }
        prepared[index - from] = p; // read after Future.get, which orders it
        force(p, result);
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
            synchronized (AtomicBatch.class) {
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
     * Checks the target and its folders (see {@link AtomicFiles#write(Path, Path, String, AtomicFiles.Mode)}), making the
     * folders that are missing; a folder checked for this chunk (from the same root down) is not
     * checked again.
     */
    private static void checkTarget(Path root, Path target, Set<List<Path>> checked) throws IOException {
        Path abs = target.toAbsolutePath().normalize();
        Path top = root.toAbsolutePath().normalize();
        Path dir = abs.getParent();
        if (!dir.startsWith(top)) {
            throw new IOException(abs + " is not under " + top + "; refusing to write it");
        }
        List<Path> key = List.of(top, dir);
        if (!checked.contains(key)) {
            checkFolders(top, dir); // a refusal here is not remembered: the next file is checked again
            checked.add(key);
        }
        AtomicFiles.refuseLink(abs, "file");
    }

    /**
     * Writes the content to an exclusively created temporary file beside the (checked) target,
     * group first and mode second; the file is left open for its fsync.
     */
    private static Pending prepare(int index, Path target, String content, AtomicFiles.Mode mode) throws IOException {
        Path abs = target.toAbsolutePath().normalize();
        Path dir = abs.getParent();
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
                    view.setGroup(AtomicFiles.group(tmp, mode.group()));
                }
                view.setPermissions(mode.secret() ? AtomicFiles.SECRET : AtomicFiles.PUBLIC);
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

    /** The checks of {@link AtomicFiles#write(Path, Path, String, AtomicFiles.Mode)} from {@code top} down to {@code dir}, making what is missing. */
    private static void checkFolders(Path top, Path dir) throws IOException {
        if (Files.notExists(top, LinkOption.NOFOLLOW_LINKS)) {
            Files.createDirectories(top);
        }
        AtomicFiles.refuseLink(top, "folder");
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
            AtomicFiles.refuseLink(d, "folder");
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
}
