package org.javapxeboot.dhcp;

import static org.dhcp4java.DHCPConstants.DHO_BOOTFILE;
import static org.dhcp4java.DHCPConstants.DHO_DHCP_LEASE_TIME;
import static org.dhcp4java.DHCPConstants.DHO_DHCP_OPTION_OVERLOAD;
import static org.dhcp4java.DHCPConstants.DHO_DHCP_SERVER_IDENTIFIER;
import static org.dhcp4java.DHCPConstants.DHO_DOMAIN_NAME;
import static org.dhcp4java.DHCPConstants.DHO_DOMAIN_NAME_SERVERS;
import static org.dhcp4java.DHCPConstants.DHO_HOST_NAME;
import static org.dhcp4java.DHCPConstants.DHO_ROUTERS;
import static org.dhcp4java.DHCPConstants.DHO_SUBNET_MASK;

import java.io.ByteArrayOutputStream;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.dhcp4java.DHCPBadPacketException;
import org.dhcp4java.DHCPOption;
import org.dhcp4java.DHCPPacket;

/**
 * Turns a DHCP ACK into a {@link DhcpLease}. Pure. Anything malformed ends in a {@link DhcpException} that
 * names the option and the server; nothing else is thrown (a fuzz test holds it to that).
 */
public final class LeaseParser {
    private LeaseParser() {}

    /** RFC 2132 §9.3 option 52 values: which of the BOOTP fields carry options. */
    static final int OVERLOAD_FILE = DhcpOptions.OVERLOAD_FILE, OVERLOAD_SNAME = DhcpOptions.OVERLOAD_SNAME;

    /**
     * Decodes a datagram with dhcp4java. Lenient about a missing END option (iPXE is too); everything else
     * dhcp4java rejects becomes a DhcpException.
     */
    public static DHCPPacket decode(byte[] datagram, int offset, int length) throws DhcpException {
        try {
            return DHCPPacket.getPacket(datagram, offset, length, false);
        } catch (DHCPBadPacketException e) {
            throw new DhcpException("malformed DHCP packet (" + length + " bytes): " + e.getMessage(), e);
        }
    }

    /** {@link #decode} then {@link #parse(DHCPPacket)}. */
    public static DhcpLease parse(byte[] datagram) throws DhcpException {
        return parse(decode(datagram, 0, datagram.length));
    }

    public static DhcpLease parse(DHCPPacket ack) throws DhcpException {
        Options o = Options.of(ack);
        Inet4Address serverId = o.address(DHO_DHCP_SERVER_IDENTIFIER);
        String from = o.from;

        Inet4Address yiaddr = inet4(ack.getYiaddrRaw());
        if (yiaddr.isAnyLocalAddress()) {
            throw new DhcpException(from + " acknowledged without an address (yiaddr 0.0.0.0)");
        }
        Inet4Address siaddr = inet4(ack.getSiaddrRaw());

        // RFC 2131 §2: 'file' is a boot file name unless option 52 says it carries options.
        String bootFile = null;
        if ((o.overload & OVERLOAD_FILE) == 0) bootFile = text(ack.getFileRaw());
        if (bootFile == null) bootFile = o.string(DHO_BOOTFILE);

        List<Inet4Address> routers = o.addresses(DHO_ROUTERS);
        return new DhcpLease(
                yiaddr,
                serverId,
                siaddr.isAnyLocalAddress() ? null : siaddr,
                bootFile,
                o.string(DhcpOptions.PXELINUX_CONFIG_FILE),
                o.string(DhcpOptions.PXELINUX_PATH_PREFIX),
                o.address(DHO_SUBNET_MASK),
                routers.isEmpty() ? null : routers.get(0),
                o.addresses(DHO_DOMAIN_NAME_SERVERS),
                o.string(DHO_HOST_NAME),
                o.string(DHO_DOMAIN_NAME),
                o.leaseSeconds(DHO_DHCP_LEASE_TIME));
    }

    /**
     * A string from a NUL-terminated field or option: up to the first NUL (dnsmasq NUL-terminates option 67;
     * the BOOTP fields are NUL-padded), ISO-8859-1 so every byte survives into the TFTP request. Empty = null.
     */
    static String text(byte[] raw) {
        int end = 0;
        while (end < raw.length && raw[end] != 0) end++;
        return end == 0 ? null : new String(raw, 0, end, StandardCharsets.ISO_8859_1);
    }

    static Inet4Address inet4(byte[] four) {
        try {
            return (Inet4Address) InetAddress.getByAddress(four);
        } catch (UnknownHostException e) {
            throw new IllegalArgumentException("not 4 bytes: " + Arrays.toString(four), e); // callers pass 4
        }
    }

    /**
     * The options of a packet, with the overloaded {@code file} and {@code sname} fields folded in. RFC 3396
     * §6: an option that appears in several places is concatenated in the order options, file, sname.
     * (dhcp4java keeps only the last copy of an option repeated within the options field itself.)
     */
    static final class Options {
        final Map<Integer, byte[]> values = new LinkedHashMap<>();
        final int overload;
        final String from;

        private Options(int overload, String from) {
            this.overload = overload;
            this.from = from;
        }

        static Options of(DHCPPacket p) throws DhcpException {
            Map<Integer, byte[]> main = new LinkedHashMap<>();
            for (DHCPOption opt : p.getOptionsCollection()) main.put(opt.getCode() & 0xff, opt.getValueFast());
            byte[] sid = main.get(DHO_DHCP_SERVER_IDENTIFIER & 0xff);
            String from = sid != null && sid.length == 4
                    ? "DHCP server " + inet4(sid).getHostAddress() : "the DHCP server";
            int overload = 0;
            byte[] ov = main.get(DHO_DHCP_OPTION_OVERLOAD & 0xff);
            if (ov != null) {
                if (ov.length != 1 || ov[0] < 1 || ov[0] > 3) {
                    throw new DhcpException(from + " sent " + DhcpOptions.name(52) + " = "
                            + hex(ov) + ", expected one byte 1, 2 or 3 (RFC 2132 §9.3)");
                }
                overload = ov[0];
            }
            Options o = new Options(overload, from);
            o.values.putAll(main);
            if ((overload & OVERLOAD_FILE) != 0) o.walk(p.getFileRaw(), "file");
            if ((overload & OVERLOAD_SNAME) != 0) o.walk(p.getSnameRaw(), "sname");
            return o;
        }

        /** RFC 2131 §4.1: an overloaded field holds options like the options field, PAD-skipped, END-ended. */
        private void walk(byte[] field, String name) throws DhcpException {
            int bad = DhcpTlv.walk(field, (code, b, at, len) -> {
                if (code != 52) values.merge(code, Arrays.copyOfRange(b, at, at + len), LeaseParser.Options::concat);
            });
            if (bad >= 0) {
                throw new DhcpException(from + " sent " + DhcpOptions.name(bad) + " in the overloaded '"
                        + name + "' field that runs past the field's end");
            }
        }

        private static byte[] concat(byte[] a, byte[] b) {
            ByteArrayOutputStream out = new ByteArrayOutputStream(a.length + b.length);
            out.writeBytes(a);
            out.writeBytes(b);
            return out.toByteArray();
        }

        String string(byte code) {
            byte[] v = values.get(code & 0xff);
            return v == null ? null : text(v);
        }

        Inet4Address address(byte code) throws DhcpException {
            byte[] v = values.get(code & 0xff);
            if (v == null) return null;
            if (v.length != 4) throw badLength(code, v, "4");
            return inet4(v);
        }

        List<Inet4Address> addresses(byte code) throws DhcpException {
            byte[] v = values.get(code & 0xff);
            if (v == null) return List.of();
            if (v.length == 0 || v.length % 4 != 0) throw badLength(code, v, "a multiple of 4");
            List<Inet4Address> out = new ArrayList<>(v.length / 4);
            for (int i = 0; i < v.length; i += 4) out.add(inet4(Arrays.copyOfRange(v, i, i + 4)));
            return out;
        }

        /** RFC 2132 §9.2: an unsigned 32-bit count of seconds; 0xffffffff means infinite. */
        int leaseSeconds(byte code) throws DhcpException {
            byte[] v = values.get(code & 0xff);
            if (v == null) return 0;
            if (v.length != 4) throw badLength(code, v, "4");
            long s = ((v[0] & 0xffL) << 24) | ((v[1] & 0xff) << 16) | ((v[2] & 0xff) << 8) | (v[3] & 0xff);
            return (int) Math.min(s, Integer.MAX_VALUE);
        }

        private DhcpException badLength(byte code, byte[] v, String expected) {
            return new DhcpException(from + " sent " + DhcpOptions.name(code) + " of " + v.length
                    + " bytes, expected " + expected);
        }
    }

    static String hex(byte[] v) {
        StringBuilder b = new StringBuilder();
        for (byte x : v) b.append(b.length() == 0 ? "" : " ").append(String.format("%02x", x & 0xff));
        return b.length() == 0 ? "(empty)" : b.toString();
    }
}
