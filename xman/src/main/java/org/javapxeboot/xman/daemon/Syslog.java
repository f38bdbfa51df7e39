package org.javapxeboot.xman.daemon;

import org.javapxeboot.xman.text.Escape;

import com.sun.jna.Library;
import com.sun.jna.Native;

import java.io.IOException;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.Map;

/**
 * RFC 5424 syslog: a pure formatter plus transports. UDP (RFC 5426) to a configured server, or
 * the local socket /dev/log, which is a Unix datagram socket: Java 17's DatagramChannel has no
 * Unix-domain support, so that transport calls libc through JNA (already shipped for libvirt).
 */
public final class Syslog {
    public static final int FACILITY_AUTHPRIV = 10;
    public static final int SEVERITY_WARNING = 4;
    public static final int SEVERITY_NOTICE = 5;
    /** RFC 5612's documentation enterprise number: the SD-ID is ours without registering one. */
    public static final String SD_ID = "xman@32473";
    /** RFC 5426 section 3.2: receivers should take 2048 octets; longer messages are cut. */
    public static final int MAX_MESSAGE = 2048;

    private static final DateTimeFormatter TIME = DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH:mm:ss.SSSSSSXXX").withZone(ZoneOffset.UTC);

    private Syslog() {}

    /** One RFC 5424 message: {@code <PRI>1 TIMESTAMP HOST APP PROCID MSGID [SD] MSG}. */
    public static byte[] format(int facility, int severity, Instant time, String host, String app, long pid,
                                String msgid, Map<String, String> params, String msg) {
        StringBuilder sb = new StringBuilder();
        sb.append('<').append(facility * 8 + severity).append(">1 ").append(TIME.format(time)).append(' ')
                .append(header(host, 255)).append(' ').append(header(app, 48)).append(' ').append(pid).append(' ')
                .append(header(msgid, 32)).append(' ');
        if (params.isEmpty()) sb.append('-');
        else {
            sb.append('[').append(SD_ID);
            for (Map.Entry<String, String> e : params.entrySet()) {
                if (e.getValue() == null) continue;
                sb.append(' ').append(e.getKey()).append("=\"");
                // Section 6.3.3: '"', '\' and ']' are escaped in PARAM-VALUE.
                for (char c : e.getValue().toCharArray()) {
                    if (c == '"' || c == '\\' || c == ']') sb.append('\\');
                    if (Escape.control(c)) sb.append(String.format("\\x%02x", (int) c));
                    else sb.append(c);
                }
                sb.append('"');
            }
            sb.append(']');
        }
        if (msg != null && !msg.isEmpty()) sb.append(' ').append(Escape.line(msg.replace('\n', ' ')));
        byte[] b = sb.toString().getBytes(StandardCharsets.UTF_8);
        if (b.length > MAX_MESSAGE) b = java.util.Arrays.copyOf(b, MAX_MESSAGE);
        return b;
    }

    /** Header fields are PRINTUSASCII without spaces (section 6); "-" is the nil value. */
    private static String header(String s, int max) {
        if (s == null || s.isEmpty()) return "-";
        StringBuilder sb = new StringBuilder();
        for (char c : s.toCharArray()) {
            if (sb.length() == max) break;
            sb.append(c > 32 && c < 127 ? c : '_');
        }
        return sb.toString();
    }

    /** Where messages go. Sending never throws: a lost audit copy must not fail the request. */
    public interface Transport extends AutoCloseable {
        void send(byte[] message) throws IOException;

        @Override
        void close();
    }

    /** Parses {@code off}, {@code udp:HOST:PORT} (default port 514) or {@code unix:PATH}. */
    public static Transport open(String spec) throws IOException {
        if (spec == null || spec.equals("off")) return null;
        if (spec.startsWith("udp:")) {
            String hp = spec.substring(4);
            int colon = hp.lastIndexOf(':');
            String host = colon < 0 ? hp : hp.substring(0, colon);
            int port;
            try {
                port = colon < 0 ? 514 : Integer.parseInt(hp.substring(colon + 1));
            } catch (NumberFormatException e) {
                throw new IOException("--syslog " + spec + ": the port is not a number");
            }
            if (host.startsWith("[") && host.endsWith("]")) host = host.substring(1, host.length() - 1);
            return new Udp(new InetSocketAddress(host, port));
        }
        if (spec.startsWith("unix:")) return new Unix(spec.substring(5));
        throw new IOException("--syslog " + spec + ": expected off, udp:HOST[:PORT] or unix:PATH");
    }

    static final class Udp implements Transport {
        private final DatagramSocket socket;
        private final InetSocketAddress target;

        Udp(InetSocketAddress target) throws IOException {
            if (target.isUnresolved()) throw new IOException("syslog server " + target.getHostString() + " does not resolve");
            this.target = target;
            this.socket = new DatagramSocket();
        }

        @Override
        public void send(byte[] m) throws IOException {
            socket.send(new DatagramPacket(m, m.length, target));
        }

        @Override
        public void close() { socket.close(); }
    }

    /** libc's socket calls: AF_UNIX and SOCK_DGRAM values are Linux's. */
    public interface LibC extends Library {
        int AF_UNIX = 1;
        int SOCK_DGRAM = 2;
        /** Linux's send() flag: fail with EAGAIN instead of waiting for room in the receiver's buffer. */
        int MSG_DONTWAIT = 0x40;
        int EAGAIN = 11;

        int socket(int domain, int type, int protocol);

        int connect(int fd, byte[] addr, int len);

        int bind(int fd, byte[] addr, int len);

        long send(int fd, byte[] buf, long len, int flags);

        long recv(int fd, byte[] buf, long len, int flags);

        int close(int fd);
    }

    static LibC libc() {
        return Native.load("c", LibC.class);
    }

    /** struct sockaddr_un: a native-endian sa_family_t, then the NUL-terminated path. */
    public static byte[] sockaddrUn(String path) throws IOException {
        byte[] p = path.getBytes(StandardCharsets.UTF_8);
        if (p.length > 107) throw new IOException("Unix socket path too long: " + path);
        byte[] a = new byte[2 + p.length + 1];
        boolean little = java.nio.ByteOrder.nativeOrder() == java.nio.ByteOrder.LITTLE_ENDIAN;
        a[little ? 0 : 1] = (byte) LibC.AF_UNIX;
        System.arraycopy(p, 0, a, 2, p.length);
        return a;
    }

    static final class Unix implements Transport {
        private final LibC libc = libc();
        private final String path;
        private int fd = -1;

        Unix(String path) {
            this.path = path;
        }

        @Override
        public synchronized void send(byte[] m) throws IOException {
            if (fd < 0) {
                int s = libc.socket(LibC.AF_UNIX, LibC.SOCK_DGRAM, 0);
                if (s < 0) throw new IOException("socket(AF_UNIX): errno " + Native.getLastError());
                byte[] addr = sockaddrUn(path);
                if (libc.connect(s, addr, addr.length) < 0) {
                    int errno = Native.getLastError();
                    libc.close(s);
                    throw new IOException("connect " + path + ": errno " + errno);
                }
                fd = s;
            }
            // A syslog daemon that stopped reading fills /dev/log's buffer: do not wait for it.
            if (libc.send(fd, m, m.length, LibC.MSG_DONTWAIT) < 0) {
                int errno = Native.getLastError();
                if (errno == LibC.EAGAIN) throw new IOException("send to " + path + ": the socket is full (syslog daemon not reading); message dropped");
                // The syslog daemon restarted (ECONNREFUSED) or the socket went away: reconnect next time.
                libc.close(fd);
                fd = -1;
                throw new IOException("send to " + path + ": errno " + errno);
            }
        }

        @Override
        public synchronized void close() {
            if (fd >= 0) libc.close(fd);
            fd = -1;
        }
    }
}
