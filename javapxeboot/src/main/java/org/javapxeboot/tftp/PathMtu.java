package org.javapxeboot.tftp;

import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.NetworkInterface;
import java.nio.channels.DatagramChannel;

/**
 * Chooses an automatic {@code blksize} (RFC 2348) that fills one IP packet on the path to the server
 * without fragmenting: the MTU of the interface the kernel routes through, minus the IP, UDP and TFTP
 * headers. A fragmented block is lost whole when one fragment is lost, and some firewalls drop fragments.
 */
final class PathMtu {
    /** Ethernet's 1500 minus IPv4 20, UDP 8 and TFTP 4: what curl's and atftp's users ask for by hand. */
    static final int FALLBACK_BLKSIZE = 1468;

    private PathMtu() {}

    /** The blksize for an interface MTU: IPv4 header 20 bytes, IPv6 40, UDP 8, TFTP 4; at most 65464. */
    static int blksizeForMtu(int mtu, boolean ipv6) {
        int b = mtu - (ipv6 ? 40 : 20) - 8 - 4;
        return Math.max(TftpOptions.MIN_BLKSIZE, Math.min(TftpOptions.MAX_BLKSIZE, b));
    }

    /**
     * The blksize for the interface that routes to {@code server} (from {@code local} when set), or
     * {@link #FALLBACK_BLKSIZE} when the kernel cannot tell (no route yet, an interface without MTU).
     * A connected UDP socket sends nothing: connect() only asks the kernel for the route.
     */
    static int autoBlksize(InetSocketAddress server, InetAddress local) {
        // A DatagramChannel, not a DatagramSocket: the transfer uses one, so no extra classes load at start-up.
        try (DatagramChannel s = DatagramChannel.open()) {
            s.bind(new InetSocketAddress(local, 0));
            s.connect(server);
            InetAddress via = ((InetSocketAddress) s.getLocalAddress()).getAddress();
            NetworkInterface ni = via == null ? null : NetworkInterface.getByInetAddress(via);
            if (ni == null && via != null && via.isLoopbackAddress()) ni = loopback();
            int mtu = ni == null ? -1 : ni.getMTU();
            if (mtu <= 0) return FALLBACK_BLKSIZE;
            return blksizeForMtu(mtu, server.getAddress() instanceof Inet6Address);
        } catch (Exception e) {
            return FALLBACK_BLKSIZE;
        }
    }

    private static NetworkInterface loopback() throws java.net.SocketException {
        var all = NetworkInterface.getNetworkInterfaces();
        while (all != null && all.hasMoreElements()) {
            NetworkInterface ni = all.nextElement();
            if (ni.isLoopback()) return ni;
        }
        return null;
    }
}
