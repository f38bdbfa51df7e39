package org.javapxeboot.mock.tftp;

import java.util.concurrent.atomic.AtomicLong;

/** Counters of one TFTP server, thread-safe; read them through {@link org.javapxeboot.mock.PxeMockServer#stats()}. */
public final class TftpStats {
    final AtomicLong requests = new AtomicLong();
    final AtomicLong transfersStarted = new AtomicLong();
    final AtomicLong transfersCompleted = new AtomicLong();
    final AtomicLong transfersFailed = new AtomicLong();
    final AtomicLong refusedBusy = new AtomicLong();
    final AtomicLong bytesSent = new AtomicLong();
    final AtomicLong bytesReceived = new AtomicLong();
    final AtomicLong dataPacketsSent = new AtomicLong();
    final AtomicLong dataPacketsResent = new AtomicLong();
    final AtomicLong batchesSent = new AtomicLong();
    final AtomicLong batchedPackets = new AtomicLong();
    final AtomicLong windowsSent = new AtomicLong();
    final AtomicLong retransmissions = new AtomicLong();
    final AtomicLong errorsSent = new AtomicLong();
    final AtomicLong active = new AtomicLong();

    public long requests() { return requests.get(); }
    public long transfersStarted() { return transfersStarted.get(); }
    public long transfersCompleted() { return transfersCompleted.get(); }
    public long transfersFailed() { return transfersFailed.get(); }
    /** Requests refused because {@code maxTransfers} were running. */
    public long refusedBusy() { return refusedBusy.get(); }
    /** File bytes sent in DATA packets, retransmissions included. */
    public long bytesSent() { return bytesSent.get(); }
    public long bytesReceived() { return bytesReceived.get(); }
    /** DATA packets handed to the network layer (before the fault switches; dropped ones included). */
    public long dataPacketsSent() { return dataPacketsSent.get(); }
    /** DATA packets for a block that had been sent before (a window resent after a gap, a timeout or a repeated ACK). */
    public long dataPacketsResent() { return dataPacketsResent.get(); }
    /** DATA packets that left inside a GSO batch (counted in {@link #dataPacketsSent} too). */
    public long batchedPackets() { return batchedPackets.get(); }
    /** Windows (lock-step: single blocks) put on the wire, first sends and resends alike. */
    public long windowsSent() { return windowsSent.get(); }
    /** System calls that sent several DATA packets at once (UDP GSO); 0 without the native library or under faults. */
    public long batchesSent() { return batchesSent.get(); }
    /** Window (or packet) resends, on timeout or on a client's duplicate/earlier ACK. */
    public long retransmissions() { return retransmissions.get(); }
    public long errorsSent() { return errorsSent.get(); }
    public long activeTransfers() { return active.get(); }
}
