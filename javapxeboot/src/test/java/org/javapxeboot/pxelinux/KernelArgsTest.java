package org.javapxeboot.pxelinux;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.net.Inet4Address;
import java.net.InetAddress;
import java.util.List;

import org.javapxeboot.net.MacAddress;
import org.junit.jupiter.api.Test;

class KernelArgsTest {
    static final MacAddress MAC = MacAddress.parse("AA:00:86:E2:35:72");

    static Inet4Address ip(String s) throws Exception {
        return (Inet4Address) InetAddress.getByName(s);
    }

    static BootEntry entry(String append, int ipappend) {
        return new BootEntry("x", "linux", List.of(), append, ipappend, false);
    }

    NetworkInfo net() throws Exception {
        return new NetworkInfo(ip("192.168.2.91"), ip("192.168.2.1"), ip("192.168.2.254"), ip("255.255.255.0"), MAC);
    }

    @Test
    void noIpappend() throws Exception {
        assertEquals("vga=788 --- quiet", KernelArgs.compose(entry("vga=788 --- quiet", 0), net(), null));
    }

    @Test
    void ipappend1() throws Exception {
        assertEquals("a=1 ip=192.168.2.91:192.168.2.1:192.168.2.254:255.255.255.0",
                KernelArgs.compose(entry("a=1", 1), net(), null));
    }

    @Test
    void ipappend2() throws Exception {
        assertEquals("a=1 BOOTIF=01-aa-00-86-e2-35-72", KernelArgs.compose(entry("a=1", 2), net(), null));
    }

    @Test
    void ipappend3ThenExtraArgs() throws Exception {
        assertEquals("a=1 ip=192.168.2.91:192.168.2.1:192.168.2.254:255.255.255.0 BOOTIF=01-aa-00-86-e2-35-72 console=hvc0 x=\"a  b\"",
                KernelArgs.compose(entry("a=1", 3), net(), "  console=hvc0   x=\"a  b\" "));
    }

    @Test
    void missingGatewayAndNetmaskPrintZeros() throws Exception {
        NetworkInfo n = new NetworkInfo(ip("10.0.0.5"), ip("10.0.0.1"), null, null, MAC);
        assertEquals("ip=10.0.0.5:10.0.0.1:0.0.0.0:0.0.0.0", KernelArgs.compose(entry("", 1), n, null));
    }

    @Test
    void higherSysappendBitsAreNotEmitted() throws Exception {
        assertEquals("a", KernelArgs.compose(entry("a", 4 | 8 | 0x40), net(), ""));
    }

    @Test
    void emptyEverything() throws Exception {
        assertEquals("", KernelArgs.compose(entry("", 0), net(), null));
        assertEquals("extra", KernelArgs.compose(entry("", 0), null, "extra"));
    }
}
