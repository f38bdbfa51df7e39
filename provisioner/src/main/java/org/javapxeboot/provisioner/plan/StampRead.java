package org.javapxeboot.provisioner.plan;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * A stamp read ahead, on another thread, while the caller checks its options and takes the output
 * lock (a no-op re-apply of 1 000 guests reads ~1 MB of stamp; its options and key cost as long).
 * The same thread starts the JDK's SHA-256 (its security providers' set-up, ~10 ms of a JVM's first
 * moments, needed by the key and the templates' digests). What it read is used only if the stamp,
 * looked at again under the lock, has the same device, inode, size and times as when it was read
 * (a stamp is only ever replaced by a rename, a new inode; an edit in place by its owner shows in its
 * times, or within one tick of the file system's clock in its size); otherwise the stamp is read again. It reads nothing that is not a regular file of this user, in a folder nobody
 * else can write (as the check itself).
 */
public final class StampRead {
    private final Path stamp;
    private final Thread thread;
    private volatile String status;
    private volatile String[] lines;

    private StampRead(Path stamp) {
        this.stamp = stamp;
        this.thread = new Thread(this::read, "stamp-read");
        thread.setDaemon(true);
    }

    /** Starts reading {@code stamp}. */
    public static StampRead start(Path stamp) {
        StampRead r = new StampRead(stamp);
        r.thread.start();
        return r;
    }

    private void read() {
        try {
            java.security.MessageDigest.getInstance("SHA-256");
        } catch (java.security.NoSuchAlgorithmException | RuntimeException e) {
            // the digests say so when they are made
        }
        try {
            if (!ApplyStamp.ours(stamp) || !ApplyStamp.ours(stamp.toAbsolutePath().normalize().getParent())) {
                return;
            }
            String before = status(stamp);
            String[] read = lines(stamp);
            if (before.equals(status(stamp))) {
                lines = read;
                status = before;
            }
        } catch (IOException | RuntimeException e) {
            // read again under the lock, which says why it cannot
        }
    }

    /** The stamp's lines: those read ahead if the stamp has not changed since, else read now. */
    String[] lines() throws IOException {
        StampCheck.join(thread);
        String[] ahead = lines;
        String was = status;
        return ahead != null && was.equals(status(stamp)) ? ahead : lines(stamp);
    }

    /** What shows any change of the stamp: type, device, inode, size, change and modification times. */
    private static String status(Path p) throws IOException {
        Map<String, Object> a = Files.readAttributes(p, "unix:mode,dev,ino,size,ctime,lastModifiedTime", LinkOption.NOFOLLOW_LINKS);
        return a.get("mode") + " " + a.get("dev") + " " + a.get("ino") + " " + a.get("size") + " " + ApplyStamp.nanos(a.get("ctime")) + " "
                + ApplyStamp.nanos(a.get("lastModifiedTime"));
    }

    /**
     * The stamp's lines (split at each newline, the last one after the final newline included, as
     * {@code split("\n", -1)} gives them), read in pieces: a stamp of 1 000 guests is ~1 MB, and a
     * whole-file read and split costs a short process more than the pieces (one large buffer for the
     * read, the text, then its lines). Never through a symbolic link.
     */
    static String[] lines(Path stamp) throws IOException {
        List<String> lines = new ArrayList<>(1024);
        try (java.nio.channels.FileChannel ch = java.nio.channels.FileChannel.open(stamp, java.nio.file.StandardOpenOption.READ,
                java.nio.file.LinkOption.NOFOLLOW_LINKS);
                java.io.Reader r = new java.io.InputStreamReader(java.nio.channels.Channels.newInputStream(ch),
                        java.nio.charset.StandardCharsets.UTF_8)) {
            char[] buf = new char[1 << 15];
            StringBuilder part = new StringBuilder(256);
            for (int n; (n = r.read(buf)) > 0; ) {
                int start = 0;
                for (int i = 0; i < n; i++) {
                    if (buf[i] == '\n') {
                        part.append(buf, start, i - start);
                        lines.add(part.toString());
                        part.setLength(0);
                        start = i + 1;
                    }
                }
                part.append(buf, start, n - start);
            }
            lines.add(part.toString());
        }
        return lines.toArray(new String[0]);
    }

}
