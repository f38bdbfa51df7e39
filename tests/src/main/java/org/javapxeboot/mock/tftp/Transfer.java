package org.javapxeboot.mock.tftp;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedByInterruptException;
import java.util.Map;
import org.javapxeboot.mock.fault.FaultInjector;
import org.javapxeboot.tftp.TftpCodec;
import org.javapxeboot.tftp.TftpPacket;

/**
 * One transfer on its own socket (a new TID, RFC 1350 section 4): what a read and a write share —
 * the link's lifetime, the outcome record, and the ERROR that ends a transfer.
 */
abstract class Transfer implements Runnable {
    final TftpServer server;
    final TftpRequestRecord record;
    final TftpPacket.Request request;
    final FaultInjector faults;
    final TftpServerConfig config;
    long bytes;
    long retransmissions;
    Map<String, String> negotiated = Map.of();

    Transfer(TftpServer server, TftpRequestRecord record, TftpPacket.Request request, FaultInjector faults) {
        this.server = server;
        this.record = record;
        this.request = request;
        this.faults = faults;
        this.config = server.config();
    }

    /** Real time a wait lasts at most before a manual clock is read again. */
    private static final long MANUAL_CLOCK_POLL_NANOS = 5_000_000;

    /** The server's clock, in nanoseconds. */
    final long now() { return config.clock().getAsLong(); }

    /**
     * Receives one datagram, or -1 once {@code deadline} has passed on the server's clock. With the system clock
     * this is one wait; a manual clock is re-read every few milliseconds, so the timeout fires when the test
     * moves the clock, and never on its own.
     */
    final int receiveUntil(Link link, byte[] in, long deadline) throws IOException {
        while (true) {
            long left = deadline - now();
            if (left <= 0) return -1;
            int len = link.receive(in, config.systemClock() ? left : Math.min(left, MANUAL_CLOCK_POLL_NANOS));
            if (len >= 0) return len;
        }
    }

    /** The exchange itself, on a link to the client; returns how it ended. */
    abstract TransferRecord exchange(Link link) throws IOException;

    @Override public final void run() {
        long started = System.nanoTime();
        TransferRecord result;
        try (Link link = new Link(config.bindAddress(), record.client(), config.socketBufferBytes(), faults, server.delayLine())) {
            result = exchange(link);
        } catch (ClosedByInterruptException e) {
            result = end(TransferRecord.Outcome.ABORTED, -1, "server closed");
        } catch (IOException e) {
            result = end(server.closed() ? TransferRecord.Outcome.ABORTED : TransferRecord.Outcome.TIMED_OUT, -1, "I/O error: " + e.getMessage());
        }
        server.finish(result, System.nanoTime() - started);
    }

    final TransferRecord end(TransferRecord.Outcome outcome, int code, String message) {
        return new TransferRecord(record, outcome, code, message, bytes, negotiated, retransmissions);
    }

    final TransferRecord error(Link link, int code, String message) throws IOException {
        link.sendReliably(ByteBuffer.wrap(TftpCodec.encode(new TftpPacket.Error(code, message))));
        server.stats().errorsSent.incrementAndGet();
        return end(TransferRecord.Outcome.ERROR_SENT, code, message);
    }
}
