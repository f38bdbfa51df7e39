package org.javapxeboot.mock.tftp;

import java.net.InetSocketAddress;
import java.time.Instant;
import java.util.Map;

/**
 * One request as the server received it, logged before anything is decided, in arrival order.
 *
 * @param sequence 1-based arrival number on this server
 * @param write    true for WRQ
 * @param options  the RFC 2347 options as sent (names lower-case, in order)
 */
public record TftpRequestRecord(long sequence, Instant time, InetSocketAddress client, boolean write,
                                String filename, String mode, Map<String, String> options) {
    public TftpRequestRecord {
        options = java.util.Collections.unmodifiableMap(new java.util.LinkedHashMap<>(options));
    }
}
