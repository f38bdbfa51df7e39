package org.javapxeboot.mock.dhcp;

import java.net.Inet4Address;
import java.net.InetAddress;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.function.Consumer;
import org.javapxeboot.mock.fault.Faults;
import org.javapxeboot.net.MacAddress;

/**
 * Settings of a {@link DhcpServer}.
 *
 * @param bindAddress    where to listen; to receive real broadcast DISCOVERs bind the wildcard 0.0.0.0
 * @param port           the server port (67 in real life; 0 picks a free one for tests)
 * @param clientPort     where RFC 2131 replies go (68 in real life); unused in {@link ReplyMode#SOURCE}
 * @param leases         static leases, MAC to IP; other MACs are ignored (or NAKed, see unknownMacNak)
 * @param serverId       option 54 and the default siaddr
 * @param nextServer     siaddr, the TFTP server (null: serverId)
 * @param bootFile       the boot file: the {@code file} field, or option 67 when the client asks for
 *                       67 in its parameter request list (as dnsmasq does); null: none
 * @param bootFileEfi    the boot file for x86-64 UEFI clients (option 93 = 7 or 9), e.g. a GRUB EFI
 *                       netboot image; null: {@code bootFile} for every client
 * @param bootUrlHttp    the boot file for UEFI HTTP boot clients (option 93 = 16, vendor class
 *                       {@code HTTPClient}): an {@code http://} URL, sent with option 60
 *                       {@code HTTPClient} echoed; null: those clients get {@code bootFileEfi}
 *                       (which an HTTP boot client ignores)
 * @param tftpServerName option 66; null: never sent (as dnsmasq)
 * @param configFile     option 209 (pxelinux configuration file); null: none
 * @param pathPrefix     option 210 (pxelinux path prefix); null: none
 * @param subnetMask     option 1
 * @param router         option 3; null: none
 * @param dnsServers     option 6; empty: none
 * @param leaseSeconds   option 51
 * @param overload       option 52 mode: 0 off, 1 options in {@code file}, 2 in {@code sname}, 3 both;
 *                       with 1 or 3 the boot file always travels as option 67
 * @param unknownMacNak  NAK REQUESTs from unknown MACs instead of ignoring them (DISCOVERs are always ignored)
 * @param replyMode      where replies go
 * @param faults         the dhcp* switches
 * @param log            one line per request (the CLI prints them to stderr); may be null
 */
public record DhcpServerConfig(InetAddress bindAddress, int port, int clientPort, Map<MacAddress, Inet4Address> leases,
                               Inet4Address serverId, Inet4Address nextServer, String bootFile, String bootFileEfi,
                               String bootUrlHttp, String tftpServerName,
                               String configFile, String pathPrefix, Inet4Address subnetMask, Inet4Address router,
                               List<Inet4Address> dnsServers, int leaseSeconds, int overload, boolean unknownMacNak,
                               ReplyMode replyMode, Faults faults, Consumer<String> log, int maxRecords) {

    /** Where replies are sent. */
    public enum ReplyMode {
        /** Back to the request's source address and port: what works on loopback, where broadcast does not. */
        SOURCE,
        /**
         * RFC 2131 section 4.1: to giaddr (a relay) on the server port; else to ciaddr when set; else
         * broadcast on the client port (unicast to an unconfigured yiaddr would need an ARP entry,
         * which Java cannot add): to the directed broadcast of the local subnet holding yiaddr, else
         * 255.255.255.255 ({@link BroadcastTarget} says why).
         */
        RFC2131
    }

    public DhcpServerConfig {
        Objects.requireNonNull(bindAddress, "bindAddress");
        Objects.requireNonNull(serverId, "serverId");
        Objects.requireNonNull(subnetMask, "subnetMask");
        Objects.requireNonNull(replyMode, "replyMode");
        Objects.requireNonNull(faults, "faults");
        leases = Map.copyOf(leases);
        dnsServers = List.copyOf(dnsServers);
        if (port < 0 || port > 65535) throw new IllegalArgumentException("DHCP port " + port + " is outside 0..65535");
        if (clientPort < 1 || clientPort > 65535) throw new IllegalArgumentException("DHCP client port " + clientPort + " is outside 1..65535");
        if (overload < 0 || overload > 3) throw new IllegalArgumentException("option 52 overload mode " + overload + " is not 0..3");
        if (leaseSeconds < 1) throw new IllegalArgumentException("lease time " + leaseSeconds + " s must be >= 1");
        if (bootUrlHttp != null && !bootUrlHttp.matches("http://[A-Za-z0-9.:\\[\\]-]+(/[\\x21-\\x7e]*)?")) {
            throw new IllegalArgumentException("HTTP boot URL '" + bootUrlHttp + "' is not an http:// URL (host, optional"
                + " port, a path of printable ASCII without spaces)");
        }
        for (String[] s : new String[][] {{"boot file", bootFile}, {"EFI boot file", bootFileEfi}, {"HTTP boot URL", bootUrlHttp}, {"option 66", tftpServerName}, {"option 209", configFile}, {"option 210", pathPrefix}}) {
            if (s[1] != null && s[1].length() > 254) throw new IllegalArgumentException(s[0] + " '" + s[1] + "' is longer than the 254 bytes a DHCP option holds");
        }
        if (overload != 0) {
            String longest = bootFile;
            for (String f : new String[] {bootFileEfi, bootUrlHttp}) if (f != null && (longest == null || f.length() > longest.length())) longest = f;
            if (org.javapxeboot.dhcp.DhcpTlv.pack(DhcpResponder.overloadedOptions(longest, tftpServerName, configFile, pathPrefix), overload) == null) {
                throw new IllegalArgumentException("options 66/67/209/210 do not fit in the fields option 52 overload mode " + overload + " frees");
            }
        }
    }

    /** Defaults: port 67, client port 68, no leases, mask 255.255.255.0, 1 h leases, no overload, ignore unknown MACs, replies to the source. */
    public static DhcpServerConfig of(InetAddress bindAddress, Inet4Address serverId) {
        return new DhcpServerConfig(bindAddress, 67, 68, Map.of(), serverId, null, null, null, null, null, null, null,
            ipv4("255.255.255.0"), null, List.of(), 3600, 0, false, ReplyMode.SOURCE, Faults.none(), null, org.javapxeboot.mock.record.RecordLog.DEFAULT_CAPACITY);
    }

    static Inet4Address ipv4(String literal) {
        try {
            return (Inet4Address) InetAddress.getByName(literal);
        } catch (java.net.UnknownHostException e) {
            throw new IllegalArgumentException(literal, e);
        }
    }
}
