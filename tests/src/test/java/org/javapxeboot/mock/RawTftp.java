package org.javapxeboot.mock;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.SocketTimeoutException;
import java.nio.ByteBuffer;
import java.nio.channels.DatagramChannel;
import java.util.Map;
import org.javapxeboot.tftp.TftpCodec;
import org.javapxeboot.tftp.TftpPacket;
import org.javapxeboot.tftp.TftpProtocolException;

/**
 * A hand-driven TFTP peer for tests that need to misbehave or look at single packets: it sends
 * exactly what the test says and returns each datagram decoded, with the port it came from.
 */
public final class RawTftp implements AutoCloseable {
    private final DatagramChannel channel;
    private final InetSocketAddress server;
    private InetSocketAddress peer;

    public RawTftp(InetSocketAddress server) throws IOException {
        this.server = server;
        channel = DatagramChannel.open();
        // Windows of big blocks overflow the default ~200 KiB receive buffer.
        channel.setOption(java.net.StandardSocketOptions.SO_RCVBUF, 4 << 20);
        channel.bind(new InetSocketAddress(server.getAddress(), 0));
        channel.socket().setSoTimeout(3000);
    }

    public record Received(TftpPacket packet, InetSocketAddress from) {}

    public void sendRaw(byte[] bytes) throws IOException {
        channel.send(ByteBuffer.wrap(bytes), server);
    }

    public void request(String filename, Map<String, String> options) throws IOException {
        sendRaw(TftpCodec.encode(TftpPacket.Request.read(filename, options)));
    }

    /** Sends to the transfer's port (the TID of the last packet received). */
    public void send(TftpPacket p) throws IOException {
        channel.send(ByteBuffer.wrap(TftpCodec.encode(p)), peer);
    }

    public void ack(int block) throws IOException { send(new TftpPacket.Ack(block & 0xFFFF)); }

    /** The next datagram, or null after {@code timeoutMillis}. */
    public Received receive(int timeoutMillis) throws IOException {
        channel.socket().setSoTimeout(timeoutMillis);
        byte[] buf = new byte[65536 + 4];
        java.net.DatagramPacket p = new java.net.DatagramPacket(buf, buf.length);
        try {
            channel.socket().receive(p);
        } catch (SocketTimeoutException e) {
            return null;
        }
        peer = (InetSocketAddress) p.getSocketAddress();
        try {
            TftpPacket packet = TftpCodec.decode(java.util.Arrays.copyOf(buf, p.getLength()));
            return new Received(packet, peer);
        } catch (TftpProtocolException e) {
            throw new IOException("undecodable datagram: " + e.getMessage(), e);
        }
    }

    public InetSocketAddress peer() { return peer; }

    @Override public void close() throws IOException { channel.close(); }
}
