package org.javapxeboot.dhcp;

import java.io.IOException;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.InterfaceAddress;
import java.net.NetworkInterface;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.time.Duration;
import java.util.Arrays;

/**
 * A UDP socket with SO_BROADCAST and SO_REUSEADDR (so it can share port 68 with a host DHCP client that also
 * sets it). Java cannot bind a socket to a device (SO_BINDTODEVICE), so with an interface named and the limited
 * broadcast as target, requests go to that interface's directed broadcast address instead: the kernel routes
 * those out of that interface, whatever the default route is.
 */
public final class UdpDhcpTransport implements DhcpTransport {
    /** Larger than any DHCP message we ask for (option 57); dhcp4java rejects anything over 1500 anyway. */
    private static final int RECEIVE_BUFFER = 4096;
    private static final InetAddress LIMITED_BROADCAST = limitedBroadcast();

    private final DatagramSocket socket;
    private final InetSocketAddress destination;
    private final byte[] buffer = new byte[RECEIVE_BUFFER];

    private UdpDhcpTransport(DatagramSocket socket, InetSocketAddress destination) {
        this.socket = socket;
        this.destination = destination;
    }

    public static UdpDhcpTransport open(DhcpClient.Settings s) throws DhcpException {
        InetSocketAddress destination = destinationFor(s);
        DatagramSocket socket = null;
        try {
            socket = new DatagramSocket(null);
            socket.setReuseAddress(true);
            socket.setBroadcast(true);
            socket.bind(s.bind());
            return new UdpDhcpTransport(socket, destination);
        } catch (IOException e) {
            if (socket != null) socket.close();
            String hint = s.bind().getPort() > 0 && s.bind().getPort() < 1024
                    ? " (port " + s.bind().getPort() + " needs root or CAP_NET_BIND_SERVICE)" : "";
            throw new DhcpException("cannot open the DHCP client socket on " + show(s.bind()) + " for "
                    + s.mac() + ": " + e.getMessage() + hint, e);
        }
    }

    /**
     * The target, except that the limited broadcast becomes the named interface's directed broadcast.
     */
    static InetSocketAddress destinationFor(DhcpClient.Settings s) throws DhcpException {
        InetSocketAddress target = s.target();
        if (s.interfaceName() == null || !LIMITED_BROADCAST.equals(target.getAddress())) return target;
        NetworkInterface nif;
        try {
            nif = NetworkInterface.getByName(s.interfaceName());
        } catch (SocketException e) {
            throw new DhcpException("cannot look up network interface '" + s.interfaceName() + "' for DHCP of "
                    + s.mac() + ": " + e.getMessage(), e);
        }
        if (nif == null) {
            throw new DhcpException("network interface '" + s.interfaceName() + "' does not exist (DHCP for "
                    + s.mac() + "); name the bridge the guest's vif is on, e.g. xenbr0");
        }
        for (InterfaceAddress a : nif.getInterfaceAddresses()) {
            InetAddress b = directedBroadcast(a);
            if (b != null) return new InetSocketAddress(b, target.getPort());
        }
        throw new DhcpException("network interface '" + s.interfaceName() + "' has no IPv4 address with a"
                + " broadcast address, so DHCP for " + s.mac() + " cannot be sent through it");
    }

    /**
     * The broadcast address of an IPv4 interface address. {@code ip addr add 10.0.0.2/24} without {@code brd +}
     * leaves the kernel's broadcast at 0.0.0.0, which Java reports as is: compute it from the prefix then.
     * Null (loopback, point-to-point) means the interface has none.
     */
    static InetAddress directedBroadcast(InterfaceAddress a) {
        if (!(a.getAddress() instanceof Inet4Address) || a.getBroadcast() == null) return null;
        if (!a.getBroadcast().isAnyLocalAddress()) return a.getBroadcast();
        int prefix = a.getNetworkPrefixLength();
        if (prefix < 1 || prefix > 30) return null;
        byte[] ip = a.getAddress().getAddress();
        int v = ((ip[0] & 0xff) << 24) | ((ip[1] & 0xff) << 16) | ((ip[2] & 0xff) << 8) | (ip[3] & 0xff);
        v |= -1 >>> prefix;
        return LeaseParser.inet4(new byte[] {(byte) (v >>> 24), (byte) (v >>> 16), (byte) (v >>> 8), (byte) v});
    }

    @Override public InetSocketAddress destination() { return destination; }

    @Override public void send(byte[] datagram, InetSocketAddress to) throws IOException {
        socket.send(new DatagramPacket(datagram, datagram.length, to));
    }

    @Override public Datagram receive(Duration timeout) throws IOException {
        long ms = Math.max(1, Math.min(Integer.MAX_VALUE, timeout.toMillis()));
        socket.setSoTimeout((int) ms);
        DatagramPacket p = new DatagramPacket(buffer, buffer.length);
        try {
            socket.receive(p);
        } catch (SocketTimeoutException e) {
            return null;
        }
        return new Datagram(Arrays.copyOfRange(p.getData(), p.getOffset(), p.getOffset() + p.getLength()),
                (InetSocketAddress) p.getSocketAddress());
    }

    @Override public void close() { socket.close(); }

    static String show(InetSocketAddress a) {
        return (a.getAddress() == null ? a.getHostString() : a.getAddress().getHostAddress()) + ":" + a.getPort();
    }

    private static InetAddress limitedBroadcast() {
        try {
            return InetAddress.getByAddress(new byte[] {-1, -1, -1, -1});
        } catch (java.net.UnknownHostException e) {
            throw new AssertionError(e);
        }
    }
}
