package org.javapxeboot.cli;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.nio.channels.DatagramChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.javapxeboot.boot.SecureTempFiles;
import org.javapxeboot.dhcp.DhcpMessages;
import org.javapxeboot.net.MacAddress;
import org.javapxeboot.pxelinux.BootEntry;
import org.javapxeboot.pxelinux.ConfigSearch;
import org.javapxeboot.pxelinux.KernelArgs;
import org.javapxeboot.pxelinux.NetworkInfo;
import org.javapxeboot.pxelinux.PxelinuxConfig;
import org.javapxeboot.pxelinux.PxelinuxParser;
import org.javapxeboot.tftp.TftpCodec;
import org.javapxeboot.tftp.TftpPacket;
import org.javapxeboot.xen.OutputFormat;
import org.javapxeboot.xen.Stanza;

/**
 * The training run behind the AppCDS archive (`Main --cds-train`, run by `mvn package`): walks the
 * boot path offline — argv, DHCP messages, TFTP packets, a pxelinux config, the stanza, a secure
 * temporary file, a UDP channel — so that the classes a real boot loads are in the archive.
 * Touches no network and leaves no file behind.
 */
final class CdsTraining {
    private CdsTraining() {}

    /**
     * Real transfers over loopback against a minimal in-process server (OACK, two DATA blocks in one
     * window): one through the client API, one through {@code fetch} into a file, so the client's
     * selector, channel, offload and transfer classes and the fetch command's are archived too.
     */
    private static void trainTftp() throws Exception {
        try (DatagramChannel server = DatagramChannel.open()) {
            server.bind(new java.net.InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
            Thread t = new Thread(() -> {
                try {
                    for (int i = 0; i < 2; i++) serveOne(server);
                } catch (Exception e) {
                    // the client side reports what went wrong
                }
            }, "cds-tftp");
            t.setDaemon(true);
            t.start();
            java.net.InetSocketAddress at = (java.net.InetSocketAddress) server.getLocalAddress();
            org.javapxeboot.tftp.TftpClient client = new org.javapxeboot.tftp.TftpClient(org.javapxeboot.tftp.TftpClient.Settings.defaults());
            client.fetch(at, "cds", new ByteArrayOutputStream(), 1 << 20);
            Path dir = Files.createTempDirectory("javapxeboot-cds");
            Path file = dir.resolve("cds");
            try {
                PrintStream sink = new PrintStream(new ByteArrayOutputStream());
                FetchCommand.run(new String[] {"-q", "tftp://127.0.0.1:" + at.getPort() + "/cds", "-o", file.toString()}, sink, sink);
            } finally {
                Files.deleteIfExists(file);
                Files.delete(dir);
            }
            t.join(2000);
        }
    }

    /** Answers one RRQ: OACK, then a full block of the negotiated size and a short one in one window. */
    private static void serveOne(DatagramChannel server) throws Exception {
        java.nio.ByteBuffer in = java.nio.ByteBuffer.allocate(1024);
        java.net.SocketAddress client = server.receive(in);
        TftpPacket.Request rrq = (TftpPacket.Request) TftpCodec.decode(java.util.Arrays.copyOf(in.array(), in.position()));
        java.util.Map<String, String> acked = new java.util.LinkedHashMap<>(rrq.options());
        acked.remove(org.javapxeboot.tftp.TftpOptions.TSIZE);
        acked.put(org.javapxeboot.tftp.TftpOptions.BLKSIZE, "512");
        server.send(java.nio.ByteBuffer.wrap(TftpCodec.encode(new TftpPacket.OptionAck(acked))), client);
        in.clear();
        server.receive(in);
        server.send(java.nio.ByteBuffer.wrap(TftpCodec.encode(new TftpPacket.Data(1, new byte[512]))), client);
        server.send(java.nio.ByteBuffer.wrap(TftpCodec.encode(new TftpPacket.Data(2, new byte[] {'c', 'd', 's'}))), client);
        in.clear();
        server.receive(in);
    }

    /**
     * Two HTTP fetches over loopback against a minimal in-process server: a chunked answer through the
     * client API and a Content-Length one through {@code fetch} into a file, so the HTTP client's and
     * the command's classes are archived too.
     */
    private static void trainHttp() throws Exception {
        try (java.net.ServerSocket server = new java.net.ServerSocket(0, 4, InetAddress.getLoopbackAddress())) {
            String[] answers = {
                "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3\r\ncds\r\n0\r\n\r\n",
                "HTTP/1.1 200 OK\r\nContent-Length: 3\r\nConnection: close\r\n\r\ncds",
            };
            Thread t = new Thread(() -> {
                for (String a : answers) {
                    try (java.net.Socket c = server.accept()) {
                        java.io.InputStream in = c.getInputStream();
                        // the request head ends with an empty line
                        for (int b, n = 0; n < 4 && (b = in.read()) >= 0; ) n = (b == '\r' || b == '\n') ? n + 1 : 0;
                        c.getOutputStream().write(a.getBytes(java.nio.charset.StandardCharsets.ISO_8859_1));
                    } catch (Exception e) {
                        // the client side reports what went wrong
                    }
                }
            }, "cds-http");
            t.setDaemon(true);
            t.start();
            String url = "http://127.0.0.1:" + server.getLocalPort() + "/cds";
            new org.javapxeboot.http.HttpFetcher(org.javapxeboot.http.HttpFetcher.Settings.defaults())
                    .fetch(url, new ByteArrayOutputStream(), 1 << 20, null);
            Path dir = Files.createTempDirectory("javapxeboot-cds");
            Path file = dir.resolve("cds");
            try {
                PrintStream sink = new PrintStream(new ByteArrayOutputStream());
                FetchCommand.run(new String[] {"-q", url, "-o", file.toString()}, sink, sink);
            } finally {
                Files.deleteIfExists(file);
                Files.delete(dir);
            }
            t.join(2000);
        }
    }

    /** A DHCP exchange that nobody answers, cut short: loads the client's state machine and transport. */
    private static void trainDhcp(MacAddress mac) {
        try (DatagramChannel silent = DatagramChannel.open()) {
            silent.bind(new java.net.InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
            org.javapxeboot.dhcp.DhcpClient.Settings s = org.javapxeboot.dhcp.DhcpClient.Settings.defaults(mac)
                    .withBind(new java.net.InetSocketAddress(InetAddress.getLoopbackAddress(), 0))
                    .withTarget((java.net.InetSocketAddress) silent.getLocalAddress())
                    .withTotalTimeout(java.time.Duration.ofMillis(300))
                    .withFirstRetransmit(java.time.Duration.ofMillis(100));
            new org.javapxeboot.dhcp.DhcpClient(s).obtain();
        } catch (java.io.IOException expected) {
            // no server: the timeout is the point
        }
    }

    static int run(PrintStream err) throws Exception {
        PrintStream sink = new PrintStream(new ByteArrayOutputStream());
        Main.run(new String[] {"--help"}, sink, sink);
        Main.run(new String[] {"--output=-", "--output-format=simple0", "--no-such-option", "--args=x"}, sink, sink);

        MacAddress mac = MacAddress.parse("aa:00:86:e2:35:72");
        byte[] discover = DhcpMessages.encode(DhcpMessages.discover(mac, DhcpMessages.uuidFor(mac), 0x1234, 0));
        org.dhcp4java.DHCPPacket.getPacket(new java.net.DatagramPacket(discover, discover.length));

        byte[] rrq = TftpCodec.encode(TftpPacket.Request.read("pxelinux.cfg/default", Map.of("blksize", "1468", "tsize", "0")));
        TftpCodec.decode(rrq);
        TftpCodec.decode(TftpCodec.encode(new TftpPacket.OptionAck(Map.of("blksize", "1468"))));
        TftpCodec.decode(TftpCodec.encode(new TftpPacket.Data(1, new byte[16])));
        TftpCodec.decode(TftpCodec.encode(new TftpPacket.Error(1, "File not found")));

        String cfg = "default vesamenu.c32\nmenu title x\nlabel install\n\tmenu label ^Install\n\tkernel linux\n"
                + "\tappend vga=788 initrd=initrd.gz --- quiet\n\tipappend 3\ninclude missing.cfg\n";
        PxelinuxConfig config = PxelinuxParser.parse("pxelinux.cfg/default", "",
                p -> p.equals("pxelinux.cfg/default") ? Optional.of(cfg) : Optional.empty());
        BootEntry e = config.select(null);
        Inet4Address a = (Inet4Address) InetAddress.getByAddress(new byte[] {10, 0, 0, 2});
        ConfigSearch.candidates("", "8c3a8e2a-0000-4000-8000-000000000000", mac, a);
        String args = KernelArgs.compose(e, new NetworkInfo(a, a, a, a, mac), "console=hvc0");
        for (OutputFormat f : OutputFormat.values()) f.render(new Stanza("/var/lib/xen/kernel.abcdef", "/var/lib/xen/ramdisk.abcdef", args));

        Path dir = Files.createTempDirectory("javapxeboot-cds");
        try (SecureTempFiles files = new SecureTempFiles(dir)) {
            Files.write(files.create("kernel"), List.of("x"));
        }
        Files.delete(dir);
        try (DatagramChannel ch = DatagramChannel.open()) {
            ch.bind(null);
        }
        try (java.net.DatagramSocket s = new java.net.DatagramSocket(0)) {
            s.setBroadcast(true);
        }
        trainTftp();
        trainHttp();
        trainDhcp(mac);
        err.println("javapxeboot: CDS training run done");
        return 0;
    }
}
