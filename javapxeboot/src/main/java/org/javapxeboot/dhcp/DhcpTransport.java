package org.javapxeboot.dhcp;

import java.io.Closeable;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.time.Duration;

/**
 * The client's only contact with the network: send a datagram to the server side, wait a bounded time for
 * one back. {@link UdpDhcpTransport} is the real one; tests inject a scripted one with a virtual clock.
 */
public interface DhcpTransport extends Closeable {

    /** A received datagram and who sent it. */
    record Datagram(byte[] data, InetSocketAddress from) {}

    /** Opens a transport for the client's settings. */
    @FunctionalInterface
    interface Factory {
        DhcpTransport open(DhcpClient.Settings settings) throws DhcpException;
    }

    /** Where {@link #send} delivers, for messages ("sent to 255.255.255.255:67"). */
    InetSocketAddress destination();

    /** Sends to {@link #destination()}. */
    default void send(byte[] datagram) throws IOException {
        send(datagram, destination());
    }

    /** Sends to a given address: a PXE boot server's port 4011. */
    void send(byte[] datagram, InetSocketAddress to) throws IOException;

    /** The next datagram, or null when {@code timeout} (positive) passes first. */
    Datagram receive(Duration timeout) throws IOException;

    @Override
    void close();
}
