package org.javapxeboot.provisioner.xman;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * The host's list of administrators: a {@code .k5login} file, one principal per line (k5login(5)).
 * Checked on every request: when the file's modification time, size or inode changes it is read
 * again, so a principal removed from the file loses access with the next request.
 */
public final class K5Login {
    private final Path path;
    private Snapshot snapshot;

    private record Snapshot(Object fileKey, long mtimeNanos, long size, Set<String> principals) {}

    public K5Login(Path path) {
        this.path = path;
    }

    public Path path() { return path; }

    /** True if the principal is listed. A missing or unreadable file allows nobody. */
    public synchronized boolean allows(String principal) throws IOException {
        BasicFileAttributes attrs;
        try {
            attrs = Files.readAttributes(path, BasicFileAttributes.class);
        } catch (NoSuchFileException e) {
            snapshot = null;
            return false;
        }
        long mtime = attrs.lastModifiedTime().to(java.util.concurrent.TimeUnit.NANOSECONDS);
        Snapshot s = snapshot;
        if (s == null || !java.util.Objects.equals(s.fileKey, attrs.fileKey()) || s.mtimeNanos != mtime || s.size != attrs.size()) {
            s = new Snapshot(attrs.fileKey(), mtime, attrs.size(), parse(Files.readAllLines(path, StandardCharsets.UTF_8)));
            snapshot = s;
        }
        return s.principals.contains(principal);
    }

    /** Blank lines and '#' comments are skipped (MIT ignores them as non-principals too). */
    static Set<String> parse(List<String> lines) {
        Set<String> set = new HashSet<>();
        for (String line : lines) {
            String t = line.trim();
            if (!t.isEmpty() && !t.startsWith("#")) set.add(t);
        }
        return set;
    }
}
