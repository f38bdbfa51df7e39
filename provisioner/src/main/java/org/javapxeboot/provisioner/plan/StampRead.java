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
 * lock (a no-op re-apply of 1 000 guests reads ~1 MB of stamp; its options and key cost as long),
 * then sets up the JDK's SHA-256 for the check's digests. What it read is used only if the stamp,
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
        // a class, not a method reference: no method handle is linked for it at run time
        this.thread = new Thread(new Runnable() {
            @Override
            public void run() {
                read();
            }
        }, "stamp-read");
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
        // Then, on a thread of its own (the check waits for this one only), the JDK's SHA-256: its
        // security providers' set-up, ~10 ms of a JVM's first moments, which the templates' digests need.
        Thread sha = new Thread(new Runnable() {
            @Override
            public void run() {
                try {
                    java.security.MessageDigest.getInstance("SHA-256");
                } catch (java.security.NoSuchAlgorithmException | RuntimeException e) {
                    // the digests say so when they are made
                }
            }
        }, "sha-256");
        sha.setDaemon(true);
        sha.start();
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
     * {@code split("\n", -1)} gives them), read in pieces of 64 KiB and split at newline bytes: a
     * stamp of 1 000 guests is ~1 MB, and neither a reader decoding it through a builder nor one
     * array of the whole file (new heap pages, each a page fault) is as cheap. UTF-8 never has a
     * newline byte inside a character, so each line decodes as the whole text would. Never through a
     * symbolic link.
     */
    static String[] lines(Path stamp) throws IOException {
        List<String> lines = new ArrayList<>(1024);
        try (java.nio.channels.FileChannel ch = java.nio.channels.FileChannel.open(stamp, java.nio.file.StandardOpenOption.READ,
                java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
            if (ch.size() > MAX_BYTES) {
                throw new IOException(stamp + " is larger than a stamp can be (" + ch.size() + " bytes)");
            }
            byte[] buf = new byte[1 << 16];
            int kept = 0; // the start of a line not ended yet, at buf[0]
            long total = 0;
            for (int n; (n = ch.read(java.nio.ByteBuffer.wrap(buf, kept, buf.length - kept))) > 0; ) {
                total += n;
                if (total > MAX_BYTES) {
                    throw new IOException(stamp + " is larger than a stamp can be");
                }
                int end = kept + n;
                int start = 0;
                for (int i = kept; i < end; i++) {
                    if (buf[i] == '\n') {
                        lines.add(new String(buf, start, i - start, java.nio.charset.StandardCharsets.UTF_8));
                        start = i + 1;
                    }
                }
                kept = end - start;
                if (start == 0 && kept == buf.length) {
                    buf = java.util.Arrays.copyOf(buf, buf.length * 2); // a line longer than the buffer
                } else {
                    System.arraycopy(buf, start, buf, 0, kept);
                }
            }
            lines.add(new String(buf, 0, kept, java.nio.charset.StandardCharsets.UTF_8));
        }
        return lines.toArray(new String[0]);
    }

    /** The largest stamp read: 1 000 guests write ~1 MB, so 256 MiB is far beyond any site, and within a heap. */
    static final long MAX_BYTES = 256L << 20;
}
