package org.javapxeboot.dhcp;

import java.io.IOException;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketException;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.dhcp4java.DHCPPacket;

/**
 * A hand-written DHCP responder on 127.0.0.1, ephemeral port, for loopback tests. It answers each request with
 * what its {@link VirtualNet.Responder} returns (delays are honoured by sleeping), unicast to the request's
 * source, as a server does for a relayed or unicast client.
 */
final class TinyDhcpServer implements AutoCloseable {
    private final DatagramSocket socket;
    private final Thread thread;
    final List<DHCPPacket> received = new CopyOnWriteArrayList<>();

    TinyDhcpServer(VirtualNet.Responder responder) throws SocketException {
        socket = new DatagramSocket(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
        thread = new Thread(() -> serve(responder), "tiny-dhcp-server");
        thread.setDaemon(true);
        thread.start();
    }

    InetSocketAddress address() { return (InetSocketAddress) socket.getLocalSocketAddress(); }

    private void serve(VirtualNet.Responder responder) {
        byte[] buf = new byte[2048];
        while (!socket.isClosed()) {
            try {
                DatagramPacket in = new DatagramPacket(buf, buf.length);
                socket.receive(in);
                DHCPPacket req = DHCPPacket.getPacket(in);
                int index = received.size();
                received.add(req);
                for (VirtualNet.Reply r : responder.answer(req, index)) {
                    if (!r.delay().isZero()) Thread.sleep(r.delay().toMillis());
                    socket.send(new DatagramPacket(r.data(), r.data().length, in.getSocketAddress()));
                }
            } catch (IOException | RuntimeException e) {
                if (socket.isClosed()) return;
            } catch (InterruptedException e) {
                return;
            }
        }
    }

    @Override public void close() {
        socket.close();
        thread.interrupt();
        try {
            thread.join(5000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
