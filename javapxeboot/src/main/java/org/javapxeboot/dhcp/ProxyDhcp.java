package org.javapxeboot.dhcp;

import static org.dhcp4java.DHCPConstants.DHO_BOOTFILE;
import static org.dhcp4java.DHCPConstants.DHO_DHCP_SERVER_IDENTIFIER;
import static org.dhcp4java.DHCPConstants.DHO_VENDOR_CLASS_IDENTIFIER;
import static org.dhcp4java.DHCPConstants.DHO_VENDOR_ENCAPSULATED_OPTIONS;

import java.net.Inet4Address;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.dhcp4java.DHCPPacket;

/**
 * ProxyDHCP (PXE 2.1 §2.2.3): a second server, next to the one that hands out addresses, answers the
 * DISCOVER with an OFFER that has no address ({@code yiaddr} 0.0.0.0), vendor class {@code PXEClient}, and
 * either a boot file or a PXE boot menu (option 43). With a menu the client asks a boot server on port 4011
 * for the file of a menu item (boot server discovery, PXE 2.1 §2.2.5). Pure: parsing and merging only.
 */
public final class ProxyDhcp {
    private ProxyDhcp() {}

    /** PXE 2.1 §2.2.5: boot server discovery goes to this port. */
    public static final int PXE_PORT = 4011;

    /** One entry of the PXE boot menu (sub-option 9): a boot server type and its description. */
    public record MenuItem(int type, String description) {}

    /**
     * A ProxyDHCP offer.
     *
     * @param server      option 54, the ProxyDHCP server (also the boot server when sub-option 8 lists none)
     * @param nextServer  siaddr, null when 0.0.0.0
     * @param bootFile    {@code file} or option 67; null when the proxy only sends a menu
     * @param menu        option 43 sub-option 9, in order; empty without one
     * @param bootServers the first boot server (sub-option 8) of each menu item's type, null where none is
     *                    listed; same order as {@code menu}
     */
    public record Offer(Inet4Address server, Inet4Address nextServer, String bootFile, List<MenuItem> menu,
                        List<Inet4Address> bootServers) {}

    /** Whether a reply is a ProxyDHCP offer: an OFFER without an address whose option 60 starts with PXEClient. */
    static boolean isProxyOffer(DHCPPacket p) {
        byte[] vc = p.getOptionRaw(DHO_VENDOR_CLASS_IDENTIFIER);
        return LeaseParser.inet4(p.getYiaddrRaw()).isAnyLocalAddress() && vc != null && vc.length >= 9
                && new String(vc, 0, 9, StandardCharsets.US_ASCII).equals("PXEClient");
    }

    /** Parses a ProxyDHCP offer; malformed option 43 content is a DhcpException. */
    public static Offer parseOffer(DHCPPacket p) throws DhcpException {
        byte[] sid = p.getOptionRaw(DHO_DHCP_SERVER_IDENTIFIER);
        if (sid == null || sid.length != 4) throw new DhcpException("ProxyDHCP offer without option 54");
        Inet4Address server = LeaseParser.inet4(sid);
        String from = "ProxyDHCP server " + server.getHostAddress();
        Inet4Address siaddr = LeaseParser.inet4(p.getSiaddrRaw());
        String bootFile = LeaseParser.text(p.getFileRaw());
        if (bootFile == null) {
            byte[] o67 = p.getOptionRaw(DHO_BOOTFILE);
            if (o67 != null) bootFile = LeaseParser.text(o67);
        }
        List<MenuItem> menu = new ArrayList<>();
        List<int[]> servers = new ArrayList<>(); // type, then the first address as an int
        byte[] o43 = p.getOptionRaw(DHO_VENDOR_ENCAPSULATED_OPTIONS);
        if (o43 != null) {
            int bad = DhcpTlv.walk(o43, (code, b, at, len) -> {
                int end = at + len;
                if (code == DhcpOptions.PXE_BOOT_MENU) {
                    // type (2), description length (1), description
                    while (at + 3 <= end && at + 3 + (b[at + 2] & 0xff) <= end) {
                        int n = b[at + 2] & 0xff;
                        menu.add(new MenuItem(u16(b, at), new String(b, at + 3, n, StandardCharsets.ISO_8859_1)));
                        at += 3 + n;
                    }
                } else if (code == DhcpOptions.PXE_BOOT_SERVERS) {
                    // type (2), address count (1), addresses
                    while (at + 3 <= end && at + 3 + 4 * (b[at + 2] & 0xff) <= end) {
                        int n = b[at + 2] & 0xff;
                        if (n > 0) servers.add(new int[] {u16(b, at), at + 3});
                        at += 3 + 4 * n;
                    }
                }
            });
            if (bad >= 0) throw new DhcpException(from + " sent option 43 whose sub-option " + bad + " runs past its end");
        }
        List<Inet4Address> bootServers = new ArrayList<>();
        for (MenuItem m : menu) {
            Inet4Address a = null;
            for (int[] s : servers) {
                if (s[0] == m.type()) {
                    a = LeaseParser.inet4(java.util.Arrays.copyOfRange(o43, s[1], s[1] + 4));
                    break;
                }
            }
            bootServers.add(a);
        }
        return new Offer(server, siaddr.isAnyLocalAddress() ? null : siaddr, bootFile, List.copyOf(menu),
                java.util.Collections.unmodifiableList(bootServers));
    }

    /**
     * The lease with the boot settings a ProxyDHCP offer or boot server ACK supplied: boot file, and next
     * server (its siaddr, else {@code bootServer}); 209/210 only where the DHCP server sent none.
     */
    static DhcpLease merge(DhcpLease lease, Inet4Address siaddr, Inet4Address bootServer, String bootFile,
                           String configFile, String pathPrefix) {
        return new DhcpLease(lease.clientAddress(), lease.serverIdentifier(), siaddr != null ? siaddr : bootServer,
                bootFile, lease.configFile() != null ? lease.configFile() : configFile,
                lease.pathPrefix() != null ? lease.pathPrefix() : pathPrefix, lease.subnetMask(), lease.router(),
                lease.dnsServers(), lease.hostName(), lease.domainName(), lease.leaseSeconds());
    }

    private static int u16(byte[] b, int at) { return ((b[at] & 0xff) << 8) | (b[at + 1] & 0xff); }
}
