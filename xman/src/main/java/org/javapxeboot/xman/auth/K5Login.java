package org.javapxeboot.xman.auth;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFileAttributes;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * The host's list of administrators: a {@code .k5login} file, one principal per line (k5login(5)).
 * Checked on every request: when the file's modification time, size or inode changes it is read
 * again, so a principal removed from the file loses access with the next request.
 *
 * <p>Whoever can write the file can make himself an administrator, so it must be owned by root or
 * by the user xmand runs as, and writable by nobody else (group and others); otherwise every
 * request is refused and the error says why (k5login(5) trusts a file only when its owner is the
 * account's, for the same reason). The mode and owner are checked on every request.
 */
public final class K5Login {
    private final Path path;
    private Snapshot snapshot;

    private record Snapshot(Object fileKey, long mtimeNanos, long size, Set<String> principals) {}

    private final java.util.Set<String> owners;

    /** Trusts files owned by root or by the user this JVM runs as (the daemon user). */
    public K5Login(Path path) {
        this.path = path;
        this.owners = new java.util.TreeSet<>(java.util.List.of("root", System.getProperty("user.name")));
    }

    public Path path() { return path; }

    /**
     * True if the principal is listed. A missing file allows nobody; an unreadable one, or one
     * owned or writable by others, is an IOException saying why (every request is refused).
     */
    public synchronized boolean allows(String principal) throws IOException {
        PosixFileAttributes attrs;
        try {
            attrs = Files.readAttributes(path, PosixFileAttributes.class);
        } catch (NoSuchFileException e) {
            snapshot = null;
            return false;
        }
        String problem = untrusted(attrs);
        if (problem != null) {
            snapshot = null;
            throw new IOException(problem);
        }
        long mtime = attrs.lastModifiedTime().to(java.util.concurrent.TimeUnit.NANOSECONDS);
        Snapshot s = snapshot;
        if (s == null || !java.util.Objects.equals(s.fileKey, attrs.fileKey()) || s.mtimeNanos != mtime || s.size != attrs.size()) {
            s = new Snapshot(attrs.fileKey(), mtime, attrs.size(), parse(Files.readAllLines(path, StandardCharsets.UTF_8)));
            snapshot = s;
        }
        return s.principals.contains(principal);
    }

    /** Why the file cannot be trusted, or null. */
    private String untrusted(PosixFileAttributes a) {
        String owner = a.owner().getName();
        java.util.Set<PosixFilePermission> writable = java.util.EnumSet.of(PosixFilePermission.GROUP_WRITE, PosixFilePermission.OTHERS_WRITE);
        writable.retainAll(a.permissions());
        String mode = PosixFilePermissions.toString(a.permissions());
        if (!owners.contains(owner)) {
            return path + " is owned by " + owner + " (mode " + mode + "), not by " + String.join(" or ", new java.util.TreeSet<>(owners))
                    + ": whoever owns it can make himself an administrator, so it is not used; chown root " + path;
        }
        if (!writable.isEmpty()) {
            return path + " (owner " + owner + ", mode " + mode + ") is writable by " + (writable.size() == 2 ? "group and others"
                    : writable.contains(PosixFilePermission.GROUP_WRITE) ? "its group" : "others")
                    + ": anyone who can write it can make himself an administrator, so it is not used; chmod go-w " + path;
        }
        if (!a.isRegularFile()) return path + " is not a regular file";
        return null;
    }

    /** Blank lines and '#' comments are skipped (MIT ignores them as non-principals too). */
    public static Set<String> parse(List<String> lines) {
        Set<String> set = new HashSet<>();
        for (String line : lines) {
            String t = line.trim();
            if (!t.isEmpty() && !t.startsWith("#")) set.add(t);
        }
        return set;
    }
}
