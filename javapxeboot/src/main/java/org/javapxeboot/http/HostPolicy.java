package org.javapxeboot.http;

import java.net.InetAddress;
import java.util.List;

/**
 * Which servers an HTTP fetch may connect to, checked on the address a name resolved to (so a DNS
 * answer cannot swap it afterwards: the connection goes to the address checked) and again for every
 * redirect. A URL in a pxelinux config comes from whoever answered DHCP and TFTP; without a rule it
 * could make the host fetch from its own loopback services or a cloud metadata address and hand the
 * answer to the guest as its ramdisk.
 */
@FunctionalInterface
public interface HostPolicy {
    /** Why connecting to {@code address} is refused (the end of a sentence), or null when it is allowed. */
    String refusal(InetAddress address);

    /** Any address: for {@code javapxeboot fetch}, where the admin typed the URL. */
    HostPolicy ANY = a -> null;

    /** Only these addresses (the boot's default: the TFTP server that served the config). */
    static HostPolicy only(List<InetAddress> allowed) {
        List<InetAddress> copy = List.copyOf(allowed);
        return a -> copy.contains(a) ? null : "it is not an allowed HTTP server (allowed: "
                + String.join(", ", copy.stream().map(InetAddress::getHostAddress).toList()) + "; see --http-hosts)";
    }

    /** Any address except this host's own and link-local ones (loopback, wildcard, 169.254/16 metadata, fe80::/10, multicast). */
    HostPolicy NOT_LOCAL = a -> a.isLoopbackAddress() || a.isAnyLocalAddress() || a.isLinkLocalAddress()
            || a.isMulticastAddress() ? "it is a loopback, link-local, wildcard or multicast address" : null;
}
