package org.javapxeboot.tftp;

import java.time.Duration;

/**
 * What a finished transfer did.
 *
 * @param bytes             file bytes received
 * @param blksize           block size in use (512 when the server ignored options)
 * @param windowsize        window in use (1 = RFC 1350 lock-step)
 * @param optionsAccepted   the server answered with an OACK (RFC 2347)
 * @param retransmissions   packets we sent again: requests, ACKs re-sent on a gap or a timeout
 * @param duplicatesIgnored DATA (or OACK) packets received a second time and not acted on
 * @param elapsed           from the first request to the final ACK
 * @param coalescedReceives receives that returned several datagrams at once (UDP GRO; 0 without offload)
 */
public record TransferResult(long bytes, int blksize, int windowsize, boolean optionsAccepted,
                             long retransmissions, long duplicatesIgnored, Duration elapsed, long coalescedReceives) {

    /** Throughput in MB/s (10^6 bytes per second), 0 for an instant transfer. */
    public double megabytesPerSecond() {
        long nanos = elapsed.toNanos();
        return nanos <= 0 ? 0 : bytes * 1000.0 / nanos;
    }
}
