package org.javapxeboot.mock;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.function.Consumer;
import org.javapxeboot.mock.dhcp.DhcpRequestRecord;
import org.javapxeboot.mock.dhcp.DhcpServer;
import org.javapxeboot.mock.dhcp.DhcpServerConfig;
import org.javapxeboot.mock.fault.Faults;
import org.javapxeboot.mock.tftp.TftpRequestRecord;
import org.javapxeboot.mock.tftp.TftpServer;
import org.javapxeboot.mock.tftp.TftpServerConfig;
import org.javapxeboot.mock.tftp.TransferRecord;
import org.javapxeboot.net.MacAddress;

/**
 * The mock PXE server: a TFTP server for a directory and, when a lease is configured, a DHCP server
 * for static leases, on loopback and ephemeral ports by default.
 *
 * <pre>{@code
 * try (PxeMockServer mock = PxeMockServer.builder()
 *         .tftpRoot(tree)
 *         .lease(MacAddress.parse("aa:00:86:e2:35:72"), (Inet4Address) InetAddress.getByName("127.0.0.9"))
 *         .bootFile("pxelinux.0")
 *         .start()) {
 *     InetSocketAddress tftp = mock.tftpAddress(), dhcp = mock.dhcpAddress();
 *     ... run the client ...
 *     mock.awaitIdle(Duration.ofSeconds(5));
 *     assertEquals(List.of("pxelinux.cfg/default", "linux"), mock.requestedFiles());
 * }
 * }</pre>
 */
public final class PxeMockServer implements AutoCloseable {
    private final TftpServer tftp;
    private final DhcpServer dhcp;
    private final Path root;
    private final boolean ownsRoot;

    private PxeMockServer(TftpServer tftp, DhcpServer dhcp, Path root, boolean ownsRoot) {
        this.tftp = tftp;
        this.dhcp = dhcp;
        this.root = root;
        this.ownsRoot = ownsRoot;
    }

    public static Builder builder() { return new Builder(); }

    /** The TFTP request address (the bind address and the actual port). */
    public InetSocketAddress tftpAddress() { return tftp.address(); }

    /** The DHCP server address. @throws IllegalStateException when DHCP is off */
    public InetSocketAddress dhcpAddress() {
        if (dhcp == null) throw new IllegalStateException("DHCP is off: configure a lease (or dhcp(true)) to start it");
        return dhcp.address();
    }

    public boolean dhcpEnabled() { return dhcp != null; }

    /** The served directory (a temporary one, deleted on close, when none was given). */
    public Path tftpRoot() { return root; }

    /** Writes a file under the root (parents created) and returns its path: handy in tests. */
    public Path putFile(String relative, byte[] content) {
        Path p = root.resolve(relative).normalize();
        if (!p.startsWith(root)) throw new IllegalArgumentException("'" + relative + "' is outside the TFTP root");
        try {
            Files.createDirectories(p.getParent());
            Files.write(p, content);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + p, e);
        }
        return p;
    }

    public Path putFile(String relative, String content) { return putFile(relative, content.getBytes(StandardCharsets.UTF_8)); }

    /** TFTP requests in arrival order. */
    public List<TftpRequestRecord> tftpRequests() { return tftp.requests(); }

    /** The file names of TFTP requests in arrival order (as the client sent them). */
    public List<String> requestedFiles() {
        List<String> out = new ArrayList<>();
        for (TftpRequestRecord r : tftp.requests()) out.add(r.filename());
        return out;
    }

    /** Finished TFTP requests in the order they ended. Call {@link #awaitIdle} first to see the last one. */
    public List<TransferRecord> transfers() { return tftp.transfers(); }

    /** DHCP requests in arrival order (empty when DHCP is off). */
    public List<DhcpRequestRecord> dhcpRequests() { return dhcp == null ? List.of() : dhcp.requests(); }

    /** Waits until no TFTP transfer runs; false at the deadline. */
    public boolean awaitIdle(Duration timeout) throws InterruptedException { return tftp.awaitIdle(timeout); }

    /** A snapshot of the counters. */
    public Stats stats() {
        var t = tftp.stats();
        var f = tftp.faultCounters();
        return new Stats(t.requests(), t.transfersStarted(), t.transfersCompleted(), t.transfersFailed(), t.refusedBusy(),
            t.activeTransfers(), t.bytesSent(), t.bytesReceived(), t.dataPacketsSent(), t.retransmissions(), t.errorsSent(),
            f.dropped(), f.duplicated(), f.reordered(), f.delayed(),
            dhcp == null ? 0 : dhcp.received(), dhcp == null ? 0 : dhcp.repliesSent(), t.batchesSent(),
            t.dataPacketsResent(), t.batchedPackets(), t.windowsSent());
    }

    /**
     * Counters since start.
     *
     * @param packetsDropped packets the fault switches dropped, both directions
     * @param batchesSent    system calls that sent several DATA packets at once (UDP GSO)
     * @param dataPacketsResent DATA packets for blocks sent before (after a gap ACK, a timeout or a repeated ACK)
     * @param batchedPackets DATA packets that left inside a batch
     * @param windowsSent    windows put on the wire (lock-step: blocks), resends included
     */
    public record Stats(long tftpRequests, long transfersStarted, long transfersCompleted, long transfersFailed,
                        long refusedBusy, long activeTransfers, long bytesSent, long bytesReceived, long dataPacketsSent,
                        long retransmissions, long errorsSent, long packetsDropped, long packetsDuplicated,
                        long packetsReordered, long packetsDelayed, long dhcpRequests, long dhcpReplies, long batchesSent,
                        long dataPacketsResent, long batchedPackets, long windowsSent) {}

    /** Stops both servers; deletes the root if the server created it. */
    @Override public void close() {
        try {
            tftp.close();
        } finally {
            if (dhcp != null) dhcp.close();
            if (ownsRoot) deleteTree(root);
        }
    }

    /** Deletes a directory tree, best effort (used for temporary roots and the demo's scratch space). */
    public static void deleteTree(Path dir) {
        try {
            if (!Files.exists(dir)) return;
            Files.walkFileTree(dir, new SimpleFileVisitor<>() {
                @Override public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) throws IOException {
                    Files.delete(file);
                    return FileVisitResult.CONTINUE;
                }

                @Override public FileVisitResult postVisitDirectory(Path d, IOException e) throws IOException {
                    Files.delete(d);
                    return FileVisitResult.CONTINUE;
                }
            });
        } catch (IOException e) {
            // Best effort: a temp dir left behind is not worth failing a test over.
        }
    }

    /** Settings; every one has a default (see docs/pxe-mock.md). */
    public static final class Builder {
        private Path root;
        private InetAddress bind = InetAddress.getLoopbackAddress();
        private int tftpPort = 0;
        private int dhcpPort = 0;
        private int dhcpClientPort = 68;
        private Boolean dhcp;
        private final Map<MacAddress, Inet4Address> leases = new LinkedHashMap<>();
        private Inet4Address nextServer, serverId, router;
        private Inet4Address subnetMask = ipv4("255.255.255.0");
        private final List<Inet4Address> dns = new ArrayList<>();
        private String bootFile, bootFileEfi, bootUrlHttp, configFile, pathPrefix, tftpServerName;
        private int leaseSeconds = 3600;
        private int overload;
        private boolean unknownMacNak;
        private DhcpServerConfig.ReplyMode replyMode;
        private Faults faults = Faults.none();
        private boolean allowWrites;
        private long maxWriteBytes = 256L << 20;
        private int maxTransfers = 64;
        private int maxBlksize = 65464, maxWindowsize = 256;
        private long timeoutMillis = 1000;
        private int maxRetries = 5;
        private Consumer<String> log;
        private java.util.function.LongSupplier clock = TftpServerConfig.SYSTEM_CLOCK;
        private int maxRecords = org.javapxeboot.mock.record.RecordLog.DEFAULT_CAPACITY;

        private Builder() {}

        /** The directory to serve; default: a new temporary directory, deleted on close. */
        public Builder tftpRoot(Path dir) { root = dir; return this; }
        /** Default: 127.0.0.1. */
        public Builder bindAddress(InetAddress address) { bind = Objects.requireNonNull(address); return this; }
        /** 0 (default) picks a free port; 69 needs root. */
        public Builder tftpPort(int port) {
            if (port < 0 || port > 65535) throw new IllegalArgumentException("TFTP port " + port + " is outside 0..65535");
            tftpPort = port;
            return this;
        }
        /** 0 (default) picks a free port; -1 turns DHCP off. */
        public Builder dhcpPort(int port) {
            if (port < -1 || port > 65535) throw new IllegalArgumentException("DHCP port " + port + " is outside -1..65535 (-1 is off)");
            dhcpPort = port;
            return this;
        }
        /** Where RFC 2131 (broadcast) replies go; default 68. */
        public Builder dhcpClientPort(int port) { dhcpClientPort = port; return this; }
        /** Forces DHCP on (e.g. to test that unknown MACs are ignored) or off; default: on when a lease is configured. */
        public Builder dhcp(boolean on) { dhcp = on; return this; }
        public Builder lease(MacAddress mac, Inet4Address ip) { leases.put(mac, ip); return this; }
        /** siaddr; default: the bind address (or 127.0.0.1 when bound to the wildcard). */
        public Builder nextServer(Inet4Address ip) { nextServer = ip; return this; }
        /** Option 54; default: the next server. */
        public Builder serverId(Inet4Address ip) { serverId = ip; return this; }
        /** The {@code file} field or option 67; default none. */
        public Builder bootFile(String name) { bootFile = name; return this; }
        /** The boot file for x86-64 UEFI clients (DHCP option 93 = 7 or 9); default: the boot file. */
        public Builder bootFileEfi(String name) { bootFileEfi = name; return this; }
        /** The http:// boot URL for UEFI HTTP boot clients (option 93 = 16), sent with vendor class HTTPClient; default: none. */
        public Builder bootUrlHttp(String url) { bootUrlHttp = url; return this; }
        /** Option 209; default none. */
        public Builder configFile(String name) { configFile = name; return this; }
        /** Option 210; default none. */
        public Builder pathPrefix(String prefix) { pathPrefix = prefix; return this; }
        /** Option 66; default none (never sent, as dnsmasq). */
        public Builder tftpServerName(String name) { tftpServerName = name; return this; }
        /** Option 1; default 255.255.255.0. */
        public Builder subnetMask(Inet4Address mask) { subnetMask = mask; return this; }
        /** Option 3; default none. */
        public Builder router(Inet4Address ip) { router = ip; return this; }
        /** Option 6 (repeatable); default none. */
        public Builder dnsServer(Inet4Address ip) { dns.add(ip); return this; }
        /** Option 51; default 3600. */
        public Builder leaseSeconds(int s) { leaseSeconds = s; return this; }
        /** Option 52 mode 0..3; default 0 (off). */
        public Builder overload(int mode) {
            if (mode < 0 || mode > 3) throw new IllegalArgumentException("option 52 overload mode " + mode + " is not 0..3");
            overload = mode;
            return this;
        }
        /** NAK REQUESTs from unknown MACs instead of ignoring them; default false. */
        public Builder unknownMacNak(boolean nak) { unknownMacNak = nak; return this; }
        /** RFC 2131 replies (broadcast when the flag is set) instead of replies to the source; default: source on loopback, RFC 2131 otherwise. */
        public Builder broadcastReplies(boolean broadcast) {
            replyMode = broadcast ? DhcpServerConfig.ReplyMode.RFC2131 : DhcpServerConfig.ReplyMode.SOURCE;
            return this;
        }
        public Builder faults(Faults f) { faults = Objects.requireNonNull(f); return this; }
        /** Accept WRQ; default false (ERROR 2). */
        public Builder allowWrites(boolean allow) { allowWrites = allow; return this; }
        /** Default 256 MiB. */
        public Builder maxWriteBytes(long bytes) { maxWriteBytes = bytes; return this; }
        /** Default 64. */
        public Builder maxTransfers(int n) {
            if (n < 1) throw new IllegalArgumentException("maxTransfers is " + n + ", must be >= 1");
            maxTransfers = n;
            return this;
        }
        /** Default 65464. */
        public Builder maxBlksize(int n) { maxBlksize = n; return this; }
        /** Default 256. */
        public Builder maxWindowsize(int n) { maxWindowsize = n; return this; }
        /** Retransmission timeout when the client negotiates none; default 1000 ms. */
        public Builder timeoutMillis(long ms) { timeoutMillis = ms; return this; }
        /** Default 5. */
        public Builder maxRetries(int n) { maxRetries = n; return this; }
        /** Receives one line per transfer and DHCP request; default: silent. */
        public Builder log(Consumer<String> sink) { log = sink; return this; }
        /** Records kept of each kind (TFTP requests, transfers, DHCP requests): the newest; default 10 000. */
        public Builder maxRecords(int n) {
            if (n < 1) throw new IllegalArgumentException("maxRecords is " + n + ", must be >= 1");
            maxRecords = n;
            return this;
        }
        /**
         * The TFTP server's clock in nanoseconds (default {@link System#nanoTime}). With a manual clock a window is
         * retransmitted on timeout only when the test moves the clock past it, so a busy machine cannot cause one.
         */
        public Builder clock(java.util.function.LongSupplier nanos) { clock = Objects.requireNonNull(nanos); return this; }

        /**
         * Binds and starts.
         *
         * @throws IOException when a port cannot be bound or the root is not a directory
         * @throws IllegalArgumentException for an invalid setting, with a message naming it
         */
        public PxeMockServer start() throws IOException {
            boolean ownsRoot = root == null;
            Path dir = ownsRoot ? Files.createTempDirectory("pxe-mock-root") : root;
            if (!Files.isDirectory(dir)) throw new IOException("TFTP root " + dir + " is not a directory");
            TftpServer tftp = null;
            try {
                tftp = TftpServer.start(new TftpServerConfig(dir, bind, tftpPort, maxTransfers, allowWrites, maxWriteBytes,
                    maxBlksize, maxWindowsize, timeoutMillis, maxRetries, 4 << 20, faults, log, maxRecords, clock));
                DhcpServer dhcpServer = null;
                boolean dhcpOn = dhcp != null ? dhcp : !leases.isEmpty();
                if (dhcpPort == -1) dhcpOn = false;
                if (dhcpOn) {
                    Inet4Address next = nextServer != null ? nextServer
                        : bind instanceof Inet4Address b4 && !b4.isAnyLocalAddress() ? b4 : ipv4("127.0.0.1");
                    DhcpServerConfig.ReplyMode mode = replyMode != null ? replyMode
                        : bind.isLoopbackAddress() ? DhcpServerConfig.ReplyMode.SOURCE : DhcpServerConfig.ReplyMode.RFC2131;
                    dhcpServer = DhcpServer.start(new DhcpServerConfig(bind, dhcpPort, dhcpClientPort, leases,
                        serverId != null ? serverId : next, next, bootFile, bootFileEfi, bootUrlHttp, tftpServerName, configFile, pathPrefix, subnetMask,
                        router, dns, leaseSeconds, overload, unknownMacNak, mode, faults, log, maxRecords));
                }
                return new PxeMockServer(tftp, dhcpServer, dir.toAbsolutePath(), ownsRoot);
            } catch (IOException | RuntimeException e) {
                if (tftp != null) tftp.close();
                if (ownsRoot) deleteTree(dir);
                throw e;
            }
        }

        private static Inet4Address ipv4(String literal) {
            try {
                return (Inet4Address) InetAddress.getByName(literal);
            } catch (java.net.UnknownHostException e) {
                throw new IllegalArgumentException(literal, e);
            }
        }
    }
}
