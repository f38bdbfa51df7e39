package org.javapxeboot.provisioner.render;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.StringReader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.javapxeboot.provisioner.Golden;
import org.javapxeboot.provisioner.model.ClusterLoader;
import org.javapxeboot.provisioner.model.Guest;
import org.javapxeboot.provisioner.plan.Layout;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** UEFI guests: OVMF domain XML, GRUB netboot entries, the dnsmasq example, against golden files. */
@Timeout(60)
class UefiRenderTest {
    static final String SERVER = "http://192.0.2.1:8069";
    static final String YAML = "domains:\n  uefi1:\n    hypervisor: qemu\n    install_boot: network\n    firmware: uefi\n"
            + "    memory: 1024\n    kickstart: debian-netboot-check.cfg\n    console_log: /var/log/uefi1.console\n"
            + "    install_kernel: debian-installer/amd64/linux\n"
            + "    install_initrd: debian-installer/amd64/initrd.gz\n    install_options: console=ttyS0 quiet\n"
            + "    vif: [\"mac=52:54:00:00:60:01, bridge=br0, ip=10.77.0.60\"]\n"
            + "    disk: [ { type: file, path: /srv/uefi1.img, size: 1GiB } ]\n";

    @TempDir
    Path tmp;

    static Guest guest(String yaml) throws Exception {
        return ClusterLoader.load("u.yaml", new StringReader(yaml)).guests().get(0);
    }

    Guest resolved(String yaml) throws Exception {
        return Layout.of(Path.of("/srv/provision-out"), null).resolve(guest(yaml));
    }

    @Test
    void uefiGuestBootsOvmfWithItsOwnNvramAndAGrubEntry() throws Exception {
        Guest g = resolved(YAML);
        assertEquals("/srv/provision-out/nvram/uefi1_VARS.fd", g.nvram());
        String install = DomainXml.render(g, SERVER, false);
        String installed = DomainXml.render(g, SERVER, true);
        Golden.check("uefi1.xml", install);
        Golden.check("uefi1-installed.xml", installed);
        assertTrue(install.contains("<loader readonly=\"yes\" type=\"pflash\">/usr/share/OVMF/OVMF_CODE_4M.fd</loader>"), install);
        assertFalse(install.contains("useserial"), "no SeaBIOS serial adapter under OVMF: " + install);
        assertTrue(DomainXml.bootsInstaller(install));
        assertFalse(DomainXml.bootsInstaller(installed));
        Golden.check("uefi1.grub-install", GrubEntry.install(SERVER, g));
        Golden.check("uefi1.grub-local", GrubEntry.localBoot(g));
        Golden.check("uefi1.dnsmasq.conf", DnsmasqExample.render(SERVER, g));
        assertEquals("grub/grub.cfg-01-52-54-00-00-60-01", GrubEntry.fileName(g));
        // the installer arguments are the pxelinux entry's, word for word
        String args = String.join(" ", Install.kernelArgs(SERVER, g));
        assertTrue(GrubEntry.install(SERVER, g).contains(" '" + args.replace(" ", "' '") + "'\n"), GrubEntry.install(SERVER, g));
    }

    @Test
    void httpBootNamesTheHttpDeviceAndAnswersHttpClients() throws Exception {
        Guest g = resolved(YAML.replace("    firmware: uefi\n", "    firmware: uefi\n    boot: http\n"));
        Golden.check("uefi1-http.grub-install", GrubEntry.install(SERVER, g));
        Golden.check("uefi1-http.dnsmasq.conf", DnsmasqExample.render(SERVER, g));
        assertTrue(GrubEntry.install(SERVER, g).contains("  linux (http)/debian-installer/amd64/linux '"));
        assertEquals("http://192.0.2.1/grub/grubx64-http.efi", DnsmasqExample.httpBootUrl(SERVER));
        // OVMF's own HTTP boot client, not the NIC's iPXE ROM (which sends no HTTPClient)
        assertTrue(DomainXml.render(g, SERVER, false).contains("<rom enabled=\"no\"/>"));
        assertFalse(DomainXml.render(resolved(YAML), SERVER, false).contains("<rom"));
    }

    /** GRUB's script language expands $ and splits on ;: arguments are single-quoted, and a quote is refused. */
    @Test
    void hostileInstallerArgumentsAreQuotedOrRefused() throws Exception {
        Guest g = resolved(YAML.replace("console=ttyS0 quiet", "\"a=$x;reboot b={c}\""));
        String entry = GrubEntry.install(SERVER, g);
        assertTrue(entry.contains(" 'a=$x;reboot' 'b={c}'\n"), entry);
        Guest quote = resolved(YAML.replace("console=ttyS0 quiet", "\"a=b' ; reboot ; echo '\""));
        RenderException e = assertThrows(RenderException.class, () -> GrubEntry.install(SERVER, quote));
        assertTrue(e.getMessage().contains("single quote"), e.getMessage());
        Guest path = resolved(YAML.replace("debian-installer/amd64/linux", "\"../../etc/shadow\""));
        assertThrows(RenderException.class, () -> GrubEntry.install(SERVER, path));
        Guest space = resolved(YAML.replace("debian-installer/amd64/linux", "\"linux;reboot\""));
        assertThrows(RenderException.class, () -> GrubEntry.install(SERVER, space));
        Guest ip = resolved(YAML.replace("ip=10.77.0.60", "ip=10.77.0.60/dhcp-script=/tmp/x"));
        RenderException d = assertThrows(RenderException.class, () -> DnsmasqExample.render(SERVER, ip));
        assertTrue(d.getMessage().contains("not an IPv4 address"), d.getMessage());
    }

    /** The entries as GRUB reads them: grub-script-check (grub-common) accepts both states. */
    @Test
    void grubReadsBothStates() throws Exception {
        Path check = Path.of("/usr/bin/grub-script-check");
        Assumptions.assumeTrue(Files.isExecutable(check), "grub-script-check not installed (Debian grub-common)");
        Guest g = resolved(YAML);
        for (String cfg : new String[] {GrubEntry.install(SERVER, g), GrubEntry.localBoot(g), "menuentry 'x' {\n"}) {
            Path f = Files.writeString(tmp.resolve("grub.cfg"), cfg);
            Process p = new ProcessBuilder(check.toString(), f.toString()).redirectErrorStream(true).start();
            String out = new String(p.getInputStream().readAllBytes());
            assertTrue(p.waitFor(30, TimeUnit.SECONDS));
            assertEquals(cfg.startsWith("menuentry 'x'") ? 1 : 0, p.exitValue(), cfg + "\n" + out);
        }
    }
}
