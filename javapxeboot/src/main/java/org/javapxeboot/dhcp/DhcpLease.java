package org.javapxeboot.dhcp;

import java.net.Inet4Address;
import java.util.List;

/**
 * What a DHCP ACK told the guest. Absent fields are {@code null}; {@code dnsServers} is empty when absent;
 * {@code leaseSeconds} is 0 when option 51 is absent and {@link Integer#MAX_VALUE} for an infinite lease.
 *
 * @param clientAddress    yiaddr: the guest's address
 * @param serverIdentifier option 54
 * @param nextServer       siaddr ("next server" of RFC 2131 §2), null when 0.0.0.0
 * @param bootFile         the {@code file} field, or option 67 when {@code file} is empty or overloaded
 * @param configFile       option 209 (RFC 5071 pxelinux config file)
 * @param pathPrefix       option 210 (RFC 5071 pxelinux path prefix)
 * @param subnetMask       option 1
 * @param router           option 3 (the first router)
 * @param dnsServers       option 6
 * @param hostName         option 12
 * @param domainName       option 15
 * @param leaseSeconds     option 51
 */
public record DhcpLease(Inet4Address clientAddress, Inet4Address serverIdentifier, Inet4Address nextServer,
                        String bootFile, String configFile, String pathPrefix, Inet4Address subnetMask,
                        Inet4Address router, List<Inet4Address> dnsServers, String hostName, String domainName,
                        int leaseSeconds) {

    public DhcpLease {
        dnsServers = dnsServers == null ? List.of() : List.copyOf(dnsServers);
    }

    /**
     * The TFTP server: siaddr when set and not 0.0.0.0 (RFC 2131 §2 "next server", what pxelinux uses), else
     * the DHCP server itself (option 54), as PXE ROMs fall back to. Null when neither is known.
     */
    public Inet4Address tftpServer() {
        if (nextServer != null && !nextServer.isAnyLocalAddress()) return nextServer;
        return serverIdentifier;
    }
}
