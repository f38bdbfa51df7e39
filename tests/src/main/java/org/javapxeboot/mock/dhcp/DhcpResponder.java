package org.javapxeboot.mock.dhcp;

import static org.dhcp4java.DHCPConstants.BOOTREPLY;
import static org.dhcp4java.DHCPConstants.BOOTREQUEST;
import static org.dhcp4java.DHCPConstants.DHCPACK;
import static org.dhcp4java.DHCPConstants.DHCPDISCOVER;
import static org.dhcp4java.DHCPConstants.DHCPNAK;
import static org.dhcp4java.DHCPConstants.DHCPOFFER;
import static org.dhcp4java.DHCPConstants.DHCPREQUEST;

import java.io.ByteArrayOutputStream;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.dhcp4java.DHCPPacket;
import org.javapxeboot.net.MacAddress;

/**
 * Decides the answer to one DHCP request. Pure: a parsed request in, reply packets out; the
 * {@link DhcpServer} owns the socket and where replies go.
 *
 * <p>Boot file placement follows dnsmasq: option 67 (NUL-terminated, because some PXE ROMs expect
 * it) only when the parameter request list asks for 67, the {@code file} field otherwise; option 66
 * only when configured. With option 52 overload the options 66/67/209/210 travel in the overloaded
 * field(s) and the boot file is always option 67.
 */
public final class DhcpResponder {
    private static final byte OPT_PXE_CONFIG_FILE = (byte) 209;
    private static final byte OPT_PXE_PATH_PREFIX = (byte) 210;

    private final DhcpServerConfig config;

    public DhcpResponder(DhcpServerConfig config) { this.config = config; }

    /** The replies to send, in order, and a one-word summary for the log ("OFFER", "ignored: ..."). */
    public record Decision(List<DHCPPacket> replies, String summary) {
        static Decision ignore(String why) { return new Decision(List.of(), "ignored: " + why); }
    }

    /** @param ordinal 1-based number of this request on the server (for the dhcpIgnoreFirst switch) */
    public Decision respond(DHCPPacket request, long ordinal) {
        if (request.getOp() != BOOTREQUEST) return Decision.ignore("not a BOOTREQUEST");
        if (!request.isDhcp() || request.getDHCPMessageType() == null) return Decision.ignore("BOOTP is not served");
        if (request.getHlen() != 6) return Decision.ignore("hardware address length " + request.getHlen());
        byte type = request.getDHCPMessageType();
        if (config.faults().dhcpNoAnswer()) return Decision.ignore("fault: no answer");
        if (ordinal <= config.faults().dhcpIgnoreFirst()) return Decision.ignore("fault: ignore first " + config.faults().dhcpIgnoreFirst());
        MacAddress mac = MacAddress.of(Arrays.copyOf(request.getChaddr(), 6));
        Inet4Address ip = config.leases().get(mac);
        if (type == DHCPDISCOVER) {
            if (ip == null) return Decision.ignore("unknown MAC " + mac);
            return withDecoys(reply(request, DHCPOFFER, ip), "OFFER");
        }
        if (type == DHCPREQUEST) {
            InetAddress sid = option(request, (byte) 54);
            // RFC 2131 4.3.2: a REQUEST naming another server means the client chose that server's offer.
            if (sid != null && !sid.equals(config.serverId())) return Decision.ignore("REQUEST for server " + sid.getHostAddress());
            if (ip == null) {
                return config.unknownMacNak() ? new Decision(List.of(nak(request)), "NAK") : Decision.ignore("unknown MAC " + mac);
            }
            InetAddress wanted = option(request, (byte) 50);
            if (wanted == null && request.getCiaddr() != null && !request.getCiaddr().isAnyLocalAddress()) wanted = request.getCiaddr();
            if (config.faults().dhcpNak()) return new Decision(List.of(nak(request)), "NAK");
            if (wanted != null && !wanted.equals(ip)) return new Decision(List.of(nak(request)), "NAK");
            return withDecoys(reply(request, DHCPACK, ip), "ACK");
        }
        return Decision.ignore(DhcpRequestRecord.typeName(type) + " needs no answer");
    }

    /** The wrong-MAC and wrong-xid fault switches send a decoy before the real reply. */
    private Decision withDecoys(DHCPPacket real, String summary) {
        java.util.ArrayList<DHCPPacket> out = new java.util.ArrayList<>();
        if (config.faults().dhcpOtherMacFirst()) {
            DHCPPacket p = real.clone();
            byte[] chaddr = p.getChaddr();
            chaddr[5] ^= 0x01;
            p.setChaddr(chaddr);
            out.add(p);
        }
        if (config.faults().dhcpOtherXidFirst()) {
            DHCPPacket p = real.clone();
            p.setXid(real.getXid() + 1);
            out.add(p);
        }
        out.add(real);
        return new Decision(List.copyOf(out), summary + (out.size() > 1 ? " (after " + (out.size() - 1) + " decoy)" : ""));
    }

    private DHCPPacket base(DHCPPacket request, byte type) {
        DHCPPacket p = new DHCPPacket();
        p.setOp(BOOTREPLY);
        p.setHtype(request.getHtype());
        p.setHlen(request.getHlen());
        p.setXid(request.getXid());
        p.setFlags(request.getFlags());
        p.setGiaddrRaw(request.getGiaddrRaw());
        p.setChaddr(request.getChaddr());
        p.setDhcp(true);
        p.setDHCPMessageType(type);
        p.setOptionAsInetAddress((byte) 54, config.serverId());
        return p;
    }

    private DHCPPacket nak(DHCPPacket request) {
        return base(request, DHCPNAK);
    }

    private DHCPPacket reply(DHCPPacket request, byte type, Inet4Address ip) {
        DHCPPacket p = base(request, type);
        p.setCiaddrRaw(request.getCiaddrRaw());
        p.setYiaddr(ip);
        p.setSiaddr(config.nextServer() != null ? config.nextServer() : config.serverId());
        p.setOptionAsInt((byte) 51, config.leaseSeconds());
        p.setOptionAsInetAddress((byte) 1, config.subnetMask());
        if (config.router() != null) p.setOptionAsInetAddresses((byte) 3, new InetAddress[] {config.router()});
        if (!config.dnsServers().isEmpty()) p.setOptionAsInetAddresses((byte) 6, config.dnsServers().toArray(new InetAddress[0]));
        boolean asksForBootfileOption = false;
        byte[] prl = request.getOptionRaw((byte) 55);
        if (prl != null) for (byte b : prl) if (b == 67) asksForBootfileOption = true;
        if (config.overload() != 0) {
            byte[][] fields = pack(overloadedOptions(config.bootFile(), config.tftpServerName(), config.configFile(), config.pathPrefix()), config.overload());
            p.setOptionAsByte((byte) 52, (byte) config.overload());
            if (fields[0] != null) p.setFileRaw(fields[0]);
            if (fields[1] != null) p.setSnameRaw(fields[1]);
            return p;
        }
        if (config.bootFile() != null) {
            if (asksForBootfileOption || config.bootFile().length() > 127) p.setOptionRaw((byte) 67, nulTerminated(config.bootFile()));
            else p.setFile(config.bootFile());
        }
        if (config.tftpServerName() != null) p.setOptionRaw((byte) 66, bytes(config.tftpServerName()));
        // dhcp4java knows no type for 209/210 (setOptionAsString refuses them): raw bytes.
        if (config.configFile() != null) p.setOptionRaw(OPT_PXE_CONFIG_FILE, bytes(config.configFile()));
        if (config.pathPrefix() != null) p.setOptionRaw(OPT_PXE_PATH_PREFIX, bytes(config.pathPrefix()));
        return p;
    }

    /** The options that travel in the overloaded fields (66, 67 NUL-terminated, 209, 210), in that order. */
    static Map<Integer, byte[]> overloadedOptions(String bootFile, String tftpServerName, String configFile, String pathPrefix) {
        Map<Integer, byte[]> m = new LinkedHashMap<>();
        if (tftpServerName != null) m.put(66, tftpServerName.getBytes(StandardCharsets.ISO_8859_1));
        if (bootFile != null) m.put(67, nulTerminated(bootFile));
        if (configFile != null) m.put(209, configFile.getBytes(StandardCharsets.ISO_8859_1));
        if (pathPrefix != null) m.put(210, pathPrefix.getBytes(StandardCharsets.ISO_8859_1));
        return m;
    }

    /**
     * Packs options into the overloaded fields: {@code file} (128 bytes) first when mode has bit 1,
     * then {@code sname} (64 bytes) when mode has bit 2. Each field holds whole options and ends with
     * END (RFC 2132 section 9.3). Returns {file, sname} (null: field not used), or null if they do not fit.
     */
    static byte[][] pack(Map<Integer, byte[]> options, int mode) {
        int[] sizes = {(mode & 1) != 0 ? 128 : 0, (mode & 2) != 0 ? 64 : 0};
        ByteArrayOutputStream[] fields = {new ByteArrayOutputStream(), new ByteArrayOutputStream()};
        int f = sizes[0] > 0 ? 0 : 1;
        for (Map.Entry<Integer, byte[]> e : options.entrySet()) {
            int need = e.getValue().length + 2;
            while (f < 2 && fields[f].size() + need + 1 > sizes[f]) f++;
            if (f == 2) return null;
            fields[f].write(e.getKey());
            fields[f].write(e.getValue().length);
            fields[f].write(e.getValue(), 0, e.getValue().length);
        }
        byte[][] out = new byte[2][];
        for (int i = 0; i < 2; i++) {
            if (sizes[i] == 0) continue;
            fields[i].write(255);
            out[i] = fields[i].toByteArray();
        }
        return out;
    }

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.ISO_8859_1);
    }

    private static byte[] nulTerminated(String s) {
        byte[] b = s.getBytes(StandardCharsets.ISO_8859_1);
        return Arrays.copyOf(b, b.length + 1);
    }

    private static InetAddress option(DHCPPacket p, byte code) {
        byte[] v = p.getOptionRaw(code);
        if (v == null || v.length != 4) return null;
        try {
            return InetAddress.getByAddress(v);
        } catch (java.net.UnknownHostException e) {
            return null;
        }
    }
}
