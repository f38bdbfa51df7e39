package org.javapxeboot.cli;

import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import org.javapxeboot.boot.Log;
import org.javapxeboot.boot.SecureTempFiles;
import org.javapxeboot.http.HttpException;
import org.javapxeboot.http.HttpFetcher;

/**
 * {@code javapxeboot fetch http://...}: one HTTP download with the bootloader's HTTP client, as an
 * admin would use {@code curl}. The output file is written through a temporary file in the same
 * directory (mode 0600, created exclusively), renamed on success, deleted on failure and on SIGTERM,
 * SIGINT or SIGHUP. Parsed by hand: this runs on the bootloader's start-up path.
 */
final class HttpFetchCommand {
    static final String USAGE = "usage: javapxeboot fetch [--max-size BYTES] [--max-time S] [--stall-timeout S]\n"
        + "                         [--max-redirs N] [-q] http://HOST[:PORT]/PATH -o FILE|-\n"
        + "  --max-size B       refuse files larger than B bytes (suffixes k, M, G: powers of 1024)\n"
        + "  --max-time S       the whole transfer, redirects included, within S seconds (default "
        + HttpFetcher.DEFAULT_TOTAL_TIMEOUT.toSeconds() + ")\n"
        + "  --stall-timeout S  give up when the server sends nothing for S seconds (default "
        + HttpFetcher.DEFAULT_STALL_TIMEOUT.toSeconds() + ")\n"
        + "  --max-redirs N     follow at most N redirects, http to http only (default " + HttpFetcher.DEFAULT_MAX_REDIRECTS + ")\n"
        + "  -q, --quiet        no progress and no summary\n"
        + "  -o FILE            write to FILE (via a temporary file, renamed on success); - = stdout\n";

    private HttpFetchCommand() {}

    /** Exit codes: 0 fetched, 1 transfer failed, 2 usage error. */
    static int run(String[] args, PrintStream out, PrintStream err) {
        HttpFetcher.Settings s = HttpFetcher.Settings.defaults();
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
                    case "-h": case "--help": out.print(USAGE); return 0;
                    case "-q": case "--quiet": quiet = true; break;
                    case "--max-size": maxSize = FetchCommand.sizeArg(a, v != null ? v : next(args, ++i, a)); break;
                    case "--max-time": s = s.withTotalTimeout(seconds(a, v != null ? v : next(args, ++i, a))); break;
                    case "--stall-timeout": s = s.withStallTimeout(seconds(a, v != null ? v : next(args, ++i, a))); break;
                    case "--max-redirs": {
                        String n = v != null ? v : next(args, ++i, a);
                        try {
                            s = s.withMaxRedirects(Integer.parseInt(n.trim()));
                        } catch (RuntimeException e) {
                            throw new IllegalArgumentException(a + " expects a whole number 0..20, not '" + n + "'");
                        }
                        break;
                    }
                    case "-o": case "--output": output = v != null ? v : next(args, ++i, a); break;
                    default:
                        if (a.startsWith("-o") && a.length() > 2) output = a.substring(2);
                        else if (a.startsWith("-") && !a.equals("-")) throw new IllegalArgumentException("unknown option " + args[i]);
                        else if (url == null) url = a;
                        else throw new IllegalArgumentException("more than one URL: " + url + " and " + a);
                }
            }
            if (url == null) throw new IllegalArgumentException("no http:// URL given");
            if (output == null) throw new IllegalArgumentException("no output given (-o FILE, or -o - for stdout)");
            org.javapxeboot.http.HttpUrl.parse(url);
        } catch (IllegalArgumentException e) {
            err.println("javapxeboot fetch: " + Log.escape(e.getMessage()));
            err.print(USAGE);
            return 2;
        }
        boolean showProgress = !quiet && System.console() != null;
        HttpFetcher.Progress progress = showProgress ? new FetchCommand.ProgressLine(err) : null;
        if (!quiet) {
            s = s.withLog(new java.util.function.Consumer<String>() {
                @Override public void accept(String m) { err.println("javapxeboot fetch: " + Log.escape(m)); }
            });
        }
        HttpFetcher client = new HttpFetcher(s);
        try {
            HttpFetcher.Result r;
            if (output.equals("-")) {
                r = client.fetch(url, out, maxSize, progress);
                out.flush();
                if (out.checkError()) throw new HttpException(url + ": writing to standard output failed");
            } else {
                r = toFile(client, url, Path.of(output), maxSize, progress);
            }
            if (showProgress) err.print("\r\033[K");
            if (!quiet) err.println(Log.escape(summary(r)));
            return 0;
        } catch (IOException e) {
            if (showProgress) err.print("\r\033[K");
            err.println("javapxeboot fetch: " + Log.escape(e.getMessage()));
            return 1;
        }
    }

    private static HttpFetcher.Result toFile(HttpFetcher client, String url, Path target, long maxSize,
                                             HttpFetcher.Progress progress) throws IOException {
        Path dir = target.toAbsolutePath().getParent();
        if (dir == null || !Files.isDirectory(dir)) throw new IOException(target + ": the directory does not exist");
        try (SecureTempFiles files = new SecureTempFiles(dir)) {
            Path tmp = files.create("." + target.getFileName());
            HttpFetcher.Result r;
            try (OutputStream os = new java.io.BufferedOutputStream(Files.newOutputStream(tmp, StandardOpenOption.WRITE), 1 << 16)) {
                r = client.fetch(url, os, maxSize, progress);
            }
            files.handOver(() -> Files.move(tmp, target, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE));
            return r;
        }
    }

    static String summary(HttpFetcher.Result r) {
        return r.bytes() + " bytes in " + FetchCommand.fixed(r.elapsed().toNanos() / 1e9, 3) + " s ("
            + FetchCommand.fixed(r.megabytesPerSecond(), 1) + " MB/s) over HTTP"
            + (r.redirects() > 0 ? ", " + r.redirects() + " redirect" + (r.redirects() > 1 ? "s" : "") + " to " + r.finalUrl() : "");
    }

    private static Duration seconds(String opt, String v) {
        try {
            double d = Double.parseDouble(v.trim());
            if (!(d > 0) || d > 86400) throw new NumberFormatException();
            return Duration.ofNanos((long) (d * 1e9));
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(opt + " expects seconds, more than 0 and at most 86400, not '" + v + "'");
        }
    }

    private static String next(String[] args, int i, String opt) {
        if (i >= args.length) throw new IllegalArgumentException(opt + " needs a value");
        return args[i];
    }
}
