package org.javapxeboot.dhcp;

import static org.dhcp4java.DHCPConstants.BOOTREPLY;
import static org.dhcp4java.DHCPConstants.DHO_DHCP_LEASE_TIME;
import static org.dhcp4java.DHCPConstants.DHO_DHCP_MESSAGE_TYPE;
import static org.dhcp4java.DHCPConstants.DHO_DHCP_SERVER_IDENTIFIER;
import static org.dhcp4java.DHCPConstants.DHO_SUBNET_MASK;

import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.UnknownHostException;
import org.dhcp4java.DHCPPacket;

/** Server-side packets for tests, built with dhcp4java the way a server would. */
final class Replies {
    private Replies() {}

    static Inet4Address ip(String s) {
        try {
            return (Inet4Address) InetAddress.getByName(s);
        } catch (UnknownHostException e) {
            throw new IllegalArgumentException(s, e);
        }
    }

    /** A reply of {@code type} to {@code request}: same xid, chaddr and flags, op BOOTREPLY. */
    static DHCPPacket reply(DHCPPacket request, byte type, String yiaddr, String serverId) {
        DHCPPacket p = new DHCPPacket();
        p.setOp(BOOTREPLY);
        p.setHtype(request.getHtype());
        p.setHlen(request.getHlen());
        p.setXid(request.getXid());
        p.setFlags(request.getFlags());
        p.setChaddr(request.getChaddr());
        if (yiaddr != null) p.setYiaddr(ip(yiaddr));
        p.setOptionRaw(DHO_DHCP_MESSAGE_TYPE, new byte[] {type});
        if (serverId != null) p.setOptionRaw(DHO_DHCP_SERVER_IDENTIFIER, ip(serverId).getAddress());
        if (yiaddr != null) {
            p.setOptionRaw(DHO_DHCP_LEASE_TIME, new byte[] {0, 0, 0x0e, 0x10});
            p.setOptionRaw(DHO_SUBNET_MASK, ip("255.255.255.0").getAddress());
        }
        return p;
    }

    /** An ACK without a request to answer, for parser tests. */
    static DHCPPacket ack(String yiaddr, String serverId) {
        DHCPPacket req = new DHCPPacket();
        req.setXid(0x01020304);
        req.setChaddr(new byte[] {(byte) 0xaa, 0, (byte) 0x86, (byte) 0xe2, 0x35, 0x72});
        return reply(req, org.dhcp4java.DHCPConstants.DHCPACK, yiaddr, serverId);
    }

    /** Option bytes as they sit in an overloaded field: code, length, value. */
    static byte[] tlv(int code, byte[] value) {
        byte[] out = new byte[2 + value.length];
        out[0] = (byte) code;
        out[1] = (byte) value.length;
        System.arraycopy(value, 0, out, 2, value.length);
        return out;
    }

    static byte[] concat(byte[]... parts) {
        int n = 0;
        for (byte[] p : parts) n += p.length;
        byte[] out = new byte[n];
        int i = 0;
        for (byte[] p : parts) {
            System.arraycopy(p, 0, out, i, p.length);
            i += p.length;
        }
        return out;
    }

    /** A fixed-size BOOTP field (file is 128 bytes, sname 64) holding {@code content}, NUL-padded. */
    static byte[] field(int size, byte[] content) {
        byte[] f = new byte[size];
        System.arraycopy(content, 0, f, 0, content.length);
        return f;
    }
}
