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
 * rename, with a chunk's fsyncs issued together and each folder fsynced once after its renames.
 */
final class AtomicBatch {
    private AtomicBatch() {
    }

    /** Files open at once in {@link AtomicFiles#writeAll}: each pending file holds one descriptor until renamed. */
    static final int CHUNK = 256;

    /** Threads that fsync a chunk's files at the same time (the journal commits them together). */
    static final int SYNC_THREADS = 32;

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
        List<Pending> pending = new ArrayList<>(to - from);
        Set<List<Path>> checked = new java.util.HashSet<>();
        try {
            for (int i = from; i < to; i++) {
                AtomicFiles.Item it = items.get(i);
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
     * Checks the target and its folders (see {@link AtomicFiles#write(Path, Path, String, AtomicFiles.Mode)}), then writes
     * the content to an exclusively created temporary file beside it, group first and mode second;
     * the file is left open for its fsync.
     */
    private static Pending prepare(int index, Path root, Path target, String content, AtomicFiles.Mode mode, Set<List<Path>> checked)
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
        AtomicFiles.refuseLink(abs, "file");
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
