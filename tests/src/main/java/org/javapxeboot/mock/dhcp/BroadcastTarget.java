package org.javapxeboot.mock.dhcp;

import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.InterfaceAddress;
import java.net.NetworkInterface;
import java.net.SocketException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/**
 * Where a broadcast reply goes. A socket bound to the wildcard address cannot send to the limited
 * broadcast 255.255.255.255 on Linux unless a route covers it (a default route, which then picks
 * that route's interface, not the client's): dnsmasq names the interface with IP_PKTINFO, which
 * Java cannot. So a reply for a client whose address lies in a subnet of one of this host's
 * interfaces goes to that subnet's directed broadcast (10.77.0.255): the kernel sends it out of
 * that interface to the link-layer broadcast address, which an unconfigured client (a PXE ROM,
 * iPXE, a kernel's DHCP client on a raw socket) receives like a limited broadcast. Otherwise,
 * 255.255.255.255 as RFC 2131 says.
 */
public final class BroadcastTarget {
    static final InetAddress LIMITED = DhcpServerConfig.ipv4("255.255.255.255");

    /** One IPv4 address of a local interface with its prefix length. */
    public record LocalNet(Inet4Address address, int prefixLength) {
        boolean contains(Inet4Address a) {
            return prefixLength >= 1 && prefixLength <= 30 && (toInt(address) & mask()) == (toInt(a) & mask());
        }

        /** The directed broadcast, computed: {@code ip addr add} without {@code brd +} leaves the interface's own at 0.0.0.0. */
        Inet4Address broadcast() {
            return fromInt(toInt(address) | ~mask());
        }

        private int mask() {
            return ~(-1 >>> prefixLength);
        }
    }

    private BroadcastTarget() {
    }

    /**
     * @param client the client's address as the reply names it (yiaddr), or the server id when the
     *               reply carries none (a NAK); null or 0.0.0.0 means no subnet is known
     * @return the directed broadcast of the first local subnet (not loopback, not a /31 or /32
     *         point-to-point address) that contains {@code client}, else 255.255.255.255
     */
    public static InetAddress of(Inet4Address client, List<LocalNet> nets) {
        if (client == null || client.isAnyLocalAddress()) return LIMITED;
        for (LocalNet n : nets) {
            if (!n.address().isLoopbackAddress() && n.contains(client)) return n.broadcast();
        }
        return LIMITED;
    }

    /** This host's IPv4 interface addresses that are up (empty when they cannot be read). */
    public static List<LocalNet> localNets() {
        List<LocalNet> nets = new ArrayList<>();
        try {
            for (NetworkInterface ni : Collections.list(NetworkInterface.getNetworkInterfaces())) {
                if (!ni.isUp()) continue;
                for (InterfaceAddress ia : ni.getInterfaceAddresses()) {
                    if (ia.getAddress() instanceof Inet4Address a) {
                        nets.add(new LocalNet(a, ia.getNetworkPrefixLength()));
                    }
                }
            }
        } catch (SocketException e) {
            return List.of();
        }
        return nets;
    }

    private static Inet4Address fromInt(int v) {
        return (Inet4Address) DhcpServerConfig.ipv4((v >>> 24) + "." + (v >>> 16 & 0xff) + "." + (v >>> 8 & 0xff) + "." + (v & 0xff));
    }

    private static int toInt(Inet4Address a) {
        byte[] b = a.getAddress();
        return (b[0] & 0xff) << 24 | (b[1] & 0xff) << 16 | (b[2] & 0xff) << 8 | (b[3] & 0xff);
    }
}
