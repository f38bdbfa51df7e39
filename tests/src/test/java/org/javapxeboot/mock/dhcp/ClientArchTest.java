package org.javapxeboot.mock.dhcp;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import org.dhcp4java.DHCPConstants;
import org.dhcp4java.DHCPPacket;
import org.javapxeboot.mock.fault.Faults;
import org.junit.jupiter.api.Test;

/** The boot file by client architecture (option 93): BIOS, x86-64 UEFI, UEFI HTTP boot; no sockets. */
class ClientArchTest {
    static final String EFI = "grub/grubx64.efi";
    static final String URL = "http://10.233.0.1/grub/grubx64-http.efi";

    static DhcpServerConfig config(String efi, String url, int overload) throws Exception {
        return new DhcpServerConfig(InetAddress.getLoopbackAddress(), 0, 68, Map.of(DhcpServerTest.MAC, DhcpServerTest.IP),
                DhcpServerTest.ip("127.0.0.1"), null, "pxelinux.0", efi, url, null, null, null, DhcpServerTest.ip("255.255.255.0"),
                null, List.of(), 3600, overload, false, DhcpServerConfig.ReplyMode.SOURCE, Faults.none(), null, 100);
    }

    static DHCPPacket discover(byte[] arch, String vendorClass) {
        DHCPPacket p = DhcpServerTest.request(DhcpServerTest.MAC, DHCPConstants.DHCPDISCOVER, 7);
        if (arch != null) p.setOptionRaw((byte) 93, arch);
        if (vendorClass != null) p.setOptionAsString((byte) 60, vendorClass);
        return p;
    }

    static DHCPPacket offer(DhcpServerConfig c, byte[] arch, String vendorClass) {
        List<DHCPPacket> r = new DhcpResponder(c).respond(discover(arch, vendorClass), 1).replies();
        assertEquals(1, r.size());
        return r.get(0);
    }

    static String vendorClass(DHCPPacket p) {
        byte[] v = p.getOptionRaw((byte) 60);
        return v == null ? null : new String(v, StandardCharsets.ISO_8859_1);
    }

    @Test void eachArchitectureGetsItsBootFile() throws Exception {
        DhcpServerConfig c = config(EFI, URL, 0);
        assertEquals("pxelinux.0", offer(c, new byte[] {0, 0}, "PXEClient:Arch:00000:UNDI:002001").getFile());
        assertEquals("pxelinux.0", offer(c, null, null).getFile(), "no option 93: the plain boot file");
        assertEquals(EFI, offer(c, new byte[] {0, 7}, "PXEClient:Arch:00007:UNDI:003000").getFile());
        assertEquals(EFI, offer(c, new byte[] {0, 9}, "PXEClient:Arch:00009:UNDI:003000").getFile());
        assertNull(vendorClass(offer(c, new byte[] {0, 7}, "PXEClient:Arch:00007:UNDI:003000")), "PXE clients get no option 60");
        DHCPPacket http = offer(c, new byte[] {0, 16}, "HTTPClient:Arch:00016:UNDI:003001");
        assertEquals(URL, http.getFile());
        assertEquals("HTTPClient", vendorClass(http), "OVMF's HTTP boot client ignores offers without it");
    }

    /** Without the EFI settings every client gets the boot file, as before. */
    @Test void unsetEfiSettingsFallBackToTheBootFile() throws Exception {
        DhcpServerConfig c = config(null, null, 0);
        assertEquals("pxelinux.0", offer(c, new byte[] {0, 7}, null).getFile());
        DHCPPacket http = offer(c, new byte[] {0, 16}, "HTTPClient:Arch:00016:UNDI:003001");
        assertEquals("pxelinux.0", http.getFile());
        assertNull(vendorClass(http), "no URL, no HTTPClient claim");
        assertEquals(EFI, offer(config(EFI, null, 0), new byte[] {0, 16}, null).getFile());
    }

    /** Option 93 is the client's word: malformed lengths read as BIOS; only the first listed type counts. */
    @Test void malformedArchitecturesReadAsBios() throws Exception {
        DhcpServerConfig c = config(EFI, URL, 0);
        assertEquals("pxelinux.0", offer(c, new byte[] {0}, null).getFile());
        assertEquals("pxelinux.0", offer(c, new byte[] {0, 7, 0}, null).getFile());
        assertEquals("pxelinux.0", offer(c, new byte[] {0, 0, 0, 7}, null).getFile());
        assertEquals("pxelinux.0", offer(c, new byte[] {(byte) 0xff, (byte) 0xff}, null).getFile());
        assertEquals(URL, offer(c, null, "HTTPClient:Arch:00016:UNDI:003001").getFile(), "vendor class alone names HTTP boot");
    }

    @Test void overloadCarriesTheChosenFile() throws Exception {
        DHCPPacket p = offer(config(EFI, URL, 1), new byte[] {0, 16}, null);
        assertEquals((byte) 1, p.getOptionRaw((byte) 52)[0]);
        assertTrue(new String(p.getFileRaw(), StandardCharsets.ISO_8859_1).contains(URL));
    }

    @Test void theHttpBootUrlIsChecked() {
        for (String bad : new String[] {"https://x/y.efi", "tftp://x/y", "http://x/a b", "http://x/\u00e9", "file:///etc/shadow"}) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> config(EFI, bad, 0), bad);
            assertTrue(e.getMessage().contains("is not an http:// URL"), e.getMessage());
        }
        assertThrows(IllegalArgumentException.class, () -> config("x".repeat(255), null, 0));
    }
}
