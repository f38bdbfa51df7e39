package org.javapxeboot.tftp;

import java.io.IOException;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketTimeoutException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** A real TFTP server process (atftpd, dnsmasq) serving a directory on loopback, for interop tests. */
final class RealServer implements AutoCloseable {
    static final Path ATFTPD = Path.of("/usr/sbin/atftpd");
    static final Path DNSMASQ = Path.of("/usr/sbin/dnsmasq");

    private final Process process;
    private final InetSocketAddress address;
    final Path log;

    private RealServer(Process process, InetSocketAddress address, Path log) {
        this.process = process;
        this.address = address;
        this.log = log;
    }

    InetSocketAddress address() { return address; }

    static boolean isRoot() {
        return "root".equals(System.getProperty("user.name"));
    }

    /** The name of our primary group ({@code id -gn}). */
    static String primaryGroup() throws IOException {
        Process p = new ProcessBuilder("id", "-gn").redirectErrorStream(true).start();
        String g = new String(p.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8).trim();
        try {
            if (p.waitFor() != 0 || g.isEmpty()) throw new IOException("id -gn failed: " + g);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted", e);
        }
        return g;
    }

    /** atftpd 0.8 on a free high port; {@code flags} such as --no-blksize turn options off. */
    static RealServer atftpd(Path root, Path logDir, String... flags) throws IOException {
        int port = freeUdpPort();
        List<String> cmd = new ArrayList<>(List.of(ATFTPD.toString(), "--daemon", "--no-fork", "--logfile", "-",
            "--port", Integer.toString(port), "--bind-address", "127.0.0.1"));
        // atftpd switches to --user USER.GROUP (default nobody.nogroup) after binding: as root keep root so it
        // can read the test files; otherwise it must name our own group too, or setregid(nogroup) fails.
        cmd.add("--user");
        cmd.add(isRoot() ? "root.root" : System.getProperty("user.name") + "." + primaryGroup());
        cmd.addAll(List.of(flags));
        cmd.add(root.toString());
        return start(cmd, new InetSocketAddress(InetAddress.getLoopbackAddress(), port), logDir.resolve("atftpd.log"));
    }

    /**
     * dnsmasq's TFTP server. Its port is fixed at 69, so it needs root; it listens on a loopback address
     * of its own (127.0.0.0/8 all routes to lo) so that it cannot collide with another test's server.
     */
    static RealServer dnsmasq(Path root, Path logDir, String loopbackIp) throws IOException {
        List<String> cmd = List.of(DNSMASQ.toString(), "--no-daemon", "--port=0", "--enable-tftp",
            "--tftp-root=" + root, "--listen-address=" + loopbackIp, "--bind-interfaces", "--user=root",
            "--conf-file=/dev/null", "--pid-file=" + logDir.resolve("dnsmasq.pid"), "--log-facility=-");
        return start(cmd, new InetSocketAddress(InetAddress.getByName(loopbackIp), 69), logDir.resolve("dnsmasq.log"));
    }

    private static RealServer start(List<String> cmd, InetSocketAddress addr, Path log) throws IOException {
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile()).start();
        RealServer s = new RealServer(p, addr, log);
        if (!s.awaitReady()) {
            s.close();
            throw new IOException(cmd.get(0) + " did not answer on " + addr + "; log:\n" + Files.readString(log));
        }
        return s;
    }

    /** Probes with a request for a file that does not exist until the server answers (ERROR 1). */
    private boolean awaitReady() throws IOException {
        byte[] rrq = TftpCodec.encode(TftpPacket.Request.read("no-such-file-probe", Map.of()));
        try (DatagramSocket s = new DatagramSocket(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0))) {
            s.setSoTimeout(100);
            byte[] buf = new byte[600];
            for (int i = 0; i < 600 && process.isAlive(); i++) { // up to 60 s on a busy machine: a probe, not a guess
                s.send(new DatagramPacket(rrq, rrq.length, address));
                try {
                    s.receive(new DatagramPacket(buf, buf.length));
                    return true;
                } catch (SocketTimeoutException e) {
                    // not listening yet
                }
            }
        }
        return false;
    }

    static int freeUdpPort() throws IOException {
        try (DatagramSocket s = new DatagramSocket(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0))) {
            return s.getLocalPort();
        }
    }

    @Override public void close() {
        process.destroy();
        try {
            process.waitFor();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
