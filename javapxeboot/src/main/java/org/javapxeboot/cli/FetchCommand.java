package org.javapxeboot.cli;


import java.io.IOException;
import java.io.PrintStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.nio.file.Path;
import org.javapxeboot.boot.Log;
import org.javapxeboot.tftp.TftpClient;
import org.javapxeboot.tftp.TftpUrl;
import org.javapxeboot.tftp.TftpException;
import org.javapxeboot.tftp.TransferResult;

/**
 * {@code javapxeboot fetch}: one TFTP download, as an admin would use {@code curl tftp://}, to use and
 * measure the transfer engine alone. Parsed by hand: this runs on the bootloader's start-up path.
 */
public final class FetchCommand {
    static final String USAGE = "usage: javapxeboot fetch [--blksize N] [--windowsize N] [--timeout S] [--max-size BYTES]\n"
        + "                         [--spin US] [--no-offload] [--no-options] [-q] tftp://HOST[:PORT]/PATH -o FILE|-\n"
        + "  --blksize N      block size to ask for, 8..65464 (default: fit the path MTU)\n"
        + "  --windowsize N   blocks per window, 1..65535 (default " + TftpClient.DEFAULT_WINDOWSIZE + ")\n"
        + "  --timeout S      server retransmission timeout to ask for, 1..255 s (default " + TftpClient.DEFAULT_TIMEOUT_SECONDS + ")\n"
        + "  --max-size B     refuse files larger than B bytes (suffixes k, M, G: powers of 1024)\n"
        + "  --spin US        poll an empty socket for US microseconds before sleeping, 0..10000\n"
        + "                   (default " + TftpClient.DEFAULT_SPIN_MICROS + " on this machine: 100 with more than one CPU, else 0)\n"
        + "  --no-offload     one datagram per receive even when UDP GRO is available\n"
        + "  --no-options     plain RFC 1350: no option negotiation, 512-byte blocks, lock-step\n"
        + "  -q, --quiet      no progress and no summary\n"
        + "  -o FILE          write to FILE (via a temporary file, renamed on success); - = stdout\n"
        + "\n" + HttpFetchCommand.USAGE;

    private FetchCommand() {}

    /** Exit codes: 0 fetched, 1 transfer failed, 2 usage error. An http:// or https:// URL goes to {@link HttpFetchCommand}. */
    public static int run(String[] args, PrintStream out, PrintStream err) {
        for (String a : args) {
            if (org.javapxeboot.http.HttpUrl.isHttp(a)) return HttpFetchCommand.run(args, out, err);
        }
        TftpClient.Settings s = TftpClient.Settings.defaults();
        String url = null, output = null;
        boolean quiet = false;
        long maxSize = -1;
        try {
            for (int i = 0; i < args.length; i++) {
                String a = args[i], v = null;
                int eq = a.indexOf('=');
                if (a.startsWith("--") && eq > 0) {
                    v = a.substring(eq + 1);
                    a = a.substring(0, eq);
                }
                switch (a) {
                    case "-h": case "--help":
                        out.print(USAGE);
                        return 0;
                    case "-q": case "--quiet":
                        quiet = true;
                        break;
                    case "--no-offload":
                        s = s.withOffload(false);
                        break;
                    case "--spin":
                        s = s.withSpinMicros(intArg(a, v != null ? v : next(args, ++i, a)));
                        break;
                    case "--no-options":
                        s = s.withNegotiate(false);
                        break;
                    case "--blksize":
                        s = s.withBlksize(intArg(a, v != null ? v : next(args, ++i, a)));
                        break;
                    case "--windowsize":
                        s = s.withWindowsize(intArg(a, v != null ? v : next(args, ++i, a)));
                        break;
                    case "--timeout":
                        s = s.withTimeoutSeconds(intArg(a, v != null ? v : next(args, ++i, a)));
                        break;
                    case "--max-size":
                        maxSize = sizeArg(a, v != null ? v : next(args, ++i, a));
                        break;
                    case "-o": case "--output":
                        output = v != null ? v : next(args, ++i, a);
                        break;
                    default:
                        if (a.startsWith("-o") && a.length() > 2) {
                            output = a.substring(2);
                        } else if (a.startsWith("-") && !a.equals("-")) {
                            throw new IllegalArgumentException("unknown option " + args[i]);
                        } else if (url == null) {
                            url = a;
                        } else {
                            throw new IllegalArgumentException("more than one URL: " + url + " and " + a);
                        }
                }
            }
            if (url == null) throw new IllegalArgumentException("no tftp:// or http:// URL given");
            if (output == null) throw new IllegalArgumentException("no output given (-o FILE, or -o - for stdout)");
        } catch (IllegalArgumentException e) {
            err.println("javapxeboot fetch: " + Log.escape(e.getMessage()));
            err.print(USAGE);
            return 2;
        }

        TftpUrl t;
        try {
            t = TftpUrl.parse(url);
        } catch (IllegalArgumentException e) {
            err.println("javapxeboot fetch: " + Log.escape(e.getMessage()));
            return 2;
        }
        InetSocketAddress server;
        try {
            server = new InetSocketAddress(InetAddress.getByName(t.host), t.port);
        } catch (UnknownHostException e) {
            err.println("javapxeboot fetch: " + Log.escape(url + ": unknown host " + t.host));
            return 1;
        }

        boolean showProgress = !quiet && System.console() != null;
        TftpClient.Progress progress = showProgress ? new ProgressLine(err) : null;
        // An anonymous class, not a lambda: the first lambda bootstraps invokedynamic at start-up.
        java.util.function.Consumer<String> log = quiet ? null : new java.util.function.Consumer<String>() {
            @Override public void accept(String m) { err.println("javapxeboot fetch: " + Log.escape(m)); }
        };
        TftpClient client = new TftpClient(s.withLog(log));
        try {
            TransferResult r;
            if (output.equals("-")) {
                r = client.fetch(server, t.path, out, maxSize, progress);
                out.flush();
                // PrintStream keeps write errors (a closed pipe) to itself.
                if (out.checkError()) throw new TftpException(t.url() + ": writing to standard output failed");
            } else {
                r = client.fetch(server, t.path, Path.of(output), maxSize, progress);
            }
            if (showProgress) err.print("\r\033[K");
            if (!quiet) err.println(Log.escape(summary(r)));
            return 0;
        } catch (TftpException e) {
            if (showProgress) err.print("\r\033[K");
            err.println("javapxeboot fetch: " + Log.escape(e.getMessage()));
            return 1;
        }
    }

    static String summary(TransferResult r) {
        double secs = r.elapsed().toNanos() / 1e9;
        return r.bytes() + " bytes in " + fixed(secs, 3) + " s (" + fixed(r.megabytesPerSecond(), 1) + " MB/s), blksize "
            + r.blksize() + ", windowsize " + r.windowsize() + (r.optionsAccepted() ? "" : " (server ignored options)")
            + ", " + r.retransmissions() + " retransmissions, " + r.duplicatesIgnored() + " duplicates"
            + (r.coalescedReceives() > 0 ? ", " + r.coalescedReceives() + " coalesced receives (UDP GRO)" : "");
    }

    /**
     * {@code v} with {@code decimals} digits after the point, rounded half up. Not String.format: its
     * Formatter and regular expressions cost more start-up time than a whole small fetch.
     */
    static String fixed(double v, int decimals) {
        long scale = 1;
        for (int i = 0; i < decimals; i++) scale *= 10;
        long n = Math.round(Math.abs(v) * scale);
        StringBuilder frac = new StringBuilder(Long.toString(n % scale));
        while (frac.length() < decimals) frac.insert(0, '0');
        return (v < 0 && n != 0 ? "-" : "") + (n / scale) + (decimals > 0 ? "." + frac : "");
    }

    private static String next(String[] args, int i, String opt) {
        if (i >= args.length) throw new IllegalArgumentException(opt + " needs a value");
        return args[i];
    }

    private static int intArg(String opt, String v) {
        try {
            return Integer.parseInt(v.trim());
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(opt + " expects a whole number, not '" + v + "'");
        }
    }

    static long sizeArg(String opt, String v) {
        String t = v.trim();
        long mult = 1;
        if (!t.isEmpty()) {
            switch (Character.toLowerCase(t.charAt(t.length() - 1))) {
                case 'k': mult = 1L << 10; break;
                case 'm': mult = 1L << 20; break;
                case 'g': mult = 1L << 30; break;
                default: mult = 1;
            }
            if (mult > 1) t = t.substring(0, t.length() - 1);
        }
        try {
            long n = Long.parseLong(t);
            if (n < 0) throw new NumberFormatException();
            return Math.multiplyExact(n, mult);
        } catch (NumberFormatException | ArithmeticException e) {
            throw new IllegalArgumentException(opt + " expects a size in bytes (suffix k, M or G allowed), not '" + v + "'");
        }
    }

    /** "  12.3 / 40.1 MB  31 %  95.2 MB/s" redrawn in place on a terminal. */
    static final class ProgressLine implements TftpClient.Progress, org.javapxeboot.http.HttpFetcher.Progress {
        private final PrintStream err;
        private final long start = System.nanoTime();

        ProgressLine(PrintStream err) { this.err = err; }

        @Override public void update(long bytes, long expected) {
            double secs = Math.max(1e-9, (System.nanoTime() - start) / 1e9);
            String total = expected > 0
                ? " / " + fixed(expected / 1e6, 1) + " MB  " + (bytes * 100 / Math.max(1, expected)) + " %"
                : " MB";
            err.print("\r  " + fixed(bytes / 1e6, 1) + total + "  " + fixed(bytes / 1e6 / secs, 1) + " MB/s\033[K");
            err.flush();
        }
    }

    /** Standalone entry point until the lead's Main dispatches {@code fetch} here. */
    public static void main(String[] args) throws IOException {
        System.exit(run(args, System.out, System.err));
    }
}
