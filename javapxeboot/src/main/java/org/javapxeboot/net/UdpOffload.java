package org.javapxeboot.net;

import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URISyntaxException;
import java.net.URL;
import java.net.UnknownHostException;
import java.nio.ByteBuffer;
import java.nio.channels.DatagramChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.CodeSource;

/**
 * Linux UDP segmentation offload for a {@link DatagramChannel}: {@code UDP_SEGMENT} (GSO, one send of up
 * to 64 equal-sized datagrams that the kernel cuts) and {@code UDP_GRO} (one receive returns several
 * datagrams of one flow, coalesced). Java 17 has no socket option for either, so a small JNI library
 * ({@code src/main/c/udpoffload.c}, built by {@code mvn package} when a C compiler is present) sets them.
 *
 * <p>Everything here is optional: when the library is missing or the kernel refuses, callers fall back
 * to one datagram per system call, which is correct everywhere, only slower. The library is looked
 * for at the system property {@value #PROPERTY}, else at {@code native/libjavapxeboot.so} next to the
 * directory or jar these classes come from (so {@code target/classes} and {@code target/javapxeboot.jar}
 * both find {@code target/native/}), and in {@code ../native/} of a jar copied to a {@code lib/} folder;
 * failing those, the copy bundled in the jar is used (see {@link #resourceName}).
 * Setting the property to {@code off} disables offload.
 */
public final class UdpOffload {
    /** System property naming the library file, or {@code off}. */
    public static final String PROPERTY = "javapxeboot.native";
    /** linux/udp.h */
    static final int UDP_SEGMENT = 103, UDP_GRO = 104;
    /** The kernel's cap on segments in one GSO send (UDP_MAX_SEGMENTS, 64 before Linux 6.4). */
    public static final int MAX_SEGMENTS = 64;
    /** The largest UDP payload of one send: 65535 minus the IPv4 and UDP headers. */
    public static final int MAX_PAYLOAD = 65507;

    /** Where the library was loaded from (a file, or the jar's resource), or null. */
    private static String loadedFrom;
    private static final String STATUS = load();

    private UdpOffload() {}

    /**
     * The class-path resource holding the library built for this machine's architecture: {@code mvn compile}
     * puts a copy into the jar, so a jar taken from a Maven repository, without {@code native/} beside it,
     * still has offload on the machine kind it was built on.
     */
    static String resourceName(String osArch) {
        return "native/linux-" + osArch + "/libjavapxeboot.so";
    }

    private static String load() {
        String prop = System.getProperty(PROPERTY);
        if ("off".equals(prop)) return "disabled by -D" + PROPERTY + "=off";
        if (!System.getProperty("os.name", "").equals("Linux")) return "not Linux";
        if (prop != null && !prop.isEmpty()) return loadFile(new File(prop));
        File beside = besideCode();
        if (beside != null && beside.isFile()) return loadFile(beside);
        String res = resourceName(System.getProperty("os.arch", ""));
        URL url = UdpOffload.class.getResource(res);
        if (url == null) {
            return "no native library" + (beside == null ? "" : " at " + beside) + " nor a " + res + " resource in the jar";
        }
        return loadResource(url);
    }

    private static String loadFile(File lib) {
        if (!lib.isFile()) return "no native library at " + lib;
        try {
            System.load(lib.getAbsolutePath());
            loadedFrom = lib.getAbsolutePath();
            return null;
        } catch (UnsatisfiedLinkError | SecurityException e) {
            return "cannot load " + lib + ": " + e.getMessage();
        }
    }

    /**
     * Copies the bundled library to a private temporary file, loads it and deletes the file at once:
     * the mapping outlives the name on Linux, so nothing is left in the temporary directory, not even
     * after a crash later on.
     */
    static String loadResource(URL url) {
        Path tmp = null;
        try {
            tmp = Files.createTempFile("libjavapxeboot", ".so",
                PosixFilePermissions.asFileAttribute(
                    PosixFilePermissions.fromString("rwx------")));
            try (InputStream in = url.openStream()) {
                Files.copy(in, tmp, StandardCopyOption.REPLACE_EXISTING);
            }
            System.load(tmp.toString());
            loadedFrom = url.toString();
            return null;
        } catch (IOException | UnsatisfiedLinkError | SecurityException | UnsupportedOperationException e) {
            return "cannot load " + url + ": " + e.getMessage();
        } finally {
            if (tmp != null) {
                try {
                    Files.deleteIfExists(tmp);
                } catch (IOException ignored) {
                    // the temporary directory is unwritable now; nothing more to do
                }
            }
        }
    }

    private static File besideCode() {
        try {
            CodeSource cs = UdpOffload.class.getProtectionDomain().getCodeSource();
            if (cs == null || cs.getLocation() == null || !"file".equals(cs.getLocation().getProtocol())) return null;
            File parent = new File(cs.getLocation().toURI()).getParentFile();
            if (parent == null) return null;
            File f = new File(parent, "native/libjavapxeboot.so");
            if (!f.isFile() && parent.getName().equals("lib") && parent.getParentFile() != null) {
                File g = new File(parent.getParentFile(), "native/libjavapxeboot.so");
                if (g.isFile()) return g;
            }
            return f;
        } catch (URISyntaxException | SecurityException | IllegalArgumentException e) {
            return null;
        }
    }

    /** True when the native library is loaded (the kernel may still refuse an option; see the setters). */
    public static boolean available() {
        return STATUS == null;
    }

    /** Where the library was loaded from (a file path or a jar resource URL), or null when it is not loaded. */
    public static String loadedFrom() {
        return loadedFrom;
    }

    /** Why offload is unavailable, or null when the library is loaded. */
    public static String unavailableReason() {
        return STATUS;
    }

    /**
     * Turns on UDP_GRO for {@code ch}: a receive may then return several datagrams of one flow
     * back to back, each but the last exactly as long as the first. The receive buffer must hold
     * {@link #MAX_PAYLOAD} bytes, or the tail is silently cut.
     *
     * @return true when the option is on
     */
    public static boolean enableGro(DatagramChannel ch) {
        return available() && ch.isOpen() && setUdpOption0(ch, UDP_GRO, 1) == 0;
    }

    /**
     * Sets UDP_SEGMENT on {@code ch}: every later send longer than {@code size} bytes is cut by the kernel
     * into datagrams of {@code size} (the last may be shorter). {@code size} plus the IP and UDP headers
     * must fit the path MTU. 0 turns it off.
     *
     * @return true when the option is set
     */
    public static boolean setSegmentSize(DatagramChannel ch, int size) {
        return available() && ch.isOpen() && setUdpOption0(ch, UDP_SEGMENT, size) == 0;
    }

    /** The UDP_SEGMENT size of {@code ch}, 0 when off, negative errno when it cannot be read. */
    public static int segmentSize(DatagramChannel ch) {
        if (!ch.isOpen()) return EBADF;
        return available() ? getUdpOption0(ch, UDP_SEGMENT) : ENOSYS;
    }

    /** True when UDP_GRO is on for {@code ch}. */
    public static boolean groEnabled(DatagramChannel ch) {
        return available() && ch.isOpen() && getUdpOption0(ch, UDP_GRO) > 0;
    }

    /**
     * The descriptor of {@code ch} for {@link #receive}, or a negative errno. Valid while the channel is
     * open: a closed channel's number may already belong to another file.
     */
    public static int fd(DatagramChannel ch) {
        if (!ch.isOpen()) return EBADF;
        return available() ? fd0(ch) : ENOSYS;
    }

    private static final int EBADF = -9, ENOSYS = -38;

    /** {@code -EAGAIN}: nothing queued. */
    public static final int EAGAIN = -11;

    /**
     * One non-blocking receive into {@code buf} (a direct buffer; position..limit) that also reports
     * UDP_GRO's segment size, which {@link DatagramChannel#receive} drops. Does not move the buffer's
     * position. {@code meta} (8 ints) receives: [0] the size of each coalesced datagram (0: a single
     * one), [1] 1 when the datagram did not fit, [2] the source port, [3] 4 or 6, [4..7] the source address.
     *
     * @return the byte count, {@link #EAGAIN} when nothing is queued, or another negative errno
     */
    public static int receive(int fd, ByteBuffer buf, int[] meta) {
        return recv0(fd, buf, buf.position(), buf.limit(), meta);
    }

    /**
     * Turns the source that {@link #receive} reported in {@code meta} into an address, reusing the previous
     * one while the source stays the same (no allocation per datagram). IPv4-mapped IPv6 addresses come
     * back as IPv4, as {@link DatagramChannel#receive} returns them. Not thread-safe.
     */
    public static final class Sources {
        private InetSocketAddress last;
        private int port = -1, w0, w1, w2, w3;

        public InetSocketAddress of(int[] meta) {
            int a0 = meta[4], a1 = meta[5], a2 = meta[6], a3 = meta[7];
            if (meta[3] == 4) {
                a3 = a0;
                a0 = 0;
                a1 = 0;
                a2 = 0xFFFF;
            }
            if (last != null && meta[2] == port && a0 == w0 && a1 == w1 && a2 == w2 && a3 == w3) return last;
            byte[] b;
            if (a0 == 0 && a1 == 0 && a2 == 0xFFFF) {
                b = new byte[] {(byte) (a3 >> 24), (byte) (a3 >> 16), (byte) (a3 >> 8), (byte) a3};
            } else {
                b = new byte[16];
                int[] w = {a0, a1, a2, a3};
                for (int i = 0; i < 4; i++) {
                    b[4 * i] = (byte) (w[i] >> 24);
                    b[4 * i + 1] = (byte) (w[i] >> 16);
                    b[4 * i + 2] = (byte) (w[i] >> 8);
                    b[4 * i + 3] = (byte) w[i];
                }
            }
            try {
                last = new InetSocketAddress(InetAddress.getByAddress(b), meta[2]);
            } catch (UnknownHostException e) {
                throw new IllegalStateException("address of " + b.length + " bytes", e); // cannot happen: 4 or 16
            }
            port = meta[2];
            w0 = a0;
            w1 = a1;
            w2 = a2;
            w3 = a3;
            return last;
        }
    }

    private static native int fd0(DatagramChannel ch);

    private static native int recv0(int fd, ByteBuffer buf, int pos, int limit, int[] meta);

    private static native int setUdpOption0(DatagramChannel ch, int option, int value);

    private static native int getUdpOption0(DatagramChannel ch, int option);
}
