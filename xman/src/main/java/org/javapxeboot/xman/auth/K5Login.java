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
 * Checked on every request (one stat): when the file's modification or change time, size or inode
 * changes it is read again, so a principal removed from the file loses access with the next request.
 *
 * <p>Whoever can write the file can make himself an administrator, so it must be owned by root or
 * by the user xmand runs as, and writable by nobody else (group and others); otherwise every
 * request is refused and the error says why (k5login(5) trusts a file only when its owner is the
 * account's, for the same reason). The mode and owner are checked on every request.
 */
public final class K5Login {
    private final Path path;
    private Snapshot snapshot;

    private record Snapshot(Object fileKey, long mtimeNanos, long ctimeNanos, long size, Set<String> principals) {}

    private final java.util.Set<String> owners;
    private final Set<Integer> ownerUids = ownerUids();

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
        // One stat by number: the owner as a uid (a name would cost a passwd lookup, five system calls,
        // on every request); names only for the refusal's message.
        java.util.Map<String, Object> attrs;
        try {
            attrs = Files.readAttributes(path, "unix:uid,mode,fileKey,lastModifiedTime,ctime,size,isRegularFile");
        } catch (NoSuchFileException e) {
            snapshot = null;
            return false;
        }
        int uid = (Integer) attrs.get("uid");
        int mode = (Integer) attrs.get("mode");
        if (!ownerUids.contains(uid) || (mode & 022) != 0 || !(Boolean) attrs.get("isRegularFile")) {
            snapshot = null;
            String problem = untrusted(Files.readAttributes(path, PosixFileAttributes.class));
            throw new IOException(problem != null ? problem : path + " changed while it was checked; try again");
        }
        long mtime = ((java.nio.file.attribute.FileTime) attrs.get("lastModifiedTime")).to(java.util.concurrent.TimeUnit.NANOSECONDS);
        long ctime = ((java.nio.file.attribute.FileTime) attrs.get("ctime")).to(java.util.concurrent.TimeUnit.NANOSECONDS);
        long size = (Long) attrs.get("size");
        Snapshot s = snapshot;
        if (s == null || !java.util.Objects.equals(s.fileKey, attrs.get("fileKey")) || s.mtimeNanos != mtime || s.ctimeNanos != ctime || s.size != size) {
            s = new Snapshot(attrs.get("fileKey"), mtime, ctime, size, parse(Files.readAllLines(path, StandardCharsets.UTF_8)));
            snapshot = s;
        }
        return s.principals.contains(principal);
    }

    /** The uids the trusted owners have: root's and this process's. */
    private static Set<Integer> ownerUids() {
        Set<Integer> uids = new HashSet<>(List.of(0));
        try {
            uids.add((Integer) Files.getAttribute(Path.of("/proc/self"), "unix:uid"));
        } catch (IOException | UnsupportedOperationException e) {
            // root alone, then
        }
        return Set.copyOf(uids);
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
