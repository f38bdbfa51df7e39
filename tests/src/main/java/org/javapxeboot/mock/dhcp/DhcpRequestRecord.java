package org.javapxeboot.mock.dhcp;

import java.net.InetSocketAddress;
import java.time.Instant;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.javapxeboot.net.MacAddress;

/**
 * One DHCP request as received, with what the server did about it.
 *
 * @param messageType option 53 (1 DISCOVER, 3 REQUEST, ...), 0 for BOOTP
 * @param options     every option of the request, code to raw value, in wire order
 * @param reply       what was sent: "OFFER", "ACK", "NAK", or "ignored: REASON"
 */
public record DhcpRequestRecord(long sequence, Instant time, InetSocketAddress source, MacAddress mac, int xid,
                                int messageType, boolean broadcastFlag, Map<Integer, byte[]> options, String reply) {
    public DhcpRequestRecord {
        options = Collections.unmodifiableMap(new LinkedHashMap<>(options));
    }

    /** Option 55, the parameter request list, as unsigned codes (empty when absent). */
    public List<Integer> parameterRequestList() {
        byte[] v = options.get((int) org.dhcp4java.DHCPConstants.DHO_DHCP_PARAMETER_REQUEST_LIST);
        if (v == null) return List.of();
        Integer[] codes = new Integer[v.length];
        for (int i = 0; i < v.length; i++) codes[i] = v[i] & 0xFF;
        return List.of(codes);
    }

    /** An option's raw value (a copy), or null. */
    public byte[] option(int code) {
        byte[] v = options.get(code);
        return v == null ? null : v.clone();
    }

    /** The name of a message type (RFC 2132 section 9.6). */
    public static String typeName(int type) {
        if (type == 0) return "BOOTP";
        String name = org.javapxeboot.dhcp.DhcpOptions.messageTypeName(type);
        return name != null ? name : "TYPE-" + type;
    }

    @Override public String toString() {
        return "DHCP " + typeName(messageType) + " from " + mac + " xid=" + Integer.toHexString(xid) + " -> " + reply;
    }
}
