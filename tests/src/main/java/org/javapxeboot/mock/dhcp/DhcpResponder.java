package org.javapxeboot.mock.dhcp;

import static org.dhcp4java.DHCPConstants.BOOTREPLY;
import static org.dhcp4java.DHCPConstants.BOOTREQUEST;
import static org.dhcp4java.DHCPConstants.DHCPACK;
import static org.dhcp4java.DHCPConstants.DHCPDISCOVER;
import static org.dhcp4java.DHCPConstants.DHCPNAK;
import static org.dhcp4java.DHCPConstants.DHCPOFFER;
import static org.dhcp4java.DHCPConstants.DHCPREQUEST;
import static org.dhcp4java.DHCPConstants.DHO_BOOTFILE;
import static org.dhcp4java.DHCPConstants.DHO_DHCP_LEASE_TIME;
import static org.dhcp4java.DHCPConstants.DHO_DHCP_OPTION_OVERLOAD;
import static org.dhcp4java.DHCPConstants.DHO_DHCP_PARAMETER_REQUEST_LIST;
import static org.dhcp4java.DHCPConstants.DHO_DHCP_REQUESTED_ADDRESS;
import static org.dhcp4java.DHCPConstants.DHO_DHCP_SERVER_IDENTIFIER;
import static org.dhcp4java.DHCPConstants.DHO_DOMAIN_NAME_SERVERS;
import static org.dhcp4java.DHCPConstants.DHO_ROUTERS;
import static org.dhcp4java.DHCPConstants.DHO_SUBNET_MASK;
import static org.dhcp4java.DHCPConstants.DHO_TFTP_SERVER;
import static org.dhcp4java.DHCPConstants.DHO_VENDOR_CLASS_IDENTIFIER;

import java.net.Inet4Address;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.dhcp4java.DHCPPacket;
import org.javapxeboot.dhcp.DhcpOptions;
import org.javapxeboot.dhcp.DhcpTlv;
import org.javapxeboot.net.MacAddress;

/**
 * Decides the answer to one DHCP request. Pure: a parsed request in, reply packets out; the
 * {@link DhcpServer} owns the socket and where replies go. Option numbers and the option layout
 * (overloaded fields) are the bootloader's ({@link DhcpOptions}, {@link DhcpTlv}); this class holds
 * only what a server decides.
 *
 * <p>Boot file placement follows dnsmasq: option 67 (NUL-terminated, because some PXE ROMs expect
 * it) only when the parameter request list asks for 67, the {@code file} field otherwise; option 66
 * only when configured. With option 52 overload the options 66/67/209/210 travel in the overloaded
 * field(s) and the boot file is always option 67.
 *
 * <p>The boot file depends on the client's architecture (option 93, as dnsmasq's
 * {@code dhcp-match=...,option:client-arch,N}): 0 (BIOS) the boot file, 7 and 9 (x86-64 UEFI)
 * the EFI boot file, 16 (x86-64 UEFI HTTP boot) the HTTP boot URL with vendor class
 * {@code HTTPClient} echoed in option 60; a missing setting falls back to the boot file.
 */
public final class DhcpResponder {
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
            InetAddress sid = option(request, DHO_DHCP_SERVER_IDENTIFIER);
            // RFC 2131 4.3.2: a REQUEST naming another server means the client chose that server's offer.
            if (sid != null && !sid.equals(config.serverId())) return Decision.ignore("REQUEST for server " + sid.getHostAddress());
            if (ip == null) {
                return config.unknownMacNak() ? new Decision(List.of(nak(request)), "NAK") : Decision.ignore("unknown MAC " + mac);
            }
            InetAddress wanted = option(request, DHO_DHCP_REQUESTED_ADDRESS);
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
        p.setOptionAsInetAddress(DHO_DHCP_SERVER_IDENTIFIER, config.serverId());
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
        p.setOptionAsInt(DHO_DHCP_LEASE_TIME, config.leaseSeconds());
        p.setOptionAsInetAddress(DHO_SUBNET_MASK, config.subnetMask());
        if (config.router() != null) p.setOptionAsInetAddresses(DHO_ROUTERS, new InetAddress[] {config.router()});
        if (!config.dnsServers().isEmpty()) p.setOptionAsInetAddresses(DHO_DOMAIN_NAME_SERVERS, config.dnsServers().toArray(new InetAddress[0]));
        boolean asksForBootfileOption = DhcpOptions.requests(request.getOptionRaw(DHO_DHCP_PARAMETER_REQUEST_LIST), DHO_BOOTFILE);
        int arch = clientArch(request);
        String bootFile = config.bootFile();
        if ((arch == ARCH_EFI_HTTP || arch == ARCH_EFI_BC || arch == ARCH_EFI_X86_64) && config.bootFileEfi() != null) bootFile = config.bootFileEfi();
        if (arch == ARCH_EFI_HTTP && config.bootUrlHttp() != null) {
            // UEFI 2.x 24.7: the HTTP boot client takes only offers that echo vendor class HTTPClient
            bootFile = config.bootUrlHttp();
            p.setOptionRaw(DHO_VENDOR_CLASS_IDENTIFIER, bytes(HTTP_CLIENT));
        }
        if (config.overload() != 0) {
            byte[][] fields = DhcpTlv.pack(overloadedOptions(bootFile, config.tftpServerName(), config.configFile(), config.pathPrefix()), config.overload());
            p.setOptionAsByte(DHO_DHCP_OPTION_OVERLOAD, (byte) config.overload());
            if (fields[0] != null) p.setFileRaw(fields[0]);
            if (fields[1] != null) p.setSnameRaw(fields[1]);
            return p;
        }
        if (bootFile != null) {
            if (asksForBootfileOption || bootFile.length() > 127) p.setOptionRaw(DHO_BOOTFILE, nulTerminated(bootFile));
            else p.setFile(bootFile);
        }
        if (config.tftpServerName() != null) p.setOptionRaw(DHO_TFTP_SERVER, bytes(config.tftpServerName()));
        // dhcp4java knows no type for 209/210 (setOptionAsString refuses them): raw bytes.
        if (config.configFile() != null) p.setOptionRaw(DhcpOptions.PXELINUX_CONFIG_FILE, bytes(config.configFile()));
        if (config.pathPrefix() != null) p.setOptionRaw(DhcpOptions.PXELINUX_PATH_PREFIX, bytes(config.pathPrefix()));
        return p;
    }

    /** RFC 4578 / IANA processor architecture types (option 93) this server tells apart. */
    public static final int ARCH_BIOS = 0, ARCH_EFI_BC = 7, ARCH_EFI_X86_64 = 9, ARCH_EFI_HTTP = 16;
    static final String HTTP_CLIENT = "HTTPClient";

    /**
     * The client's architecture: the first type of option 93 (a list of 16-bit types). Absent,
     * empty or of odd length: {@link #ARCH_BIOS}, as a client that names none is answered with
     * the plain boot file. A client that sends no option 93 but vendor class {@code HTTPClient...}
     * is an HTTP boot client too.
     */
    static int clientArch(DHCPPacket request) {
        byte[] a = request.getOptionRaw(DhcpOptions.CLIENT_ARCH);
        if (a != null && a.length >= 2 && a.length % 2 == 0) return ((a[0] & 0xff) << 8) | (a[1] & 0xff);
        byte[] vc = request.getOptionRaw(DHO_VENDOR_CLASS_IDENTIFIER);
        if (a == null && vc != null && new String(vc, StandardCharsets.ISO_8859_1).startsWith(HTTP_CLIENT)) return ARCH_EFI_HTTP;
        return ARCH_BIOS;
    }

    /** The options that travel in the overloaded fields (66, 67 NUL-terminated, 209, 210), in that order. */
    static Map<Integer, byte[]> overloadedOptions(String bootFile, String tftpServerName, String configFile, String pathPrefix) {
        Map<Integer, byte[]> m = new LinkedHashMap<>();
        if (tftpServerName != null) m.put((int) DHO_TFTP_SERVER, tftpServerName.getBytes(StandardCharsets.ISO_8859_1));
        if (bootFile != null) m.put((int) DHO_BOOTFILE, nulTerminated(bootFile));
        if (configFile != null) m.put(DhcpOptions.PXELINUX_CONFIG_FILE & 0xff, configFile.getBytes(StandardCharsets.ISO_8859_1));
        if (pathPrefix != null) m.put(DhcpOptions.PXELINUX_PATH_PREFIX & 0xff, pathPrefix.getBytes(StandardCharsets.ISO_8859_1));
        return m;
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
