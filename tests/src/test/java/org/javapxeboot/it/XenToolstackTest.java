package org.javapxeboot.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The test's reading of Xen configs and stanzas, and the argv it builds, on what {@code provision apply}
 * writes (its xl and xm writers' output for one guest, verbatim). XenBootloaderInstallTest relies on
 * these: a misread config would run the bootloader with an argv no toolstack uses.
 */
class XenToolstackTest {
    static final String XL = String.join("\n",
        "# xl.cfg written by javapxeboot provisioner; edit the YAML instead",
        "name = \"g\"",
        "type = \"pv\"",
        "memory = 1024",
        "bootloader = \"/usr/bin/javapxeboot\"",
        "bootloader_args = [ \"--mac=52:54:00:4a:60:11\", \"--interface=jpbr0\" ]",
        "vif = [ \"mac=52:54:00:4a:60:11,bridge=jpbr0,ip=10.232.5.61\" ]",
        "disk = [ \"format=raw, vdev=xvda, access=rw, target=/srv/disks/a,b.img\" ]",
        "");
    static final String XM = String.join("\n",
        "# xm config written by javapxeboot provisioner; edit the YAML instead",
        "name = \"g\"",
        "bootloader = \"/usr/bin/javapxeboot\"",
        "bootargs = \"vif[0]\"",
        "vif = [ 'mac=52:54:00:4a:60:11,bridge=jpbr0,ip=10.232.5.61' ]",
        "disk = [ 'file:/srv/disks/g.img,xvda,w' ]",
        "");

    @Test void libxlArgvFromTheXlConfig() {
        assertEquals(List.of("/bin/jpb", "--output=/o", "--output-format=simple0", "--output-directory=/d",
                "--mac=52:54:00:4a:60:11", "--interface=jpbr0", "/srv/disks/a,b.img"),
            XenToolstack.libxlArgv(Path.of("/bin/jpb"), XenConfigFile.parse(XL), Path.of("/o"), Path.of("/d")));
    }

    @Test void xendArgvFromTheXmConfig() {
        assertEquals(List.of("/bin/jpb", "-q", "--output=/f", "--output-directory=/d",
                "mac=52:54:00:4a:60:11,bridge=jpbr0,ip=10.232.5.61", "/srv/disks/g.img"),
            XenToolstack.xendArgv(Path.of("/bin/jpb"), XenConfigFile.parse(XM), Path.of("/f"), Path.of("/d")));
    }

    @Test void escapesAreRead() {
        XenConfigFile f = XenConfigFile.parse("extra = \"a\\\"b\\\\c\\x41\\n\" # comment\nl = [ 'x\\'y', \"z\" ]\n");
        assertEquals("a\"b\\cA\n", f.string("extra"));
        assertEquals(List.of("x'y", "z"), f.list("l"));
    }

    @Test void whatNoToolstackWouldReadIsRefusedWithItsLine() {
        for (String bad : List.of("a = \"open\n", "a = b\n", "a = \"x\" \"y\"\n", "x\n", "a = [ \"x\" \"y\" ]\n", "a = \"\\q\"\n",
                "a = 1\na = 2\n")) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> XenConfigFile.parse(bad), bad);
            assertTrue(e.getMessage().startsWith("line "), e.getMessage());
        }
        assertThrows(IllegalArgumentException.class, () -> XenToolstack.xendArgv(Path.of("/b"),
            XenConfigFile.parse(XM.replace("vif[0]", "--mac=x")), Path.of("/f"), Path.of("/d")), "only vif[N] bootargs");
    }

    @Test void stanzasAsTheToolstacksReadThem() {
        assertEquals(Map.of("kernel", "/d/kernel.a", "ramdisk", "/d/ramdisk.b", "args", "a=1 it's \\ b"),
            XenToolstack.sxp("linux (kernel /d/kernel.a)(ramdisk /d/ramdisk.b)(args 'a=1 it\\'s \\\\ b')"));
        assertEquals(Map.of("kernel", "/k", "ramdisk", "/r", "args", "x y"), XenToolstack.simple0("kernel /k\0ramdisk /r\0args x y\0\0"));
        assertThrows(IllegalArgumentException.class, () -> XenToolstack.simple0("kernel /k\0"), "no closing empty record");
        assertEquals("auto=true url=http://h/ks console=ttyS0",
            XenToolstack.appendArgs("LABEL install\n  KERNEL k\n  APPEND initrd=i.gz auto=true url=http://h/ks console=ttyS0\n"));
    }
}
