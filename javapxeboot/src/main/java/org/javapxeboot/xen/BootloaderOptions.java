package org.javapxeboot.xen;

import java.net.Inet4Address;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.javapxeboot.net.MacAddress;
import org.javapxeboot.pxelinux.ConfigSearch;

/**
 * The command line Xen hands its bootloader, parsed GNU-style ({@code --opt=value} and {@code --opt value}).
 * Accepts unchanged:
 * <ul>
 * <li>xend: {@code [--kernel=K] [--ramdisk=R] [--args=A] [-q] --output=FIFO mac=AA:..[,bridge=..] DISK}</li>
 * <li>libxl: {@code [--kernel=..] [--ramdisk=..] [--args=..] [--runas=UID --quiet] --output=FILE
 * --output-format=simple0 --output-directory=DIR ARGS... DISK} with {@code --mac=..} among the ARGS</li>
 * <li>pygrub's and pypxeboot's flags, plus our own network options.</li>
 * </ul>
 * Options a toolstack may add that we do not know are not fatal: they become {@link #warnings()}. A missing
 * MAC is not a parse error either (the caller reports it when it needs one).
 */
public final class BootloaderOptions {
    public static final String DEFAULT_OUTPUT_DIRECTORY = "/var/lib/xen";
    public static final String DEFAULT_DHCP_SERVER = "255.255.255.255";
    public static final int DEFAULT_DHCP_SERVER_PORT = 67;
    public static final int DEFAULT_DHCP_CLIENT_PORT = 68;
    public static final int DEFAULT_TFTP_PORT = 69;
    public static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(30);
    public static final long DEFAULT_MAX_FILE_SIZE = 512L * 1024 * 1024;
    public static final long DEFAULT_MAX_TOTAL_SIZE = 2L * 1024 * 1024 * 1024;
    public static final Duration DEFAULT_BOOT_TIMEOUT = Duration.ofSeconds(300);
    public static final int DEFAULT_MAX_REQUESTS = 256;

    /** Option name (without dashes) → whether it takes a value. Short flags map to their long names. */
    private static final Map<String, Boolean> OPTIONS = new LinkedHashMap<>();
    private static final Map<Character, String> SHORT = Map.of(
            'q', "quiet", 'v', "verbose", 'n', "not-really", 'h', "help", 'i', "interactive", 'l', "list-entries");

    static {
        for (String flag : List.of("quiet", "verbose", "debug", "not-really", "help", "version", "no-dhcp", "isconfig",
                "interactive", "list-entries")) {
            OPTIONS.put(flag, false);
        }
        for (String opt : List.of("output", "output-format", "output-directory", "entry", "label", "kernel", "ramdisk",
                "args", "interface", "runas", "mac", "server", "ip", "dhcp-server", "dhcp-port", "tftp-port", "timeout",
                "uuid", "max-file-size", "max-total-size", "boot-timeout", "max-requests", "blksize", "windowsize", "spin",
                "pygrub", "fetch", "http-port", "http-hosts")) {
            OPTIONS.put(opt, true);
        }
    }

    private String kernel;
    private String ramdisk;
    private String args;
    private boolean quiet;
    private boolean verbose;
    private boolean notReally;
    private boolean listEntries;
    private boolean help;
    private boolean version;
    private boolean noDhcp;
    private String output = "-";
    private OutputFormat outputFormat = OutputFormat.SXP;
    private String outputDirectory;
    private String entry;
    private String interfaceName;
    private String runas;
    private String pygrub;
    private MacAddress mac;
    private String macSource;
    private Inet4Address server;
    private Inet4Address ip;
    private String dhcpServerHost = DEFAULT_DHCP_SERVER;
    private int dhcpServerPort = DEFAULT_DHCP_SERVER_PORT;
    private int dhcpClientPort = DEFAULT_DHCP_CLIENT_PORT;
    private int tftpPort = DEFAULT_TFTP_PORT;
    private Duration timeout = DEFAULT_TIMEOUT;
    private String uuid;
    private long maxFileSize = DEFAULT_MAX_FILE_SIZE;
    private long maxTotalSize = DEFAULT_MAX_TOTAL_SIZE;
    private Duration bootTimeout = DEFAULT_BOOT_TIMEOUT;
    private int maxRequests = DEFAULT_MAX_REQUESTS;
    private Integer blksize;
    private Integer windowsize;
    private Integer spin;
    private boolean fetchHttp;
    private int httpPort = 80;
    private List<String> httpHosts = List.of();
    private String disk;
    private final List<String> extraArguments = new ArrayList<>();
    private final List<String> vifTokens = new ArrayList<>();
    private final List<String> warnings = new ArrayList<>();

    private BootloaderOptions() {}

    public static BootloaderOptions parse(String[] argv) throws UsageException {
        BootloaderOptions o = new BootloaderOptions();
        List<String> positionals = new ArrayList<>();
        MacAddress vifMac = null;
        String vifMacToken = null;
        boolean optionsDone = false;
        for (int i = 0; i < argv.length; i++) {
            String a = argv[i];
            if (optionsDone || a.equals("-") || !a.startsWith("-")) {
                positionals.add(a);
                continue;
            }
            if (a.equals("--")) {
                optionsDone = true;
                continue;
            }
            if (!a.startsWith("--")) {
                for (char c : a.substring(1).toCharArray()) {
                    String name = SHORT.get(c);
                    if (name == null) o.warnings.add("ignoring unknown option -" + c);
                    else o.apply(name, null);
                }
                continue;
            }
            int eq = a.indexOf('=');
            String name = eq < 0 ? a.substring(2) : a.substring(2, eq);
            String value = eq < 0 ? null : a.substring(eq + 1);
            Boolean takesValue = OPTIONS.get(name);
            if (takesValue == null) {
                // A toolstack may pass options we do not know; they must not break a boot. An unknown option
                // cannot say whether it takes a value, so it never swallows the next word.
                o.warnings.add("ignoring unknown option " + a);
                continue;
            }
            if (takesValue && value == null) {
                if (i + 1 >= argv.length) throw new UsageException("option --" + name + " needs a value");
                value = argv[++i];
            } else if (!takesValue && value != null) {
                o.warnings.add("option --" + name + " takes no value; ignoring '=" + value + "'");
                value = null;
            }
            o.apply(name, value);
        }
        // Positionals: vif strings carrying "mac=" (xend passes bootargs "vif[0]" as one word), the disk
        // (always last), and anything else from bootloader_args.
        List<String> plain = new ArrayList<>();
        for (String p : positionals) {
            String m = vifMac(p);
            if (m == null) {
                plain.add(p);
                continue;
            }
            o.vifTokens.add(p);
            MacAddress parsed = OptionValues.parseMac(m, "'" + p + "'");
            if (vifMac == null) {
                vifMac = parsed;
                vifMacToken = p;
            } else if (!vifMac.equals(parsed)) {
                o.warnings.add("ignoring " + p + ": the MAC is taken from " + vifMacToken);
            }
        }
        if (!plain.isEmpty()) {
            o.disk = plain.get(plain.size() - 1);
            for (String p : plain.subList(0, plain.size() - 1)) {
                o.extraArguments.add(p);
                o.warnings.add("ignoring extra argument '" + p + "'");
            }
        }
        if (vifMac != null) {
            if (o.mac == null) {
                o.mac = vifMac;
                o.macSource = vifMacToken;
            } else if (!o.mac.equals(vifMac)) {
                o.warnings.add("ignoring " + vifMacToken + ": --mac " + o.mac + " was given");
            }
        }
        return o;
    }

    /** The MAC text of a vif string such as {@code mac=AA:00:86:e2:35:72,bridge=xenbr0}, or null. */
    private static String vifMac(String token) {
        for (String part : token.split(",")) {
            String t = part.trim();
            if (t.regionMatches(true, 0, "mac=", 0, 4)) return t.substring(4);
        }
        return null;
    }

    private void apply(String name, String v) throws UsageException {
        switch (name) {
            case "quiet": quiet = true; break;
            case "verbose": case "debug": verbose = true; break;
            case "not-really": notReally = true; break;
            case "help": help = true; break;
            case "version": version = true; break;
            case "no-dhcp": noDhcp = true; break;
            case "list-entries": listEntries = true; break;
            case "isconfig":
                warnings.add("ignoring --isconfig: the config comes over the network, not from the disk");
                break;
            case "interactive":
                warnings.add("ignoring --interactive: there is no menu; the entry is chosen as pxelinux would on timeout");
                break;
            case "output": output = v; break;
            case "output-format":
                try {
                    outputFormat = OutputFormat.parse(v);
                } catch (IllegalArgumentException e) {
                    throw new UsageException("--output-format: " + e.getMessage());
                }
                break;
            case "output-directory": outputDirectory = v; break;
            // pygrub treats an entry it cannot match as "the default"; an empty one can match nothing.
            case "entry": case "label": entry = v.isEmpty() ? null : v; break;
            case "kernel": kernel = v; break;
            case "ramdisk": ramdisk = v; break;
            case "args": args = v; break;
            case "interface": interfaceName = v; break;
            case "runas": runas = v; break;
            case "pygrub": pygrub = v; break;
            case "mac":
                mac = OptionValues.parseMac(v, "--mac");
                macSource = "--mac";
                break;
            case "server": server = OptionValues.parseIpv4(v, "--server"); break;
            case "ip": ip = OptionValues.parseIpv4(v, "--ip"); break;
            case "dhcp-server": {
                int colon = v.lastIndexOf(':');
                String host = colon < 0 ? v : v.substring(0, colon);
                if (host.isEmpty()) throw new UsageException("--dhcp-server: '" + v + "' names no host (expected HOST[:PORT])");
                dhcpServerHost = host;
                if (colon >= 0) dhcpServerPort = OptionValues.parseInt(v.substring(colon + 1), "--dhcp-server port", 1, 65535);
                break;
            }
            case "dhcp-port": dhcpClientPort = OptionValues.parseInt(v, "--dhcp-port", 0, 65535); break;
            case "tftp-port": tftpPort = OptionValues.parseInt(v, "--tftp-port", 1, 65535); break;
            case "timeout": timeout = OptionValues.parseSeconds(v, "--timeout"); break;
            case "boot-timeout": bootTimeout = OptionValues.parseSeconds(v, "--boot-timeout"); break;
            case "uuid":
                try {
                    uuid = ConfigSearch.normalizeUuid(v);
                } catch (IllegalArgumentException e) {
                    throw new UsageException("--uuid: " + e.getMessage());
                }
                break;
            case "max-file-size": maxFileSize = OptionValues.parseSize(v, "--max-file-size"); break;
            case "max-total-size": maxTotalSize = OptionValues.parseSize(v, "--max-total-size"); break;
            case "max-requests": maxRequests = OptionValues.parseInt(v, "--max-requests", 1, 100_000); break;
            // RFC 2348: blksize 8..65464; RFC 7440: windowsize 1..65535.
            case "blksize": blksize = OptionValues.parseInt(v, "--blksize", 8, 65464); break;
            case "windowsize": windowsize = OptionValues.parseInt(v, "--windowsize", 1, 65535); break;
            case "spin": spin = OptionValues.parseInt(v, "--spin", 0, 10000); break;
            case "fetch": fetchHttp = OptionValues.parseChoice(v, "--fetch", "tftp", "http").equals("http"); break;
            case "http-port": httpPort = OptionValues.parseInt(v, "--http-port", 1, 65535); break;
            case "http-hosts": httpHosts = OptionValues.parseHosts(v, "--http-hosts"); break;
            default: throw new IllegalStateException("option table and apply() disagree on --" + name);
        }
    }

    // --- what was asked for -------------------------------------------------------------------------

    /** {@code --kernel}: a kernel path the toolstack passes through (pygrub: path inside the image); null if none. */
    public String kernel() { return kernel; }
    /** {@code --ramdisk}: as {@link #kernel()}; null if none. */
    public String ramdisk() { return ramdisk; }
    /** {@code --args}: appended to the chosen entry's arguments; null if none. */
    public String args() { return args; }
    public boolean quiet() { return quiet; }
    /** {@code -v/--verbose} (or pygrub's {@code --debug}). */
    public boolean verbose() { return verbose; }
    /** {@code -n/--not-really}: choose and report, but fetch nothing. */
    public boolean notReally() { return notReally; }
    /** {@code -l/--list-entries} (pygrub): list the labels instead of booting. */
    public boolean listEntries() { return listEntries; }
    public boolean help() { return help; }
    public boolean version() { return version; }
    public boolean noDhcp() { return noDhcp; }
    /** {@code --output}: where the stanza goes; {@code "-"} (the default) is stdout. */
    public String output() { return output; }
    public boolean outputToStdout() { return output == null || output.equals("-"); }
    /** {@code --output-format}, default {@link OutputFormat#SXP} as pygrub. */
    public OutputFormat outputFormat() { return outputFormat; }
    /** {@code --output-directory}, default {@value #DEFAULT_OUTPUT_DIRECTORY}. */
    public String outputDirectory() { return outputDirectory == null ? DEFAULT_OUTPUT_DIRECTORY : outputDirectory; }
    public boolean outputDirectoryGiven() { return outputDirectory != null; }
    /** {@code --entry} or pypxeboot's {@code --label}: the LABEL to boot; null for pxelinux's choice. */
    public String entry() { return entry; }
    /** {@code --interface}: the host interface (bridge) to do DHCP on; null if not given. */
    public String interfaceName() { return interfaceName; }
    /** {@code --runas} (libxl with a restricted bootloader user); null if not given. */
    public String runas() { return runas; }

    /** {@code --pygrub}: the pygrub that a LOCALBOOT label hands over to; null = search the usual places. */
    public String pygrub() { return pygrub; }
    /** The guest MAC from {@code --mac} or a {@code mac=} vif word; null when neither was given. */
    public MacAddress mac() { return mac; }
    /** Where the MAC came from ({@code --mac} or the vif word), for messages; null without a MAC. */
    public String macSource() { return macSource; }
    /** {@code --server}: the TFTP server when DHCP is skipped; null if not given. */
    public Inet4Address server() { return server; }
    /** {@code --ip}: the client address when DHCP is skipped; null if not given. */
    public Inet4Address ip() { return ip; }
    public String dhcpServerHost() { return dhcpServerHost; }
    public int dhcpServerPort() { return dhcpServerPort; }
    /** {@code --dhcp-port}: the local DHCP client port (0: any free port). */
    public int dhcpClientPort() { return dhcpClientPort; }
    public int tftpPort() { return tftpPort; }
    /** {@code --timeout}: total DHCP time. */
    public Duration timeout() { return timeout; }
    /** {@code --uuid}, lower-case dashed; null if not given. */
    public String uuid() { return uuid; }
    public long maxFileSize() { return maxFileSize; }
    /** {@code --max-total-size}: bytes fetched in one boot, all files together. */
    public long maxTotalSize() { return maxTotalSize; }
    /** {@code --boot-timeout}: the whole boot, DHCP included. */
    public Duration bootTimeout() { return bootTimeout; }
    /** {@code --max-requests}: TFTP requests in one boot. */
    public int maxRequests() { return maxRequests; }
    /** {@code --blksize}; null: the TFTP client's default. */
    public Integer blksize() { return blksize; }
    /** {@code --windowsize}; null: the TFTP client's default. */
    public Integer windowsize() { return windowsize; }

    /** {@code --spin}: µs the TFTP client polls an empty socket before sleeping; null: the client's default. */
    public Integer spin() { return spin; }
    /** {@code --fetch=http}: kernel and initrds named by server paths come over HTTP from the TFTP server's address. */
    public boolean fetchHttp() { return fetchHttp; }
    public int httpPort() { return httpPort; }
    /** {@code --http-hosts}: HTTP servers allowed besides the TFTP server; {@link #httpAnyHost()} for {@code any}. */
    public List<String> httpHosts() {
        List<String> out = new ArrayList<>(httpHosts); // no stream: a lambda costs start-up on every boot
        out.remove("any");
        return out;
    }
    public boolean httpAnyHost() { return httpHosts.contains("any"); }
    /** The last positional word that is not a vif string: the guest's disk; null if none. */
    public String disk() { return disk; }
    /** Other positional words (ignored, each with a warning). */
    public List<String> extraArguments() { return List.copyOf(extraArguments); }
    /** The vif words ({@code mac=..,bridge=..}) seen. */
    public List<String> vifTokens() { return List.copyOf(vifTokens); }
    /** One line per ignored option or argument, for stderr. */
    public List<String> warnings() { return List.copyOf(warnings); }

    public static String helpText() {
        return String.join("\n",
                "Usage: javapxeboot [OPTIONS] [mac=MAC[,...]] [DISK]",
                "Boots a Xen guest over PXE on its behalf: DHCP with the guest's MAC, the pxelinux config, kernel",
                "and initrd over TFTP, then a boot stanza for the toolstack (xend, libxl or a person).",
                "",
                "Guest and entry:",
                "  --mac=MAC                 guest MAC (or a mac=MAC word, as xend passes vif strings)",
                "  --entry=LABEL, --label=LABEL  boot this pxelinux LABEL instead of pxelinux's choice",
                "  --args=ARGS               append ARGS to the chosen entry's kernel arguments",
                "  --uuid=UUID               client UUID: sent in DHCP option 97, tried first as pxelinux.cfg/UUID",
                "",
                "Output:",
                "  --output=FILE             write the stanza to FILE (opened without create: may be a fifo); - = stdout (default)",
                "  --output-format=FORMAT    sxp (default), simple or simple0",
                "  --output-directory=DIR    where kernel.XXXXXX and ramdisk.XXXXXX go (default " + DEFAULT_OUTPUT_DIRECTORY + ")",
                "  -n, --not-really          choose the entry and print the stanza without fetching anything",
                "  -l, --list-entries        list the labels of the config",
                "  -q, --quiet               less on stderr",
                "  -v, --verbose             more on stderr",
                "  --pygrub=PATH             the pygrub a LOCALBOOT label hands over to (default: the first of",
                "                            /usr/lib/xen-4.17/bin/pygrub, /usr/lib/xen/bin/pygrub, /usr/local/lib/xen/bin/pygrub,",
                "                            /usr/bin/pygrub, /usr/local/bin/pygrub)",
                "",
                "Network:",
                "  --interface=IF            host interface (bridge) to send DHCP on",
                "  --dhcp-server=HOST[:PORT] where DHCP requests go (default " + DEFAULT_DHCP_SERVER + ":" + DEFAULT_DHCP_SERVER_PORT + ")",
                "  --dhcp-port=N             local DHCP client port (default " + DEFAULT_DHCP_CLIENT_PORT + "; 0 = any)",
                "  --timeout=SECONDS         total DHCP timeout (default " + DEFAULT_TIMEOUT.getSeconds() + ")",
                "  --boot-timeout=SECONDS    the whole boot, DHCP included, must finish within this (default "
                        + DEFAULT_BOOT_TIMEOUT.getSeconds() + ")",
                "  --no-dhcp                 skip DHCP; needs --server",
                "  --server=IP               TFTP server when DHCP is skipped",
                "  --ip=IP                   client address when DHCP is skipped (for IPAPPEND and the IP config names)",
                "  --tftp-port=N             TFTP server port (default " + DEFAULT_TFTP_PORT + ")",
                "  --blksize=N               TFTP block size to ask for (RFC 2348, 8..65464)",
                "  --windowsize=N            TFTP window size to ask for (RFC 7440, 1..65535; default 256)",
                "  --spin=US                 poll an empty TFTP socket US microseconds before sleeping (0..10000;",
                "                            default 100 with more than one CPU, else 0; 0 = never busy-wait)",
                "  --max-file-size=BYTES     refuse larger files (default 512M; K, M, G suffixes)",
                "  --max-total-size=BYTES    refuse to fetch more than BYTES in one boot, configs, kernel and",
                "                            initrds together (default 2G; K, M, G suffixes)",
                "  --fetch=tftp|http         kernel and initrds named by server paths over tftp (default) or from",
                "  --http-port=N             http://TFTP-SERVER[:N, default 80]/PATH; http:// URLs always use HTTP",
                "  --http-hosts=H[,H...]|any HTTP servers allowed besides the TFTP server (default: none; any = all",
                "                            but loopback, link-local, wildcard and multicast addresses)",
                "  --max-requests=N          refuse more than N TFTP requests in one boot: config names tried,",
                "                            INCLUDEs found or not, kernel, initrds (default " + DEFAULT_MAX_REQUESTS + ")",
                "",
                "  -h, --help                this text",
                "  --version                 the version (with -v also where the UDP offload library was loaded from)",
                "",
                "Accepted for compatibility: --kernel, --ramdisk, --runas (libxl), --isconfig and -i (ignored),",
                "--debug (= -v). Unknown options are ignored with a warning so that a toolstack's additions",
                "never break a boot.",
                "");
    }
}
