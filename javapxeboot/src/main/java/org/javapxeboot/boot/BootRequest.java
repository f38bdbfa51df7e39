package org.javapxeboot.boot;

import java.net.Inet4Address;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.UUID;
import org.javapxeboot.net.MacAddress;
import org.javapxeboot.xen.OutputFormat;

/**
 * Everything one boot needs, already validated. Built from the command line by
 * {@code cli.Main}; tests build it directly.
 *
 * @param mac            the guest's MAC (required)
 * @param interfaceName  the host interface (bridge) to send DHCP through, or null
 * @param entry          --entry/--label, or null for pxelinux's own choice
 * @param extraArgs      --args, appended to the kernel command line, or null
 * @param output         --output: "-" for stdout, else an existing file or fifo (never created)
 * @param format         --output-format
 * @param outputDirectory where kernel.XXXXXX and ramdisk.XXXXXX go
 * @param notReally      -n: select and print, fetch nothing (paths are printed as tftp:// URLs)
 * @param noDhcp         --no-dhcp: use {@code server} (and {@code clientIp}) instead of DHCP
 * @param server         --server: the TFTP server when DHCP is skipped
 * @param clientIp       --ip: the guest's address when DHCP is skipped (for IPAPPEND and the IP config names)
 * @param dhcpTarget     where DHCP requests go (255.255.255.255:67 by default)
 * @param dhcpClientPort local DHCP port (68 by default; 0 = ephemeral, for tests)
 * @param tftpPort       the TFTP server's port (69)
 * @param dhcpTimeout    total DHCP time
 * @param uuid           the client UUID sent in option 97 and tried first in pxelinux.cfg/, or null
 * @param maxFileSize    cap on each fetched file
 * @param blksize        TFTP blksize (0 = fitted to the path MTU)
 * @param windowsize     TFTP windowsize (0 = the client's default)
 * @param spinMicros     TFTP: µs to poll an empty socket before sleeping (-1 = the client's default)
 * @param disk           the guest's first disk (xend/libxl pass it last), for LOCALBOOT; may be null
 * @param pygrub         pygrub to hand LOCALBOOT to, or null to search the usual places
 * @param passThrough    the toolstack options to hand on to pygrub (--runas, -q, --output...)
 * @param listEntries    -l: print the config's labels instead of booting
 * @param maxTotalSize   cap on the bytes fetched in one boot (configs, kernel and initrds together)
 * @param bootTimeout    the whole boot, DHCP included, must finish within this (LOCALBOOT's pygrub excepted)
 * @param maxRequests    cap on the TFTP requests of one boot (config names tried, INCLUDEs found or not, files)
 * @param http           where HTTP may be used (--fetch, --http-port, --http-hosts)
 */
public record BootRequest(
        MacAddress mac, String interfaceName, String entry, String extraArgs,
        String output, OutputFormat format, Path outputDirectory, boolean notReally,
        boolean noDhcp, Inet4Address server, Inet4Address clientIp,
        InetSocketAddress dhcpTarget, int dhcpClientPort, int tftpPort, Duration dhcpTimeout, UUID uuid,
        long maxFileSize, int blksize, int windowsize, int spinMicros,
        String disk, Path pygrub, List<String> passThrough, boolean listEntries,
        long maxTotalSize, Duration bootTimeout, int maxRequests, HttpOptions http) {

    /** A request with the default (narrowest) HTTP settings. */
    public BootRequest(
            MacAddress mac, String interfaceName, String entry, String extraArgs,
            String output, OutputFormat format, Path outputDirectory, boolean notReally,
            boolean noDhcp, Inet4Address server, Inet4Address clientIp,
            InetSocketAddress dhcpTarget, int dhcpClientPort, int tftpPort, Duration dhcpTimeout, UUID uuid,
            long maxFileSize, int blksize, int windowsize, int spinMicros,
            String disk, Path pygrub, List<String> passThrough, boolean listEntries,
            long maxTotalSize, Duration bootTimeout, int maxRequests) {
        this(mac, interfaceName, entry, extraArgs, output, format, outputDirectory, notReally, noDhcp, server, clientIp,
                dhcpTarget, dhcpClientPort, tftpPort, dhcpTimeout, uuid, maxFileSize, blksize, windowsize, spinMicros,
                disk, pygrub, passThrough, listEntries, maxTotalSize, bootTimeout, maxRequests, HttpOptions.DEFAULT);
    }

    /** This request with other HTTP settings. */
    public BootRequest withHttp(HttpOptions h) {
        return new BootRequest(mac, interfaceName, entry, extraArgs, output, format, outputDirectory, notReally, noDhcp,
                server, clientIp, dhcpTarget, dhcpClientPort, tftpPort, dhcpTimeout, uuid, maxFileSize, blksize, windowsize,
                spinMicros, disk, pygrub, passThrough, listEntries, maxTotalSize, bootTimeout, maxRequests, h);
    }

    /** A request with the default boot limits. */
    public BootRequest(
            MacAddress mac, String interfaceName, String entry, String extraArgs,
            String output, OutputFormat format, Path outputDirectory, boolean notReally,
            boolean noDhcp, Inet4Address server, Inet4Address clientIp,
            InetSocketAddress dhcpTarget, int dhcpClientPort, int tftpPort, Duration dhcpTimeout, UUID uuid,
            long maxFileSize, int blksize, int windowsize, int spinMicros,
            String disk, Path pygrub, List<String> passThrough, boolean listEntries) {
        this(mac, interfaceName, entry, extraArgs, output, format, outputDirectory, notReally, noDhcp, server, clientIp,
                dhcpTarget, dhcpClientPort, tftpPort, dhcpTimeout, uuid, maxFileSize, blksize, windowsize, spinMicros,
                disk, pygrub, passThrough, listEntries, DEFAULT_MAX_TOTAL_SIZE, DEFAULT_BOOT_TIMEOUT, DEFAULT_MAX_REQUESTS);
    }

    /** This request with other boot limits. */
    public BootRequest withLimits(long maxTotalSize, Duration bootTimeout, int maxRequests) {
        return new BootRequest(mac, interfaceName, entry, extraArgs, output, format, outputDirectory, notReally, noDhcp,
                server, clientIp, dhcpTarget, dhcpClientPort, tftpPort, dhcpTimeout, uuid, maxFileSize, blksize, windowsize,
                spinMicros, disk, pygrub, passThrough, listEntries, maxTotalSize, bootTimeout, maxRequests, http);
    }

    public static final Path DEFAULT_OUTPUT_DIRECTORY = Path.of("/var/lib/xen");
    public static final long DEFAULT_MAX_FILE_SIZE = 512L << 20;
    /** A kernel and an installer initrd are tens of MiB; 2 GiB leaves room for live images and no more. */
    public static final long DEFAULT_MAX_TOTAL_SIZE = 2L << 30;
    /** The Debian netboot tree boots in seconds; a boot still fetching after 5 minutes is stuck or attacked. */
    public static final Duration DEFAULT_BOOT_TIMEOUT = Duration.ofSeconds(300);
    /** The Debian netboot tree needs about 25 (11 config names, a dozen INCLUDEs, kernel, initrd). */
    public static final int DEFAULT_MAX_REQUESTS = 256;
    /** Configs are small text files; a cap keeps a hostile server from filling memory. */
    public static final long MAX_CONFIG_SIZE = 4L << 20;
    /** libxl's bootloader reader drops any output line of 8192 bytes or more without a word. */
    public static final int LIBXL_MAX_LINE = 8191;
}
