package org.javapxeboot.boot;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.net.Inet4Address;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import java.util.function.LongSupplier;
import org.javapxeboot.dhcp.DhcpLease;
import org.javapxeboot.dhcp.DhcpMessages;
import org.javapxeboot.pxelinux.BootEntry;
import org.javapxeboot.pxelinux.ConfigChain;
import org.javapxeboot.pxelinux.ConfigSearch;
import org.javapxeboot.pxelinux.ConfigSource;
import org.javapxeboot.pxelinux.KernelArgs;
import org.javapxeboot.pxelinux.NetworkInfo;
import org.javapxeboot.pxelinux.PxelinuxConfig;
import org.javapxeboot.pxelinux.PxelinuxException;
import org.javapxeboot.pxelinux.PxelinuxParser;
import org.javapxeboot.pxelinux.ServerPaths;
import org.javapxeboot.xen.Stanza;

/**
 * One guest boot, as pxelinux would do it on the guest's behalf: DHCP for the guest's MAC, the
 * pxelinux config search, the label choice, the kernel and ramdisk fetched into secure temporary
 * files, and the stanza handed to the toolstack. On any failure nothing is left behind.
 */
public final class BootFlow {

    /** Runs pygrub for LOCALBOOT; returns its exit status. A seam for tests. */
    public interface Pygrub {
        int run(List<String> command) throws IOException, InterruptedException;
    }

    /** Where pygrub lives on Debian (xen-utils-4.17) and on source installs. */
    static final List<String> PYGRUB_PLACES = List.of(
            "/usr/lib/xen-4.17/bin/pygrub", "/usr/lib/xen/bin/pygrub", "/usr/local/lib/xen/bin/pygrub",
            "/usr/bin/pygrub", "/usr/local/bin/pygrub");

    private final Network network;
    private final Log log;
    private final Pygrub pygrub;
    private final PrintStream stdout;
    private final LongSupplier nanoClock;

    public BootFlow(Network network, Log log, Pygrub pygrub, PrintStream stdout) {
        this(network, log, pygrub, stdout, System::nanoTime);
    }

    /** @param nanoClock the clock the boot's deadline is measured on (as {@link System#nanoTime}); a seam for tests */
    public BootFlow(Network network, Log log, Pygrub pygrub, PrintStream stdout, LongSupplier nanoClock) {
        this.network = network;
        this.log = log;
        this.pygrub = pygrub;
        this.stdout = stdout;
        this.nanoClock = nanoClock;
    }

    /** The result of {@link #run}: the stanza handed over, or pygrub's exit status after LOCALBOOT. */
    public record Outcome(Stanza stanza, BootEntry entry, int pygrubStatus) {}

    public Outcome run(BootRequest r) throws BootException {
        if (r.mac() == null) {
            throw new BootException("no MAC address: pass --mac=aa:bb:cc:dd:ee:ff (xl: bootloader_args = [\"--mac=...\"]) "
                    + "or a mac= argument (xm: bootargs = \"vif[0]\")");
        }
        // Checked before any packet is sent: a wrong directory is the admin's mistake, not the network's.
        Path dir = r.outputDirectory() == null ? BootRequest.DEFAULT_OUTPUT_DIRECTORY : r.outputDirectory();
        boolean fetches = !r.notReally() && !r.listEntries();
        if (fetches && !Files.isDirectory(dir)) throw new BootException("output directory " + dir + " does not exist");
        String who = "guest " + r.mac();
        BootBudget budget = new BootBudget(nanoClock, r.bootTimeout(), r.maxTotalSize(), r.maxRequests());
        DhcpLease lease = lease(r, who);
        Inet4Address tftpServer = lease.tftpServer();
        if (tftpServer == null) {
            throw new BootException(who + ": the DHCP answer names no TFTP server (neither siaddr nor option 54)");
        }
        InetSocketAddress server = new InetSocketAddress(tftpServer, r.tftpPort());
        checkDhcpPaths(lease, who);
        String prefix = pathPrefix(lease);
        log.debug("TFTP server " + tftpServer.getHostAddress() + ":" + r.tftpPort() + ", path prefix '" + prefix + "'");

        // Every config file is fetched once per boot: the search finds one, the parser reads it again,
        // and menus include the same file from several places (Debian's stdmenu.cfg, drkmenu.cfg).
        java.util.Map<String, Optional<String>> fetched = new java.util.HashMap<>();
        ConfigSource cached = path -> {
            Optional<String> text = fetched.get(path);
            if (text == null) {
                text = fetchText(server, path, budget);
                fetched.put(path, text);
            }
            return text;
        };
        Found found = findConfig(r, lease, server, prefix, cached, who, budget);
        String configPath = found.path();
        PxelinuxConfig config;
        BootEntry entry;
        try {
            config = PxelinuxParser.parse(configPath, prefix, cached);
            if (r.listEntries()) {
                // Listing needs no choice: it must work even when the default entry is broken.
                log.info("config " + url(server, configPath));
                for (String label : config.labelNames()) stdout.println(Log.escape(label));
                stdout.flush();
                return new Outcome(null, null, 0);
            }
            // CONFIG labels load another config in its place (the first one is parsed again from the cache).
            ConfigChain.Result chosen = ConfigChain.select(configPath, prefix, cached, r.entry());
            for (PxelinuxConfig.Chain step : chosen.steps()) {
                log.info("label '" + step.label() + "' loads config " + url(server, step.file())
                        + (step.prefix().isEmpty() ? "" : " with path prefix '" + step.prefix() + "'"));
            }
            config = chosen.config();
            entry = chosen.entry();
        } catch (PxelinuxException e) {
            // A config named by an http:// URL is located by its URL already.
            String m = e.getMessage();
            throw new BootException(m.regionMatches(true, 0, "http://", 0, 7) ? m : url(server, "") + m);
        }
        log.info("config " + url(server, config.file()) + ", "
                + (entry.label() == null ? "the kernel DEFAULT names" : "label '" + entry.label() + "'"));

        if (entry.localBoot()) return localBoot(r, entry);
        if (r.http().fetchFilesOverHttp()) entry = overHttp(entry, server, r.http().httpPort());

        NetworkInfo net = new NetworkInfo(lease.clientAddress(), tftpServer, lease.router(), lease.subnetMask(), r.mac());
        String args = KernelArgs.compose(entry, net, r.extraArgs());
        if (r.notReally()) {
            Stanza s = new Stanza(url(server, entry.kernel()),
                    entry.initrds().isEmpty() ? null : String.join(",", entry.initrds().stream().map(p -> url(server, p)).toList()),
                    args);
            writeOutput(r, s);
            return new Outcome(s, entry, 0);
        }

        try (SecureTempFiles files = new SecureTempFiles(dir)) {
            Path kernel = files.create("kernel");
            fetchFile(server, entry.kernel(), kernel, r.maxFileSize(), false, budget);
            Path ramdisk = null;
            if (!entry.initrds().isEmpty()) {
                ramdisk = files.create("ramdisk");
                // pxelinux loads several initrds back to back; the kernel unpacks concatenated cpio archives.
                for (int i = 0; i < entry.initrds().size(); i++) {
                    fetchFile(server, entry.initrds().get(i), ramdisk, r.maxFileSize(), i > 0, budget);
                }
            }
            budget.checkTime();
            Stanza s = new Stanza(kernel.toString(), ramdisk == null ? null : ramdisk.toString(), args);
            byte[] bytes = render(r, s);
            // Opened before the hand-over: opening xend's fifo waits for its reader, and a SIGTERM
            // meanwhile must still find the files its shutdown hook deletes.
            OutputStream o = openOutput(r);
            files.handOver(() -> write(r, o, bytes));
            return new Outcome(s, entry, 0);
        } catch (IOException e) {
            throw failure(e, budget);
        }
    }

    /** The limit that was hit, if any (the TFTP client wraps it in its own words), else the failure itself. */
    private static BootException failure(IOException e, BootBudget budget) {
        return new BootException(budget.exceeded() != null ? budget.exceeded() : e.getMessage(), e);
    }

    private DhcpLease lease(BootRequest r, String who) throws BootException {
        if (r.noDhcp()) {
            if (r.server() == null) throw new BootException("--no-dhcp needs --server=IP (the TFTP server)");
            return new DhcpLease(r.clientIp(), null, r.server(), null, null, null, null, null, List.of(), null, null, 0);
        }
        try {
            long t0 = System.nanoTime();
            DhcpLease lease = network.lease(r);
            log.info("DHCP: " + (lease.clientAddress() == null ? "?" : lease.clientAddress().getHostAddress())
                    + " for " + r.mac() + " in " + (System.nanoTime() - t0) / 1_000_000 + " ms");
            return lease;
        } catch (IOException e) {
            throw new BootException(e.getMessage(), e);
        }
    }

    /**
     * Options 209 and 210, and the boot file whose folder is the prefix when 210 is absent, come from whoever
     * answers DHCP first on the guest's bridge: no '..', nothing absolute.
     */
    static void checkDhcpPaths(DhcpLease lease, String who) throws BootException {
        String p = ServerPaths.problem(lease.pathPrefix());
        if (p != null) throw new BootException(who + ": DHCP option 210 (path prefix) '" + lease.pathPrefix() + "' refused: " + p);
        if (lease.pathPrefix() == null) {
            String derived = pathPrefix(lease);
            String d = ServerPaths.problem(derived);
            if (d != null) {
                throw new BootException(who + ": the path prefix '" + derived + "' taken from the DHCP boot file '" + lease.bootFile()
                        + "' refused: " + d + "; name the boot file relative to the TFTP root, or send option 210");
            }
        }
        String c = ServerPaths.problem(lease.configFile());
        if (c == null && lease.configFile() != null && !lease.configFile().startsWith("::")) {
            c = ServerPaths.problem(pathPrefix(lease) + lease.configFile());
        }
        if (c != null) throw new BootException(who + ": DHCP option 209 (config file) '" + lease.configFile() + "' refused: " + c);
    }

    /**
     * pxelinux's path prefix: option 210 if sent, else the boot file's directory (everything up to
     * and including its last slash), else nothing. A boot file at the server's root written with a
     * leading slash ({@code filename "/pxelinux.0"}, common in dhcpd configs) gives no prefix: a TFTP
     * server confined to its tree reads "/x" as "x", and the bootloader sends no absolute names.
     */
    static String pathPrefix(DhcpLease lease) {
        if (lease.pathPrefix() != null) return lease.pathPrefix();
        String file = lease.bootFile();
        if (file == null) return "";
        int slash = file.lastIndexOf('/');
        return slash <= 0 ? "" : file.substring(0, slash + 1);
    }

    private record Found(String path, String text) {}

    /**
     * The UUID pxelinux tries first: the one sent in DHCP option 97 (our DHCP client always sends
     * one, made from the MAC unless --uuid is given); none when DHCP was skipped and none was given.
     */
    static UUID clientUuid(BootRequest r) {
        if (r.uuid() != null) return r.uuid();
        return r.noDhcp() ? null : DhcpMessages.uuidFor(r.mac());
    }

    /** Option 209 first, then pxelinux's search order. "File not found" moves on; anything else is reported. */
    private Found findConfig(BootRequest r, DhcpLease lease, InetSocketAddress server, String prefix,
                              ConfigSource source, String who, BootBudget budget) throws BootException {
        List<String> candidates = new ArrayList<>();
        if (lease.configFile() != null && !lease.configFile().isEmpty()) {
            String f = lease.configFile();
            candidates.add(f.startsWith("::") ? f.substring(2) : prefix + f);
        }
        UUID uuid = clientUuid(r);
        candidates.addAll(ConfigSearch.candidates(prefix, uuid == null ? null : uuid.toString(), r.mac(), lease.clientAddress()));
        for (String c : candidates) {
            try {
                Optional<String> text = source.read(c);
                if (text.isPresent()) return new Found(c, text.get());
                log.debug("no " + url(server, c));
            } catch (IOException e) {
                throw failure(e, budget);
            }
        }
        throw new BootException(who + ": no pxelinux config on " + server.getAddress().getHostAddress()
                + ": tried " + candidates.size() + " names, from " + candidates.get(0) + " to " + candidates.get(candidates.size() - 1));
    }

    private Optional<String> fetchText(InetSocketAddress server, String path, BootBudget budget) throws IOException {
        ByteArrayOutputStream buf = new ByteArrayOutputStream();
        budget.request(url(server, path));
        try {
            network.fetch(server, path, budget.count(buf), BootRequest.MAX_CONFIG_SIZE, budget.timeLeft());
        } catch (Network.NotFound e) {
            return Optional.empty();
        }
        return Optional.of(buf.toString(StandardCharsets.ISO_8859_1));
    }

    private void fetchFile(InetSocketAddress server, String path, Path target, long max, boolean append, BootBudget budget)
            throws IOException {
        long t0 = System.nanoTime();
        budget.request(url(server, path));
        // Counted before the buffer, so the cap holds for what the network delivers, byte for byte.
        try (OutputStream out = budget.count(new java.io.BufferedOutputStream(Files.newOutputStream(target,
                StandardOpenOption.WRITE, append ? StandardOpenOption.APPEND : StandardOpenOption.TRUNCATE_EXISTING), 1 << 16))) {
            network.fetch(server, path, out, max, budget.timeLeft());
        } catch (Network.NotFound e) {
            throw new IOException(url(server, path) + ": file not found on the server", e);
        }
        long ms = Math.max(1, (System.nanoTime() - t0) / 1_000_000);
        long size = Files.size(target);
        log.info("fetched " + url(server, path) + ": " + size + " bytes in " + ms + " ms");
    }

    private Outcome localBoot(BootRequest r, BootEntry entry) throws BootException {
        Path exe = r.pygrub();
        if (exe == null) {
            exe = PYGRUB_PLACES.stream().map(Path::of).filter(Files::isExecutable).findFirst().orElse(null);
        }
        if (exe == null || !Files.isExecutable(exe)) {
            throw new BootException("label '" + entry.label() + "' is LOCALBOOT (boot from the guest's disk) but no pygrub was found "
                    + (r.pygrub() != null ? "at " + r.pygrub() : "in " + String.join(", ", PYGRUB_PLACES))
                    + "; install xen-utils or pass --pygrub=PATH");
        }
        if (r.disk() == null) {
            throw new BootException("label '" + entry.label() + "' is LOCALBOOT but the toolstack passed no disk to boot from");
        }
        List<String> cmd = new ArrayList<>();
        cmd.add(exe.toString());
        cmd.addAll(r.passThrough());
        cmd.add(r.disk());
        log.info("label '" + entry.label() + "' is LOCALBOOT: handing over to " + exe);
        try {
            return new Outcome(null, entry, pygrub.run(cmd));
        } catch (IOException e) {
            throw new BootException("could not run " + exe + ": " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new BootException("interrupted while pygrub ran");
        }
    }

    private void writeOutput(BootRequest r, Stanza s) throws BootException {
        byte[] bytes = render(r, s);
        write(r, openOutput(r), bytes);
    }

    private static byte[] render(BootRequest r, Stanza s) throws BootException {
        byte[] bytes;
        try {
            bytes = r.format().render(s);
        } catch (IllegalArgumentException e) {
            throw new BootException("cannot write the " + r.format().name().toLowerCase(java.util.Locale.ROOT) + " stanza: " + e.getMessage());
        }
        if (r.format() != org.javapxeboot.xen.OutputFormat.SXP) {
            for (String v : new String[] {s.kernel(), s.ramdisk(), s.args()}) {
                if (v != null && v.length() + 8 > BootRequest.LIBXL_MAX_LINE) {
                    throw new BootException("the stanza has a line of " + (v.length() + 8) + " bytes; libxl drops lines of "
                            + (BootRequest.LIBXL_MAX_LINE + 1) + " bytes or more: shorten the APPEND line or --args");
                }
            }
        }
        return bytes;
    }

    private static String outputName(BootRequest r) { return r.output() == null ? "-" : r.output(); }

    /** The stream the stanza goes to: stdout for "-", else the toolstack's file or fifo. */
    private OutputStream openOutput(BootRequest r) throws BootException {
        String out = outputName(r);
        if (out.equals("-")) return stdout;
        // The toolstack made this file (libxl) or fifo (xend) and reads it; never create one ourselves.
        try {
            return Files.newOutputStream(Path.of(out), StandardOpenOption.WRITE, StandardOpenOption.TRUNCATE_EXISTING);
        } catch (NoSuchFileException e) {
            throw new BootException("output " + out + " does not exist (the toolstack creates it; use --output=- for stdout)");
        } catch (IOException e) {
            throw new BootException("cannot write output " + out + ": " + e.getMessage(), e);
        }
    }

    private void write(BootRequest r, OutputStream o, byte[] bytes) throws BootException {
        if (o == stdout) {
            stdout.write(bytes, 0, bytes.length);
            stdout.flush();
            return;
        }
        try (o) {
            o.write(bytes);
        } catch (IOException e) {
            throw new BootException("cannot write output " + outputName(r) + ": " + e.getMessage(), e);
        }
    }

    /**
     * --fetch=http: the kernel and initrds named by server paths are fetched from the TFTP server's
     * address over HTTP, the path unchanged (a leading slash is not doubled); URLs stay as they are.
     */
    static BootEntry overHttp(BootEntry e, InetSocketAddress server, int port) {
        String base = "http://" + server.getAddress().getHostAddress() + (port == 80 ? "" : ":" + port) + "/";
        java.util.function.UnaryOperator<String> map = p -> p.contains("://") ? p : base + (p.startsWith("/") ? p.substring(1) : p);
        return new BootEntry(e.label(), map.apply(e.kernel()), e.initrds().stream().map(map).toList(), e.append(),
                e.ipappend(), e.localBoot());
    }

    /** The URL of a server path for messages and -n; a path that is a URL already (lpxelinux's http://) is itself. */
    static String url(InetSocketAddress server, String path) {
        if (path.contains("://")) return path;
        String host = server.getAddress().getHostAddress();
        return "tftp://" + host + (server.getPort() == 69 ? "" : ":" + server.getPort()) + "/" + path;
    }
}
