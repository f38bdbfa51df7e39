package org.javapxeboot.provisioner.render;

import java.net.URI;
import java.util.regex.Pattern;
import org.javapxeboot.provisioner.model.Guest;

/**
 * An example dnsmasq config for one network-installed guest, {@code OUT/dnsmasq/NAME.conf}: the
 * guest's static lease and boot files chosen by its firmware's client architecture (DHCP option
 * 93, RFC 4578: 0 BIOS, 7 and 9 x86-64 EFI, 16 x86-64 EFI HTTP boot), the same answers pxe-mock
 * gives. Tags are the guest's own ({@code NAME-bios}, ...), so that the files of several guests
 * can be read by one dnsmasq ({@code conf-dir=OUT/dnsmasq}).
 *
 * <p>The HTTP boot URL's host is the kickstart server's host ({@code server:}), port 80: the
 * web server there serves the TFTP root. dnsmasq reads a line per setting: every value written
 * is a checked MAC, an IPv4 address, a domain name or a fixed name.
 */
public final class DnsmasqExample {
    /** What a BIOS guest loads: pxelinux over TFTP (with iPXE in between on QEMU's SeaBIOS). */
    public static final String BIOS_BOOT_FILE = "pxelinux.0";
    /** The GRUB EFI netboot image (grub-mkimage -O x86_64-efi -p '(tftp)/grub'), relative to the TFTP root. */
    public static final String EFI_BOOT_FILE = "grub/grubx64.efi";
    /** The GRUB EFI image for HTTP boot (-p '(http)/grub'), relative to the HTTP root. */
    public static final String EFI_HTTP_BOOT_FILE = "grub/grubx64-http.efi";

    private static final Pattern IPV4 = Pattern.compile("((25[0-5]|2[0-4]\\d|1?\\d?\\d)\\.){3}(25[0-5]|2[0-4]\\d|1?\\d?\\d)");

    private DnsmasqExample() {
    }

    /** The HTTP boot URL a {@code boot: http} guest is given: {@code http://SERVER-HOST/grub/grubx64-http.efi}. */
    public static String httpBootUrl(String server) throws RenderException {
        String host;
        try {
            host = URI.create(server).getHost();
        } catch (IllegalArgumentException e) {
            host = null;
        }
        if (host == null || !host.matches("[A-Za-z0-9.-]+|\\[[0-9A-Fa-f:.]+\\]")) {
            throw new RenderException("server '" + server + "' names no host the HTTP boot URL can use");
        }
        return "http://" + host + "/" + EFI_HTTP_BOOT_FILE;
    }

    public static String render(String server, Guest g) throws RenderException {
        String n = g.name();
        StringBuilder b = new StringBuilder();
        b.append("# dnsmasq example for ").append(n).append(" (").append(g.bootMac())
                .append("), written by javapxeboot provisioner.\n")
                .append("# It answers the guest by its firmware (DHCP option 93, client architecture); read it with\n")
                .append("# conf-dir=").append("OUT/dnsmasq and enable-tftp, tftp-root=TFTP (the provisioner's TFTP root).\n");
        String ip = g.vifs().get(0).options().get("ip");
        b.append("dhcp-host=").append(g.bootMac());
        if (ip != null) {
            if (!IPV4.matcher(ip).matches()) {
                throw new RenderException("vif ip '" + ip + "' cannot be written to a dnsmasq config: it is not an"
                        + " IPv4 address like 192.0.2.10");
            }
            b.append(',').append(ip);
        }
        b.append(",set:").append(n).append('\n');
        b.append("dhcp-match=set:").append(n).append("-bios,option:client-arch,0\n");
        b.append("dhcp-match=set:").append(n).append("-efi,option:client-arch,7\n");
        b.append("dhcp-match=set:").append(n).append("-efi,option:client-arch,9\n");
        b.append("dhcp-match=set:").append(n).append("-http,option:client-arch,16\n");
        b.append("dhcp-boot=tag:").append(n).append(",tag:").append(n).append("-bios,").append(BIOS_BOOT_FILE).append('\n');
        b.append("dhcp-boot=tag:").append(n).append(",tag:").append(n).append("-efi,").append(EFI_BOOT_FILE).append('\n');
        if (Guest.HTTP.equals(g.boot())) {
            // OVMF's HTTP boot client takes an offer only when it echoes vendor class HTTPClient
            b.append("dhcp-option-force=tag:").append(n).append(",tag:").append(n).append("-http,60,HTTPClient\n");
            b.append("dhcp-boot=tag:").append(n).append(",tag:").append(n).append("-http,").append(httpBootUrl(server)).append('\n');
        }
        return b.toString();
    }
}
