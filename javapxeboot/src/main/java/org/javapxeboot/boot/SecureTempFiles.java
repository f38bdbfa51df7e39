package org.javapxeboot.boot;

import java.io.IOException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.List;

/**
 * Creates the kernel and ramdisk files the way mkstemp(3) does, as pygrub and xend expect:
 * {@code kernel.XXXXXX} with six unguessable characters, created exclusively (O_EXCL, so a symlink
 * planted by another user is never followed) with mode 0600. Remembers what it created so that a
 * failed boot leaves nothing behind.
 */
public final class SecureTempFiles implements AutoCloseable {
    private static final String ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
    private static final int ATTEMPTS = 100;

    private final Path dir;
    private final SecureRandom random;
    private final List<Path> created = new ArrayList<>();
    private boolean kept;

    public SecureTempFiles(Path dir, SecureRandom random) {
        this.dir = dir;
        this.random = random;
    }

    public SecureTempFiles(Path dir) { this(dir, new SecureRandom()); }

    /** Creates {@code dir/PREFIX.XXXXXX}, empty, mode 0600. */
    public Path create(String prefix) throws IOException {
        for (int i = 0; i < ATTEMPTS; i++) {
            StringBuilder name = new StringBuilder(prefix).append('.');
            for (int j = 0; j < 6; j++) name.append(ALPHABET.charAt(random.nextInt(ALPHABET.length())));
            Path p = dir.resolve(name.toString());
            try {
                Files.createFile(p, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
                created.add(p);
                return p;
            } catch (FileAlreadyExistsException e) {
                // another file has this name: draw again, as mkstemp does
            }
        }
        throw new IOException("could not create a unique " + prefix + ".XXXXXX in " + dir + " after " + ATTEMPTS + " attempts");
    }

    /** The boot succeeded: the files now belong to the toolstack, which deletes them after the domain starts. */
    public void keep() { kept = true; }

    /** Deletes every file created unless {@link #keep()} was called. */
    @Override
    public void close() {
        if (kept) return;
        for (Path p : created) {
            try {
                Files.deleteIfExists(p);
            } catch (IOException ignored) {
                // best effort: the error that brought us here is the one to report
            }
        }
        created.clear();
    }
}
