package org.javapxeboot.mock.cli;

import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import org.javapxeboot.mock.PxeMockServer;
import org.javapxeboot.mock.fault.ErrorFault;
import org.javapxeboot.mock.fault.Faults;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code pxe-mock serve}: runs the server until SIGTERM/SIGINT. */
@Command(name = "serve", mixinStandardHelpOptions = true, sortOptions = false,
    description = {"Serve a directory over TFTP and answer DHCP for the given leases.",
        "Prints one line 'pxe-mock listening tftp=ADDR:PORT dhcp=ADDR:PORT|off' on stdout, then logs to stderr."})
final class ServeCommand implements Callable<Integer> {
    private final PxeMockCli.Context context;

    ServeCommand(PxeMockCli.Context context) { this.context = context; }

    @Option(names = "--root", paramLabel = "DIR", description = "Directory to serve (default: a new empty temporary directory, deleted on exit).")
    Path root;

    @Option(names = "--bind", paramLabel = "ADDR", converter = Converters.AddressConverter.class, defaultValue = "127.0.0.1",
        description = "Address to listen on (default: ${DEFAULT-VALUE}). 0.0.0.0 receives broadcast DHCP.")
    InetAddress bind;

    @Option(names = "--tftp-port", paramLabel = "N", defaultValue = "0", description = "TFTP port, 0 = ephemeral (default: ${DEFAULT-VALUE}; 69 needs root).")
    int tftpPort;

    @Option(names = "--dhcp-port", paramLabel = "N", defaultValue = "0",
        description = "DHCP port, 0 = ephemeral, -1 = off (default: ${DEFAULT-VALUE}; DHCP runs only when a --lease is given).")
    int dhcpPort;

    @Option(names = "--dhcp-client-port", paramLabel = "N", defaultValue = "68", description = "Port of broadcast replies (default: ${DEFAULT-VALUE}).")
    int dhcpClientPort;

    @Option(names = "--lease", paramLabel = "MAC=IP", converter = Converters.LeaseConverter.class, description = "A static lease (repeatable).")
    List<Converters.Lease> leases = new ArrayList<>();

    @Option(names = "--next-server", paramLabel = "IP", converter = Converters.Ipv4Converter.class, description = "siaddr (default: the bind address).")
    Inet4Address nextServer;

    @Option(names = "--server-id", paramLabel = "IP", converter = Converters.Ipv4Converter.class, description = "Option 54 (default: the next server).")
    Inet4Address serverId;

    @Option(names = "--boot-file", paramLabel = "NAME", description = "The file field, or option 67 when the client asks for it.")
    String bootFile;

    @Option(names = "--boot-file-efi", paramLabel = "NAME", description = "The boot file for x86-64 UEFI clients, DHCP option 93 = 7 or 9 (default: --boot-file).")
    String bootFileEfi;

    @Option(names = "--boot-url-http", paramLabel = "URL", description = "An http:// boot file for UEFI HTTP boot clients, option 93 = 16, sent with vendor class HTTPClient (default: none; they get --boot-file-efi).")
    String bootUrlHttp;

    @Option(names = "--config-file", paramLabel = "NAME", description = "Option 209 (pxelinux config file).")
    String configFile;

    @Option(names = "--path-prefix", paramLabel = "PREFIX", description = "Option 210 (pxelinux path prefix).")
    String pathPrefix;

    @Option(names = "--tftp-server-name", paramLabel = "NAME", description = "Option 66 (default: not sent).")
    String tftpServerName;

    @Option(names = "--subnet-mask", paramLabel = "IP", converter = Converters.Ipv4Converter.class, defaultValue = "255.255.255.0",
        description = "Option 1 (default: ${DEFAULT-VALUE}).")
    Inet4Address subnetMask;

    @Option(names = "--router", paramLabel = "IP", converter = Converters.Ipv4Converter.class, description = "Option 3 (default: none).")
    Inet4Address router;

    @Option(names = "--dns", paramLabel = "IP", converter = Converters.Ipv4Converter.class, description = "Option 6 (repeatable; default: none).")
    List<Inet4Address> dns = new ArrayList<>();

    @Option(names = "--lease-time", paramLabel = "SECONDS", defaultValue = "3600", description = "Option 51 (default: ${DEFAULT-VALUE}).")
    int leaseTime;

    @Option(names = "--overload", paramLabel = "MODE", defaultValue = "0", description = "Option 52: 0 off, 1 file, 2 sname, 3 both (default: ${DEFAULT-VALUE}).")
    int overload;

    @Option(names = "--unknown-mac-nak", description = "NAK REQUESTs from unknown MACs (default: ignore them).")
    boolean unknownMacNak;

    @Option(names = "--broadcast-replies", description = "Send DHCP replies as RFC 2131 says (broadcast when the flag is set) instead of to the request's source (default: source on loopback, RFC 2131 otherwise).")
    Boolean broadcastReplies;

    @Option(names = "--allow-write", description = "Accept WRQ, written atomically under the root (default: refused with error 2).")
    boolean allowWrite;

    @Option(names = "--max-write-bytes", paramLabel = "N", defaultValue = "268435456", description = "Size cap of a written file (default: ${DEFAULT-VALUE}).")
    long maxWriteBytes;

    @Option(names = "--max-transfers", paramLabel = "N", defaultValue = "64", description = "Concurrent transfers (default: ${DEFAULT-VALUE}).")
    int maxTransfers;

    @Option(names = "--max-records", paramLabel = "N", defaultValue = "10000",
        description = "Request records kept in memory of each kind, the newest (default: ${DEFAULT-VALUE}); counters count on.")
    int maxRecords;

    @Option(names = "--max-blksize", paramLabel = "N", defaultValue = "65464", description = "Largest blksize granted (default: ${DEFAULT-VALUE}).")
    int maxBlksize;

    @Option(names = "--max-windowsize", paramLabel = "N", defaultValue = "256", description = "Largest windowsize granted (default: ${DEFAULT-VALUE}).")
    int maxWindowsize;

    @Option(names = "--timeout-ms", paramLabel = "MS", defaultValue = "1000", description = "Retransmission timeout when the client negotiates none (default: ${DEFAULT-VALUE}).")
    long timeoutMs;

    @Option(names = "--max-retries", paramLabel = "N", defaultValue = "5", description = "Retransmissions before a transfer is abandoned (default: ${DEFAULT-VALUE}).")
    int maxRetries;

    @Option(names = "--drop", paramLabel = "P", defaultValue = "0", description = "Drop each TFTP packet (both directions) with probability P (default: ${DEFAULT-VALUE}).")
    double drop;

    @Option(names = "--drop-block", paramLabel = "N", description = "Drop the first transmission of DATA block N (repeatable; 1-based, counted past rollover).")
    List<Long> dropBlocks = new ArrayList<>();

    @Option(names = "--drop-every", paramLabel = "N", defaultValue = "0", description = "Drop every Nth DATA packet of a transfer (default: ${DEFAULT-VALUE} = off).")
    int dropEvery;

    @Option(names = "--duplicate", paramLabel = "P", defaultValue = "0", description = "Send DATA packets twice with probability P (default: ${DEFAULT-VALUE}).")
    double duplicate;

    @Option(names = "--reorder", paramLabel = "P", defaultValue = "0", description = "Hold a DATA packet back behind the next one with probability P (default: ${DEFAULT-VALUE}).")
    double reorder;

    @Option(names = "--delay-ms", paramLabel = "MS", defaultValue = "0", description = "One-way delay added to each TFTP packet, each direction (0.5 = 1 ms RTT; default: ${DEFAULT-VALUE}).")
    double delayMs;

    @Option(names = "--jitter-ms", paramLabel = "MS", defaultValue = "0", description = "Extra uniform random delay in [0, MS) (default: ${DEFAULT-VALUE}).")
    double jitterMs;

    @Option(names = "--refuse-options", description = "Ignore RFC 2347 options, like a plain RFC 1350 server.")
    boolean refuseOptions;

    @Option(names = "--error", paramLabel = "CODE:MSG[@FILE]", description = "Answer requests (for FILE, or all) with TFTP ERROR CODE MSG (repeatable).")
    List<String> errors = new ArrayList<>();

    @Option(names = "--error-after", paramLabel = "N", defaultValue = "0", description = "Send the --error after N DATA blocks instead of at once (default: ${DEFAULT-VALUE}).")
    long errorAfter;

    @Option(names = "--stall-after", paramLabel = "N", defaultValue = "0", description = "Go silent after DATA block N (default: ${DEFAULT-VALUE} = off).")
    long stallAfter;

    @Option(names = "--dhcp-no-answer", description = "Never answer DHCP.")
    boolean dhcpNoAnswer;

    @Option(names = "--dhcp-ignore-first", paramLabel = "N", defaultValue = "0", description = "Ignore the first N DHCP requests (default: ${DEFAULT-VALUE}).")
    int dhcpIgnoreFirst;

    @Option(names = "--dhcp-other-mac-first", description = "Send a reply for another MAC before each real reply.")
    boolean dhcpOtherMacFirst;

    @Option(names = "--dhcp-other-xid-first", description = "Send a reply with another xid before each real reply.")
    boolean dhcpOtherXidFirst;

    @Option(names = "--dhcp-nak", description = "NAK every DHCPREQUEST.")
    boolean dhcpNak;

    @Option(names = "--seed", paramLabel = "N", defaultValue = "1", description = "Seed of the random fault decisions (default: ${DEFAULT-VALUE}).")
    long seed;

    @Option(names = {"-q", "--quiet"}, description = "Do not log transfers and DHCP requests to stderr.")
    boolean quiet;

    Faults faults() {
        Faults.Builder f = Faults.builder().drop(drop).dropEvery(dropEvery).duplicate(duplicate).reorder(reorder)
            .delayMillis(delayMs).jitterMillis(jitterMs).refuseOptions(refuseOptions).stallAfter(stallAfter).seed(seed)
            .dhcpNoAnswer(dhcpNoAnswer).dhcpIgnoreFirst(dhcpIgnoreFirst).dhcpOtherMacFirst(dhcpOtherMacFirst)
            .dhcpOtherXidFirst(dhcpOtherXidFirst).dhcpNak(dhcpNak);
        for (long b : dropBlocks) f.dropBlock(b);
        for (String e : errors) f.error(ErrorFault.parse(e, errorAfter));
        return f.build();
    }

    @Override public Integer call() throws Exception {
        PxeMockServer.Builder b = PxeMockServer.builder().bindAddress(bind).tftpPort(tftpPort).dhcpPort(dhcpPort)
            .dhcpClientPort(dhcpClientPort).bootFile(bootFile).bootFileEfi(bootFileEfi).bootUrlHttp(bootUrlHttp).configFile(configFile).pathPrefix(pathPrefix)
            .tftpServerName(tftpServerName).subnetMask(subnetMask).router(router).leaseSeconds(leaseTime).overload(overload)
            .unknownMacNak(unknownMacNak).allowWrites(allowWrite).maxWriteBytes(maxWriteBytes).maxTransfers(maxTransfers).maxRecords(maxRecords)
            .maxBlksize(maxBlksize).maxWindowsize(maxWindowsize).timeoutMillis(timeoutMs).maxRetries(maxRetries).faults(faults());
        if (root != null) b.tftpRoot(root);
        if (nextServer != null) b.nextServer(nextServer);
        if (serverId != null) b.serverId(serverId);
        if (broadcastReplies != null) b.broadcastReplies(broadcastReplies);
        for (Inet4Address d : dns) b.dnsServer(d);
        for (Converters.Lease l : leases) b.lease(l.mac(), l.ip());
        if (!quiet) {
            java.io.PrintStream err = context.err();
            b.log(line -> {
                synchronized (err) { err.println(line); }
            });
        }
        try (PxeMockServer server = b.start()) {
            context.out().println("pxe-mock listening tftp=" + hostPort(server.tftpAddress()) + " dhcp="
                + (server.dhcpEnabled() ? hostPort(server.dhcpAddress()) : "off"));
            context.out().flush();
            if (!quiet) context.err().println("pxe-mock: serving " + server.tftpRoot() + (root == null ? " (temporary)" : ""));
            context.stop().await();
            if (!quiet) context.err().println("pxe-mock: stopping (" + server.stats().transfersCompleted() + " transfers completed)");
        }
        return 0;
    }

    static String hostPort(InetSocketAddress a) {
        String h = a.getAddress().getHostAddress();
        return (h.indexOf(':') >= 0 ? "[" + h + "]" : h) + ":" + a.getPort();
    }
}
