package org.javapxeboot.provisioner.plan;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReentrantLock;

/**
 * One writer per output tree: {@code provision apply} and the install server's ack both write
 * pxelinux entries, state and libvirt definitions of the same guests, and must not interleave.
 *
 * <p>Two locks, because one cannot do both jobs: a {@link ReentrantLock} per tree inside this JVM
 * (a second {@link FileChannel#tryLock} from the same JVM throws instead of waiting), and a POSIX
 * record lock ({@code fcntl}, what {@link FileChannel#lock} takes) on {@code OUT/.provision.lock}
 * between processes. The holder writes who it is into the lock file, so that the one that waits
 * too long can name it. Reentrant for the thread that holds it (apply inside the CLI's lock).
 */
public final class OutputLock implements AutoCloseable {
    public static final String FILE = ".provision.lock";

    /** What a lock waits for another holder at most unless told otherwise. */
    public static final Duration DEFAULT_WAIT = Duration.ofSeconds(30);

    private static final Map<Path, Tree> TREES = new ConcurrentHashMap<>();

    /** The state of one tree in this JVM; its file lock is held while the in-process lock is. */
    private static final class Tree {
        final ReentrantLock lock = new ReentrantLock();
        FileChannel channel;
        FileLock fileLock;
        String holder;
    }

    private final Tree tree;
    private boolean released;

    private OutputLock(Tree tree) {
        this.tree = tree;
    }

    /**
     * Takes the lock on {@code out}, waiting at most {@code wait}; {@code holder} says who takes it
     * ("provision apply (pid 123)"). Fails with an IOException that names the current holder.
     */
    public static OutputLock acquire(Path out, Duration wait, String holder) throws IOException {
        Path dir = out.toAbsolutePath().normalize();
        Tree t = TREES.get(dir);
        if (t == null) {
            Tree made = new Tree();
            t = TREES.putIfAbsent(dir, made); // (not computeIfAbsent: a no-op re-apply links no lambda)
            if (t == null) {
                t = made;
            }
        }
        long deadline = System.nanoTime() + wait.toNanos();
        boolean got;
        try {
            got = t.lock.tryLock(wait.toNanos(), TimeUnit.NANOSECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while waiting for the lock on " + dir, e);
        }
        if (!got) {
            throw busy(dir, wait, t.holder);
        }
        if (t.lock.getHoldCount() > 1) {
            return new OutputLock(t); // this thread holds the tree already
        }
        try {
            takeFileLock(t, dir, deadline, wait, holder);
        } catch (IOException | RuntimeException e) {
            t.lock.unlock();
            throw e;
        }
        t.holder = holder;
        return new OutputLock(t);
    }

    private static void takeFileLock(Tree t, Path dir, long deadline, Duration wait, String holder) throws IOException {
        Files.createDirectories(dir);
        Path file = dir.resolve(FILE);
        FileChannel ch = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.READ, StandardOpenOption.WRITE,
                LinkOption.NOFOLLOW_LINKS);
        try {
            FileLock fl;
            // fcntl locks cannot be waited for with a deadline: poll. Only another process makes this loop.
            while ((fl = ch.tryLock()) == null) {
                if (System.nanoTime() - deadline >= 0) {
                    throw busy(dir, wait, read(ch));
                }
                try {
                    Thread.sleep(50);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new IOException("interrupted while waiting for the lock on " + dir, e);
                }
            }
            ch.truncate(0);
            // not synced: only a waiter reads it, and a crash releases the lock with it
            ch.write(ByteBuffer.wrap((holder + " since " + utc(Instant.now().getEpochSecond()) + "\n").getBytes(StandardCharsets.UTF_8)), 0);
            t.channel = ch;
            t.fileLock = fl;
        } catch (IOException | RuntimeException e) {
            ch.close();
            throw e;
        }
    }

    /**
     * This process's id: the target of /proc/self (one readlink), else {@link ProcessHandle}, whose
     * set-up costs a short process such as a no-op re-apply 1-4 ms.
     */
    public static long pid() {
        try {
            return Long.parseLong(Files.readSymbolicLink(Path.of("/proc/self")).toString());
        } catch (IOException | RuntimeException e) {
            return ProcessHandle.current().pid();
        }
    }

    /**
     * {@code epochSecond} as ISO 8601 in UTC ("2026-12-05T10:30:00Z", as {@link Instant#toString} for
     * a whole second), without the JDK's formatters, whose set-up costs a short process a few ms.
     */
    static String utc(long epochSecond) {
        java.time.LocalDateTime t = java.time.LocalDateTime.ofEpochSecond(epochSecond, 0, java.time.ZoneOffset.UTC);
        StringBuilder b = new StringBuilder(20).append(t.toLocalDate()).append('T');
        two(b, t.getHour()).append(':');
        two(b, t.getMinute()).append(':');
        return two(b, t.getSecond()).append('Z').toString();
    }

    private static StringBuilder two(StringBuilder b, int v) {
        return b.append((char) ('0' + v / 10)).append((char) ('0' + v % 10));
    }

    private static String read(FileChannel ch) throws IOException {
        ByteBuffer b = ByteBuffer.allocate(512);
        ch.read(b, 0);
        return new String(b.array(), 0, b.position(), StandardCharsets.UTF_8).strip();
    }

    private static IOException busy(Path dir, Duration wait, String holder) {
        return new IOException(dir + " is locked by " + (holder == null || holder.isEmpty() ? "another writer" : holder)
                + " (waited " + wait.toSeconds() + " s; the lock is " + dir.resolve(FILE) + ")");
    }

    /** Whether the calling thread holds the lock on {@code out} already. */
    public static boolean heldByCurrentThread(Path out) {
        Tree t = TREES.get(out.toAbsolutePath().normalize());
        return t != null && t.lock.isHeldByCurrentThread();
    }

    /** Who holds the tree in this JVM, or null. */
    public static String holder(Path out) {
        Tree t = TREES.get(out.toAbsolutePath().normalize());
        return t == null || !t.lock.isLocked() ? null : t.holder;
    }

    @Override
    public void close() {
        if (released) {
            return;
        }
        released = true;
        if (tree.lock.getHoldCount() == 1) {
            try {
                if (tree.fileLock != null) {
                    tree.channel.truncate(0);
                    tree.fileLock.release();
                }
                if (tree.channel != null) {
                    tree.channel.close();
                }
            } catch (IOException ignored) {
                // closing the channel releases the lock whatever else failed
            } finally {
                tree.fileLock = null;
                tree.channel = null;
                tree.holder = null;
            }
        }
        tree.lock.unlock();
    }
}
