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
 * lock (a no-op re-apply of 1 000 guests reads ~1 MB of stamp; its options and key, whose SHA-256
 * sets up the JDK's security providers, cost as long). What it read is used only if the stamp,
 * looked at again under the lock, has the same device, inode, size and times as when it was read
 * (a stamp is only ever replaced by a rename, a new inode; an edit in place by its owner shows in
 * its times, or within one tick of the file system's clock in its size); otherwise the stamp is read
 * again. It reads nothing that is not a regular file of this user, in a folder nobody else can
 * write (as the check itself).
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
            if (ApplyStamp.ours(stamp) && ApplyStamp.ours(stamp.toAbsolutePath().normalize().getParent())) {
                String before = status(stamp);
                String[] read = lines(stamp);
                if (before.equals(status(stamp))) {
                    lines = read;
                    status = before;
                }
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
     * {@code split("\n", -1)} gives them), from one read of its bytes: a stamp of 1 000 guests is
     * ~1 MB, and decoding it through a reader and a builder cost twice as long. UTF-8 never has a
     * newline byte inside a character, so splitting the bytes first decodes each line as the whole
     * text would. Never through a symbolic link.
     */
    static String[] lines(Path stamp) throws IOException {
        byte[] b;
        try (java.nio.channels.FileChannel ch = java.nio.channels.FileChannel.open(stamp, java.nio.file.StandardOpenOption.READ,
                java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
            long size = ch.size();
            if (size > MAX_BYTES) {
                throw new IOException(stamp + " is larger than a stamp can be (" + size + " bytes)");
            }
            java.nio.ByteBuffer buf = java.nio.ByteBuffer.allocate((int) size);
            while (buf.hasRemaining() && ch.read(buf) > 0) {
                // a stamp that changes meanwhile is found changed by its status, and read again
            }
            b = buf.array();
            if (buf.hasRemaining()) {
                b = java.util.Arrays.copyOf(b, buf.position());
            }
        }
        List<String> lines = new ArrayList<>(1024);
        int start = 0;
        for (int i = 0; i < b.length; i++) {
            if (b[i] == '\n') {
                lines.add(new String(b, start, i - start, java.nio.charset.StandardCharsets.UTF_8));
                start = i + 1;
            }
        }
        lines.add(new String(b, start, b.length - start, java.nio.charset.StandardCharsets.UTF_8));
        return lines.toArray(new String[0]);
    }

    /** The largest stamp read (1 000 guests write ~1 MB). */
    static final long MAX_BYTES = 1L << 30;
}
