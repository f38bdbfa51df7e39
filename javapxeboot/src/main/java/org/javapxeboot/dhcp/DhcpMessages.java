package org.javapxeboot.dhcp;

import static org.dhcp4java.DHCPConstants.BOOTREQUEST;
import static org.dhcp4java.DHCPConstants.DHCPDISCOVER;
import static org.dhcp4java.DHCPConstants.DHCPREQUEST;
import static org.dhcp4java.DHCPConstants.DHO_DHCP_CLIENT_IDENTIFIER;
import static org.dhcp4java.DHCPConstants.DHO_DHCP_MAX_MESSAGE_SIZE;
import static org.dhcp4java.DHCPConstants.DHO_DHCP_PARAMETER_REQUEST_LIST;
import static org.dhcp4java.DHCPConstants.DHO_DHCP_REQUESTED_ADDRESS;
import static org.dhcp4java.DHCPConstants.DHO_DHCP_SERVER_IDENTIFIER;
import static org.dhcp4java.DHCPConstants.DHO_VENDOR_CLASS_IDENTIFIER;
import static org.dhcp4java.DHCPConstants.HTYPE_ETHER;

import java.net.Inet4Address;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.UUID;
import org.dhcp4java.DHCPPacket;
import org.javapxeboot.net.MacAddress;

/**
 * Builds the client's messages. Pure: no sockets, no clock, no randomness (xid and secs come in), so the
 * bytes are reproducible and golden-tested.
 *
 * <p>Every message looks like a PXE 2.1 BIOS ROM on the guest's NIC: chaddr and option 61 carry the guest's
 * MAC, options 60/93/94/97 identify a PXE client, and the BROADCAST flag is set because the server's reply
 * is addressed to the guest's MAC, which is not the host's: only a broadcast reply reaches us.
 */
public final class DhcpMessages {
    private DhcpMessages() {}

    /** RFC 2131 §4.4.1 / PXE 2.1 §2.2.1: DHCPDISCOVER, broadcast, with the PXE options. */
    public static DHCPPacket discover(MacAddress mac, UUID uuid, int xid, int secs) {
        DHCPPacket p = header(mac, xid, secs);
        p.setDHCPMessageType(DHCPDISCOVER);
        p.setOptionRaw(DHO_DHCP_CLIENT_IDENTIFIER, clientIdentifier(mac));
        pxeOptions(p, uuid);
        return p;
    }

    /**
     * RFC 2131 §4.3.2 SELECTING state: DHCPREQUEST for the chosen offer. ciaddr stays 0; option 50 carries the
     * offered address and option 54 the chosen server, which tells every other server its offer was declined.
     */
    public static DHCPPacket request(MacAddress mac, UUID uuid, int xid, int secs,
                                     Inet4Address requestedAddress, Inet4Address serverIdentifier) {
        DHCPPacket p = header(mac, xid, secs);
        p.setDHCPMessageType(DHCPREQUEST);
        p.setOptionRaw(DHO_DHCP_CLIENT_IDENTIFIER, clientIdentifier(mac));
        p.setOptionRaw(DHO_DHCP_REQUESTED_ADDRESS, requestedAddress.getAddress());
        p.setOptionRaw(DHO_DHCP_SERVER_IDENTIFIER, serverIdentifier.getAddress());
        pxeOptions(p, uuid);
        return p;
    }

    /**
     * PXE 2.1 §2.2.5 boot server discovery: a DHCPREQUEST unicast to a boot server's port 4011 asking for the
     * boot file of one menu item (option 43 sub-option 71: boot server type, layer 0). ciaddr is the address the
     * DHCP server leased; dnsmasq uses it to find the subnet, clears it in its ACK and so answers to the request's
     * source, which is this host. The BROADCAST flag is off: the exchange is unicast both ways.
     */
    public static DHCPPacket bootServerRequest(MacAddress mac, UUID uuid, int xid, int secs, Inet4Address clientAddress,
                                               int bootServerType) {
        DHCPPacket p = header(mac, xid, secs);
        p.setFlags((short) 0);
        p.setCiaddrRaw(clientAddress.getAddress());
        p.setDHCPMessageType(DHCPREQUEST);
        p.setOptionRaw(DHO_DHCP_CLIENT_IDENTIFIER, clientIdentifier(mac));
        pxeOptions(p, uuid);
        p.setOptionRaw(org.dhcp4java.DHCPConstants.DHO_VENDOR_ENCAPSULATED_OPTIONS, DhcpOptions.pxeBootItem(bootServerType, 0));
        return p;
    }

    /** The datagram: the BOOTP header, the options, END, padded to 300 bytes as BOOTP relays expect. */
    public static byte[] encode(DHCPPacket p) {
        return p.serialize();
    }

    /** RFC 2132 §9.14: option 61 = hardware type 1 (Ethernet), then the MAC, as PXE ROMs send it. */
    public static byte[] clientIdentifier(MacAddress mac) {
        byte[] m = mac.bytes();
        byte[] id = new byte[1 + m.length];
        id[0] = HTYPE_ETHER;
        System.arraycopy(m, 0, id, 1, m.length);
        return id;
    }

    /**
     * RFC 4578 §2.3: option 97 = type 0, then the 16 UUID bytes. We send them in RFC 4122 (big-endian) order,
     * so a pxelinux.cfg file named after the UUID is {@code uuid.toString()}.
     */
    public static byte[] uuidOption(UUID uuid) {
        return ByteBuffer.allocate(17).put((byte) 0)
                .putLong(uuid.getMostSignificantBits()).putLong(uuid.getLeastSignificantBits()).array();
    }

    /**
     * The UUID sent when none is configured: an RFC 4122 version-1 UUID with zero time and clock sequence whose
     * node field is the guest's MAC ({@code 00000000-0000-1000-8000-aa0086e23572}). Deterministic, so a
     * pxelinux.cfg file named after it keeps working, and an administrator can tell which guest it names.
     */
    public static UUID uuidFor(MacAddress mac) {
        long node = 0;
        for (byte b : mac.bytes()) node = (node << 8) | (b & 0xff);
        return new UUID(0x0000_0000_0000_1000L, 0x8000_0000_0000_0000L | node);
    }

    private static DHCPPacket header(MacAddress mac, int xid, int secs) {
        DHCPPacket p = new DHCPPacket();
        p.setOp(BOOTREQUEST);
        p.setHtype(HTYPE_ETHER);
        p.setHlen((byte) 6);
        p.setXid(xid);
        p.setSecs((short) Math.min(Math.max(secs, 0), 0xffff));
        p.setFlags(DhcpOptions.FLAG_BROADCAST);
        p.setChaddr(mac.bytes());
        return p;
    }

    private static void pxeOptions(DHCPPacket p, UUID uuid) {
        p.setOptionRaw(DHO_DHCP_MAX_MESSAGE_SIZE,
                new byte[] {(byte) (DhcpOptions.MAX_MESSAGE_SIZE >> 8), (byte) DhcpOptions.MAX_MESSAGE_SIZE});
        p.setOptionRaw(DHO_VENDOR_CLASS_IDENTIFIER, DhcpOptions.PXE_VENDOR_CLASS.getBytes(StandardCharsets.US_ASCII));
        p.setOptionRaw(DhcpOptions.CLIENT_ARCH, DhcpOptions.ARCH_X86_BIOS.clone());
        p.setOptionRaw(DhcpOptions.CLIENT_NDI, DhcpOptions.NDI_UNDI_2_1.clone());
        p.setOptionRaw(DhcpOptions.CLIENT_UUID, uuidOption(uuid));
        p.setOptionRaw(DHO_DHCP_PARAMETER_REQUEST_LIST, DhcpOptions.PARAMETER_REQUEST_LIST.clone());
    }
}
