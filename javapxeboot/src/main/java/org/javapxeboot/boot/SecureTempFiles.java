package org.javapxeboot.boot;

import java.io.IOException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * Creates the kernel and ramdisk files the way mkstemp(3) does, as pygrub and xend expect:
 * {@code kernel.XXXXXX} with six unguessable characters, created exclusively (O_EXCL, so a symlink
 * planted by another user is never followed) with mode 0600. Remembers what it created so that a
 * failed boot leaves nothing behind.
 *
 * <p>That includes a boot ended by SIGTERM or SIGINT (the toolstack giving up, an admin's Ctrl-C):
 * a shutdown hook deletes every file not yet handed over. Handing over ({@link #handOver}: write the
 * stanza, then keep the files) and the hook exclude each other, so a file is either deleted before
 * the stanza naming it is written or never: once Xen can read its name, it is Xen's. After the hook
 * has run no new file can be created.
 */
public final class SecureTempFiles implements AutoCloseable {
    private static final String ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
    private static final int ATTEMPTS = 100;

    /** The process's files not yet handed over, which its shutdown hook deletes. */
    private static final Pending PROCESS = new Pending(true);

    private final Path dir;
    private final SecureRandom random;
    private final Pending pending;
    private final List<Path> created = new ArrayList<>();
    private boolean kept;

    SecureTempFiles(Path dir, SecureRandom random, Pending pending) {
        this.dir = dir;
        this.random = random;
        this.pending = pending;
    }

    public SecureTempFiles(Path dir, SecureRandom random) { this(dir, random, PROCESS); }

    public SecureTempFiles(Path dir) { this(dir, new SecureRandom()); }

    /**
     * Files created and neither handed over nor deleted, across every instance that shares it; one
     * per process in production, whose shutdown hook calls {@link #deleteAll}. Guarded by itself.
     */
    static final class Pending {
        private final Set<Path> files = new LinkedHashSet<>();
        private final boolean installHook;
        private boolean hookInstalled;
        private boolean shuttingDown;

        Pending(boolean installHook) { this.installHook = installHook; }

        /** The files a signal would delete now. */
        synchronized List<Path> files() { return List.copyOf(files); }

        /** What the shutdown hook does: delete what was not handed over, and refuse to create more. */
        synchronized void deleteAll() {
            shuttingDown = true;
            files.forEach(SecureTempFiles::delete);
            files.clear();
        }

        private void installHook() {
            if (!installHook || hookInstalled) return;
            hookInstalled = true;
            // Runs on SIGTERM, SIGINT, SIGHUP and System.exit; after a normal end nothing is pending.
            Runtime.getRuntime().addShutdownHook(new Thread(this::deleteAll, "javapxeboot-cleanup"));
        }
    }

    /** Something to do while the files cannot be deleted by a signal: writing the stanza. */
    public interface Handover<E extends Exception> {
        void run() throws E;
    }

    /** Creates {@code dir/PREFIX.XXXXXX}, empty, mode 0600. */
    public Path create(String prefix) throws IOException {
        for (int i = 0; i < ATTEMPTS; i++) {
            StringBuilder name = new StringBuilder(prefix).append('.');
            for (int j = 0; j < 6; j++) name.append(ALPHABET.charAt(random.nextInt(ALPHABET.length())));
            Path p = dir.resolve(name.toString());
            synchronized (pending) {
                if (pending.shuttingDown) {
                    throw new IOException("not creating " + prefix + ".XXXXXX: the bootloader is shutting down");
                }
                pending.installHook();
                try {
                    Files.createFile(p, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
                } catch (FileAlreadyExistsException e) {
                    continue; // another file has this name: draw again, as mkstemp does
                }
                created.add(p);
                pending.files.add(p);
                return p;
            }
        }
        throw new IOException("could not create a unique " + prefix + ".XXXXXX in " + dir + " after " + ATTEMPTS + " attempts");
    }

    /**
     * Runs {@code writeStanza} and, if it returns normally, keeps the files: they now belong to the
     * toolstack, which deletes them after the domain starts. A signal arriving meanwhile waits for
     * this to end and then deletes nothing of ours.
     */
    public <E extends Exception> void handOver(Handover<E> writeStanza) throws E, IOException {
        synchronized (pending) {
            // A signal that came first has deleted our files: a stanza naming them would send Xen to nothing.
            if (pending.shuttingDown) throw new IOException("not writing the stanza: the bootloader is shutting down and its files are gone");
            writeStanza.run();
            kept = true;
            created.forEach(pending.files::remove);
        }
    }

    /** Deletes every file created unless they were handed over. */
    @Override
    public void close() {
        if (kept) return;
        synchronized (pending) {
            for (Path p : created) {
                delete(p);
                pending.files.remove(p);
            }
        }
        created.clear();
    }

    private static void delete(Path p) {
        try {
            Files.deleteIfExists(p);
        } catch (IOException ignored) {
            // best effort: the error that brought us here is the one to report
        }
    }
}
