package org.javapxeboot.mock.tftp;

import java.util.Map;

/**
 * How a request ended, logged when it ends.
 *
 * @param outcome    what happened
 * @param errorCode  the TFTP error code sent to the client (or received from it), -1 if none
 * @param message    the error text, or "" on success
 * @param bytes      file bytes transferred (sent for a read, stored for a write)
 * @param negotiated the options in the OACK the server sent (empty: none)
 */
public record TransferRecord(TftpRequestRecord request, Outcome outcome, int errorCode, String message,
                             long bytes, Map<String, String> negotiated, long retransmissions) {

    public enum Outcome {
        /** Every block was acknowledged (read) or the file was stored (write). */
        COMPLETED,
        /** The server sent an ERROR packet (refused, not found, error fault, ...). */
        ERROR_SENT,
        /** The client sent an ERROR packet. */
        CLIENT_ERROR,
        /** Retransmissions ran out. */
        TIMED_OUT,
        /** The stall fault stopped the transfer: the server went silent. */
        STALLED,
        /** The server was closed mid-transfer. */
        ABORTED
    }

    public boolean completed() { return outcome == Outcome.COMPLETED; }
}
