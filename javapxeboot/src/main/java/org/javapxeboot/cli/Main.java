package org.javapxeboot.cli;

import java.io.PrintStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import org.javapxeboot.boot.BootException;
import org.javapxeboot.boot.BootFlow;
import org.javapxeboot.boot.BootRequest;
import org.javapxeboot.boot.HttpOptions;
import org.javapxeboot.boot.Log;
import org.javapxeboot.boot.ProtocolNetwork;
import org.javapxeboot.net.UdpOffload;
import org.javapxeboot.xen.BootloaderOptions;
import org.javapxeboot.xen.UsageException;

/**
 * The bootloader's entry point: {@code javapxeboot [OPTIONS] [mac=MAC] [DISK]} as xend, libxl and
 * people run it, and {@code javapxeboot fetch ...}. Exit 0 = the stanza was handed over (or pygrub
 * succeeded), 1 = the boot failed, 2 = bad command line. Nothing but the stanza goes to --output.
 */
public final class Main {
    public static final String VERSION = "0.1.0";

    private Main() {}

    public static void main(String[] args) {
        System.exit(run(args, System.out, System.err));
    }

    public static int run(String[] argv, PrintStream out, PrintStream err) {
        if (argv.length > 0 && argv[0].equals("fetch")) {
            return FetchCommand.run(java.util.Arrays.copyOfRange(argv, 1, argv.length), out, err);
        }
        if (argv.length == 1 && argv[0].equals("--cds-train")) {
            try {
                return CdsTraining.run(err);
            } catch (Exception e) {
                err.println("javapxeboot: CDS training failed: " + e);
                return 1;
            }
        }
        BootloaderOptions o;
        try {
            o = BootloaderOptions.parse(argv);
        } catch (UsageException e) {
            err.println("javapxeboot: " + Log.escape(e.getMessage()));
            err.println("Try 'javapxeboot --help'.");
            return 2;
        }
        if (o.help()) {
            out.print(BootloaderOptions.helpText());
            out.flush();
            return 0;
        }
        if (o.version()) {
            out.println("javapxeboot " + VERSION);
            if (o.verbose()) {
                String from = UdpOffload.loadedFrom();
                out.println("UDP offload: " + (from != null ? "loaded from " + from
                    : "unavailable (" + UdpOffload.unavailableReason() + ")"));
            }
            return 0;
        }
        Log log = new Log(err, o.quiet() ? Log.Level.QUIET : o.verbose() ? Log.Level.VERBOSE : Log.Level.NORMAL);
        o.warnings().forEach(log::warn);
        BootRequest r;
        try {
            r = request(o);
        } catch (UsageException e) {
            err.println("javapxeboot: " + Log.escape(e.getMessage()));
            return 2;
        }
        try {
            BootFlow flow = new BootFlow(new ProtocolNetwork(r, log), log, Main::runPygrub, out);
            BootFlow.Outcome outcome = flow.run(r);
            return outcome.pygrubStatus() == 0 ? 0 : 1;
        } catch (BootException e) {
            log.error(e.getMessage());
            return 1;
        } catch (RuntimeException e) {
            // A bug, not bad input; still one line on the guest console, never a stack trace.
            // Temporary files are already gone: SecureTempFiles closes on any exception.
            log.error("internal error (please report): " + e);
            return 1;
        }
    }

    static BootRequest request(BootloaderOptions o) throws UsageException {
        InetSocketAddress dhcpTarget;
        try {
            dhcpTarget = new InetSocketAddress(InetAddress.getByName(o.dhcpServerHost()), o.dhcpServerPort());
        } catch (UnknownHostException e) {
            throw new UsageException("--dhcp-server: unknown host '" + o.dhcpServerHost() + "'");
        }
        return new BootRequest(o.mac(), o.interfaceName(), o.entry(), o.args(), o.output(), o.outputFormat(),
                Path.of(o.outputDirectory()), o.notReally(), o.noDhcp(), o.server(), o.ip(),
                dhcpTarget, o.dhcpClientPort(), o.tftpPort(), o.timeout(), o.uuid() == null ? null : UUID.fromString(o.uuid()),
                o.maxFileSize(), o.blksize() == null ? 0 : o.blksize(), o.windowsize() == null ? 0 : o.windowsize(),
                o.spin() == null ? -1 : o.spin(),
                o.disk(), o.pygrub() == null ? null : Path.of(o.pygrub()), pygrubOptions(o), o.listEntries(),
                o.maxTotalSize(), o.bootTimeout(), o.maxRequests(),
                new HttpOptions(o.fetchHttp(), o.httpPort(), o.httpHosts(), o.httpAnyHost()));
    }

    /** The toolstack's options that pygrub understands, handed on unchanged for LOCALBOOT. */
    static List<String> pygrubOptions(BootloaderOptions o) {
        List<String> p = new ArrayList<>();
        if (o.quiet()) p.add("-q");
        if (o.kernel() != null) p.add("--kernel=" + o.kernel());
        if (o.ramdisk() != null) p.add("--ramdisk=" + o.ramdisk());
        if (o.args() != null) p.add("--args=" + o.args());
        if (o.runas() != null) p.add("--runas=" + o.runas());
        if (o.notReally()) p.add("-n");
        p.add("--output=" + (o.output() == null ? "-" : o.output()));
        p.add("--output-format=" + o.outputFormat().optionName());
        if (o.outputDirectoryGiven()) p.add("--output-directory=" + o.outputDirectory());
        return p;
    }

    private static int runPygrub(List<String> cmd) throws java.io.IOException, InterruptedException {
        return new ProcessBuilder(cmd).inheritIO().start().waitFor();
    }
}
