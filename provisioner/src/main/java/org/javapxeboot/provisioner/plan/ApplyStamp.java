package org.javapxeboot.provisioner.plan;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.FileTime;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * What the last apply left behind, so that a re-apply with the same inputs can tell it has nothing
 * to do without parsing the YAML, opening the host, rendering and reading every output again.
 *
 * <p>Written by an apply that succeeded and converged, under the output lock, as
 * {@code OUT/state/apply.stamp}: a key (every setting that changes the plan, as text, given by the
 * caller; kept escaped as a printed line is), the lines that apply printed, and one line per file the plan
 * depends on with what a cheap {@code lstat} gives: device, inode, size, modification and change
 * times (nanoseconds), mode, owner, group; and for each output, a digest of the content the plan
 * wanted. {@link #check} takes it as valid only if the key is the same and every file still has
 * exactly that status. A change time cannot be set back by a user (any write, chmod, chown or
 * rename of the file sets it to now), so a file edited since gives a different line. Contents that
 * change without any visible status (templates, whose bytes are cheap to read) are compared by digest
 * each time. A file whose change time is not safely older than the stamp (written within
 * {@link #RACY_NANOS} before the stamp's own creation, or on another file system, whose clock cannot
 * be compared) could be edited in the same clock tick after it was looked at: its content is
 * compared by digest too.
 *
 * <p>The stamp is a file any writer of OUT can change; a changed or broken stamp can only make
 * {@link #check} fail (then apply plans in full), except that whoever can write OUT can also make a
 * stamp claiming their own edits are fine, as they could write the outputs themselves.
 */
public final class ApplyStamp {
    static final String MAGIC = "provision-apply-stamp 4";

    /** The first line of the key (a new format or key recipe gets a new number). */
    public static final String MAGIC_KEY = "provision-apply-key 4";

    /** Files changed this close before the stamp was begun are compared by content. */
    static final long RACY_NANOS = 1_000_000_000L;

    /** How a file is compared. */
    public enum Kind {
        /** An output: its status; its content's digest when racy. */
        OUTPUT,
        /**
         * A file the plan read (the YAML), through any symbolic link: its status; its content's
         * digest when racy (so a no-op re-apply need not read or hash it).
         */
        INPUT,
        /** A file whose bytes are always compared (a template). */
        CONTENT,
        /** A file disk: type, device, inode, size (its times change while the guest writes). */
        DISK,
        /** A file that may be absent (an ack's marker), or a folder: type, device, inode, mode, owner. */
        PRESENCE,
        /** The program's own files (its jars): type, device, inode, size, modification time. */
        PROGRAM
    }

    /**
     * One file: {@code digest} is the SHA-256 of the content the plan wanted (OUTPUT, CONTENT), else
     * null; {@code mode} the type and mode an OUTPUT must have (octal, as {@code stat}'s st_mode: "100640"), else null.
     */
    public record Entry(Kind kind, Path path, String digest, String mode) {
        public Entry(Kind kind, Path path, String digest) {
            this(kind, path, digest, null);
        }
    }

    private ApplyStamp() {
    }

    public static String sha256(byte[] bytes) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    public static String sha256(String s) {
        return sha256(s.getBytes(StandardCharsets.UTF_8));
    }

    /** An output wanted with {@code content}. */
    public static Entry output(Path p, String content) {
        return new Entry(Kind.OUTPUT, p.toAbsolutePath().normalize(), sha256(content));
    }

    /** An input the plan was made from, {@code planned} its bytes then. */
    public static Entry input(Path p, byte[] planned) {
        return new Entry(Kind.INPUT, p.toAbsolutePath().normalize(), sha256(planned));
    }

    /** A file whose bytes are compared at every check. */
    public static Entry content(Path p) throws IOException {
        return new Entry(Kind.CONTENT, p.toAbsolutePath().normalize(), sha256(Files.readAllBytes(p)));
    }

    public static Entry of(Kind kind, Path p) {
        return new Entry(kind, p.toAbsolutePath().normalize(), null);
    }

    /**
     * Writes the stamp at {@code stamp} (atomically: a temporary file, fsynced, renamed, folder
     * fsynced). Its temporary file is created first: its change time is the file system's clock
     * before any file is looked at, which tells which files are racy.
     */
    public static void record(Path stamp, String key, List<String> printed, List<Entry> entries) throws IOException {
        record(stamp, key, printed, entries, Long.MIN_VALUE);
    }

    /**
     * {@link #record}, after checking that every output is still what the plan wanted: its mode, and
     * for each output changed since {@code planBegunNanos} (the file system's clock, in nanoseconds,
     * a margin before the plan began), its content. An output edited or chmodded while the apply ran
     * is an IOException and no stamp is written: the next apply plans in full and puts it right.
     */
    public static void record(Path stamp, String key, List<String> printed, List<Entry> entries, long planBegunNanos) throws IOException {
        Path dir = stamp.toAbsolutePath().normalize().getParent();
        AtomicFiles.refuseLink(dir, "folder");
        // The caller holds the output lock: a temporary stamp already there is a crashed apply's; it goes.
        try (java.nio.file.DirectoryStream<Path> old = Files.newDirectoryStream(dir, "." + stamp.getFileName() + ".*.tmp")) {
            for (Path p : old) {
                Files.deleteIfExists(p);
            }
        }
        write(stamp, (b, clock) -> {
            b.append(MAGIC).append('\n').append(StampLine.encode(key)).append('\n').append(clock).append('\n');
            b.append(String.valueOf(printed.size())).append('\n');
            for (String line : printed) {
                b.append(StampLine.encode(line)).append('\n');
            }
            for (Entry e : entries) {
                String status = status(e);
                if (e.kind() == Kind.OUTPUT || e.kind() == Kind.INPUT) {
                    asPlanned(e, status, planBegunNanos);
                }
                b.append(e.kind().name()).append('\t').append(e.path().toString()).append('\t').append(status)
                        .append('\t').append(e.digest() == null ? "-" : e.digest()).append('\n');
            }
        });
    }

    /** What goes into a stamp, given the clock line ("DEV CTIME" of its temporary file). */
    private interface Body {
        void write(java.io.Writer out, String clock) throws IOException;
    }

    /**
     * Writes {@code stamp} atomically: a temporary file (0600: the stamp holds the digests of the
     * kickstarts, which are 0640, and a weak secret in one could be guessed offline), streamed,
     * fsynced, renamed, its folder fsynced. The temporary file is created first: its change time is
     * the file system's clock before any file is looked at, which tells which files are racy.
     */
    private static void write(Path stamp, Body body) throws IOException {
        Path dir = stamp.toAbsolutePath().normalize().getParent();
        Path tmp = dir.resolve("." + stamp.getFileName() + "." + OutputLock.pid() + "."
                + Long.toUnsignedString(System.nanoTime()) + ".tmp");
        try (FileChannel ch = FileChannel.open(tmp, Set.of(StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE,
                LinkOption.NOFOLLOW_LINKS), java.nio.file.attribute.PosixFilePermissions.asFileAttribute(
                java.nio.file.attribute.PosixFilePermissions.fromString("rw-------")))) {
            Map<String, Object> self = Files.readAttributes(tmp, "unix:dev,ctime", LinkOption.NOFOLLOW_LINKS);
            // streamed (a line per file: ~1 MB for 1000 guests, never held whole in memory)
            java.io.Writer b = new java.io.BufferedWriter(new java.io.OutputStreamWriter(
                    java.nio.channels.Channels.newOutputStream(ch), StandardCharsets.UTF_8), 1 << 16);
            body.write(b, self.get("dev") + " " + nanos(self.get("ctime")));
            b.flush(); // not closed here: the channel is closed by the try, after its fsync
            ch.force(true);
        } catch (IOException | RuntimeException e) {
            Files.deleteIfExists(tmp);
            throw e;
        }
        try {
            Files.move(tmp, stamp, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (IOException e) {
            Files.deleteIfExists(tmp);
            throw e;
        }
        AtomicFiles.syncFolder(dir);
    }

    /** Removes the stamp (before anything is changed, so that a failed apply leaves none). */
    public static void remove(Path stamp) throws IOException {
        Files.deleteIfExists(stamp);
    }

    /**
     * The lines the stamped apply printed, if {@code stamp} exists, has {@code key}, and every file
     * it lists is as it was; else empty (including any stamp that cannot be read or parsed).
     */
    public static Optional<List<String>> check(Path stamp, String key) {
        return StampCheck.check(stamp, key, null);
    }

    /** {@link #check(Path, String)} with the stamp's lines read ahead by {@code read} (if still current). */
    public static Optional<List<String>> check(Path stamp, String key, StampRead read) {
        return StampCheck.check(stamp, key, read);
    }

    static final int DIFFERENT = 0;
    static final int SAME = 1;
    static final int SAME_BY_CONTENT = 2;

    /**
     * How {@code e} compares with its recorded status, {@code line.substring(from, to)}: DIFFERENT,
     * SAME, or SAME_BY_CONTENT (same status, and the content, read because the status alone cannot
     * be trusted, is as planned). {@code scratch} holds the status now (its old content is dropped):
     * a check of thousands of files builds no string per file.
     */
    static int same(Entry e, String line, int from, int to, String stampDev, long begun, StringBuilder scratch) throws IOException {
        scratch.setLength(0);
        status(e.kind(), e.path(), scratch);
        if (!equal(line, from, to, scratch)) {
            return DIFFERENT;
        }
        if (e.kind() == Kind.CONTENT) {
            return line.startsWith("10 ", from) && e.digest().equals(sha256(Files.readAllBytes(e.path()))) ? SAME_BY_CONTENT : DIFFERENT;
        }
        if (e.kind() == Kind.OUTPUT || e.kind() == Kind.INPUT) {
            if (!line.startsWith("10 ", from)) {
                return DIFFERENT; // an output the stamp says is absent, or not a regular file: never a converged state
            }
            // type dev ino size ctime ...: the same device as the stamp's clock, and a change time safely before it
            int dev = from + 3;
            int ino = line.indexOf(' ', dev) + 1;
            int size = line.indexOf(' ', ino) + 1;
            int ctime = line.indexOf(' ', size) + 1;
            int end = line.indexOf(' ', ctime);
            if (ino > 0 && size > 0 && ctime > 0 && end > ctime && ino - 1 - dev == stampDev.length() && line.startsWith(stampDev, dev)
                    && Long.parseLong(line, ctime, end, 10) < begun - RACY_NANOS) {
                return SAME; // changed safely before the stamp was begun: its status says it all
            }
            return e.digest() != null && e.digest().equals(digestNow(e)) ? SAME_BY_CONTENT : DIFFERENT;
        }
        return SAME;
    }

    /**
     * After a check that had to compare outputs by content (written too close to the stamp to trust
     * their status), the same stamp again with a new clock: the one its new temporary file gets.
     * Every one of those outputs was just found as planned with the status recorded, so any change
     * to it from now on changes that status; once the new clock is {@link #RACY_NANOS} past their
     * change times, later checks trust their status and read none of them. Under the output lock, as
     * check; a failure leaves the old stamp, which stays right.
     */
    static void refresh(Path stamp, String[] lines) {
        try {
            write(stamp, (out, clock) -> {
                for (int i = 0; i < lines.length; i++) {
                    if (i == lines.length - 1 && lines[i].isEmpty()) {
                        break;
                    }
                    out.append(i == 2 ? clock : lines[i]).append('\n');
                }
            });
        } catch (IOException | RuntimeException e) {
            // the old stamp stays, and stays right
        }
    }

    /** The digest of an output's or input's content now (as {@link #output} or {@link #input} made it); null when absent. */
    private static String digestNow(Entry e) throws IOException {
        if (e.kind() == Kind.INPUT) {
            try {
                return sha256(Files.readAllBytes(e.path()));
            } catch (NoSuchFileException x) {
                return null;
            }
        }
        Optional<String> now = AtomicFiles.read(e.path());
        return now.isPresent() ? sha256(now.get()) : null;
    }

    private static final LinkOption[] NOFOLLOW = {LinkOption.NOFOLLOW_LINKS};
    private static final LinkOption[] FOLLOW = {};

    /** True if {@code line.substring(from, to)} has the characters of {@code b}. */
    private static boolean equal(String line, int from, int to, StringBuilder b) {
        if (b.length() != to - from) {
            return false;
        }
        for (int i = 0; i < b.length(); i++) {
            if (line.charAt(from + i) != b.charAt(i)) {
                return false;
            }
        }
        return true;
    }

    /** What is compared of the file, from one lstat (a stat for an input): "absent" when it does not exist. */
    static String status(Entry e) throws IOException {
        StringBuilder b = new StringBuilder(96);
        status(e.kind(), e.path(), b);
        return b.toString();
    }

    /**
     * Appends what is compared of the file at {@code p} (as {@link #status(Entry)}, the one format of
     * both the stamp's lines and the check): the file's type and numbers from one lstat, appended
     * without a string of their own.
     */
    static void status(Kind kind, Path p, StringBuilder b) throws IOException {
        Map<String, Object> a;
        try {
            a = Files.readAttributes(p, "unix:dev,ino,size,lastModifiedTime,ctime,mode,uid,gid",
                    kind == Kind.INPUT ? FOLLOW : NOFOLLOW);
        } catch (NoSuchFileException x) {
            b.append("absent");
            return;
        }
        int mode = (Integer) a.get("mode");
        switch (kind) {
            case OUTPUT:
            case INPUT:
            case CONTENT:
                // type dev ino size ctime mtime mode uid gid (type: 10 regular file, 4 folder, 12 link, 1 FIFO...)
                octal(b, mode >>> 12).append(' ').append((long) (Long) a.get("dev")).append(' ').append((long) (Long) a.get("ino"))
                        .append(' ').append((long) (Long) a.get("size")).append(' ').append(nanos(a.get("ctime"))).append(' ')
                        .append(nanos(a.get("lastModifiedTime"))).append(' ');
                octal(b, mode).append(' ').append((int) (Integer) a.get("uid")).append(' ').append((int) (Integer) a.get("gid"));
                return;
            case DISK:
                octal(b, mode >>> 12).append(' ').append((long) (Long) a.get("dev")).append(' ').append((long) (Long) a.get("ino"))
                        .append(' ').append((long) (Long) a.get("size"));
                return;
            case PRESENCE:
                octal(b, mode).append(' ').append((long) (Long) a.get("dev")).append(' ').append((long) (Long) a.get("ino"))
                        .append(' ').append((int) (Integer) a.get("uid")).append(' ').append((int) (Integer) a.get("gid"));
                return;
            case PROGRAM:
            default:
                octal(b, mode).append(' ').append((long) (Long) a.get("dev")).append(' ').append((long) (Long) a.get("ino"))
                        .append(' ').append((long) (Long) a.get("size")).append(' ').append(nanos(a.get("lastModifiedTime")));
        }
    }

    /** Appends {@code v} in octal, as {@link Integer#toOctalString} writes it. */
    static StringBuilder octal(StringBuilder b, int v) {
        int shift = 30;
        while (shift > 0 && (v >>> shift) == 0) {
            shift -= 3;
        }
        for (; shift >= 0; shift -= 3) {
            b.append((char) ('0' + ((v >>> shift) & 7)));
        }
        return b;
    }

    /** Throws unless the output {@code e}, whose status is {@code status}, is what the plan wanted (see {@link #record}). */
    private static void asPlanned(Entry e, String status, long planBegunNanos) throws IOException {
        String[] s = status.split(" ");
        if (s.length < 9 || !s[0].equals("10")) {
            throw new IOException(e.path() + " is gone or not a regular file since the plan");
        }
        if (e.mode() != null && !s[6].equals(e.mode())) {
            throw new IOException(e.path() + " has mode " + s[6] + ", not " + e.mode() + " as planned");
        }
        if (Long.parseLong(s[4]) >= planBegunNanos) {
            if (e.digest() == null || !e.digest().equals(digestNow(e))) {
                throw new IOException(e.path() + " changed while apply ran");
            }
        }
    }

    /** A regular file or folder owned by this process's user and writable by nobody else (a stamp root may trust). */
    static boolean ours(Path p) throws IOException {
        Map<String, Object> a = Files.readAttributes(p, "unix:uid,mode", LinkOption.NOFOLLOW_LINKS);
        int mode = (Integer) a.get("mode");
        int type = mode >>> 12;
        return (type == 010 || type == 04) && (mode & 022) == 0 && a.get("uid").equals(SELF_UID);
    }

    private static final Object SELF_UID = selfUid();

    private static Object selfUid() {
        try {
            return Files.getAttribute(Path.of("/proc/self"), "unix:uid");
        } catch (IOException | RuntimeException e) {
            return -1; // no stamp is ever trusted
        }
    }

    /** A time of {@code stat} in nanoseconds since the epoch (as the file system keeps it). */
    static long nanos(Object fileTime) {
        return ((FileTime) fileTime).to(java.util.concurrent.TimeUnit.NANOSECONDS);
    }
}
