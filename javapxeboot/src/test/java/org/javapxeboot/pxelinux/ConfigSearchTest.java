package org.javapxeboot.pxelinux;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.Inet4Address;
import java.net.InetAddress;
import java.util.List;

import org.javapxeboot.net.MacAddress;
import org.junit.jupiter.api.Test;

class ConfigSearchTest {
    static final MacAddress MAC = MacAddress.parse("88:99:AA:BB:CC:DD");

    static Inet4Address ip(String s) throws Exception {
        return (Inet4Address) InetAddress.getByName(s);
    }

    /** The example of syslinux doc/pxelinux.txt, word for word. */
    @Test
    void pxelinuxDocumentationExample() throws Exception {
        assertEquals(List.of(
                "/mybootdir/pxelinux.cfg/b8945908-d6a6-41a9-611d-74a6ab80b83d",
                "/mybootdir/pxelinux.cfg/01-88-99-aa-bb-cc-dd",
                "/mybootdir/pxelinux.cfg/C0A8025B",
                "/mybootdir/pxelinux.cfg/C0A8025",
                "/mybootdir/pxelinux.cfg/C0A802",
                "/mybootdir/pxelinux.cfg/C0A80",
                "/mybootdir/pxelinux.cfg/C0A8",
                "/mybootdir/pxelinux.cfg/C0A",
                "/mybootdir/pxelinux.cfg/C0",
                "/mybootdir/pxelinux.cfg/C",
                "/mybootdir/pxelinux.cfg/default"),
                ConfigSearch.candidates("/mybootdir/", "b8945908-d6a6-41a9-611d-74a6ab80b83d", MAC, ip("192.168.2.91")));
    }

    @Test
    void withoutUuidAndPrefix() throws Exception {
        List<String> c = ConfigSearch.candidates("", null, MAC, ip("10.0.0.1"));
        assertEquals("pxelinux.cfg/01-88-99-aa-bb-cc-dd", c.get(0));
        assertEquals("pxelinux.cfg/0A000001", c.get(1));
        assertEquals("pxelinux.cfg/0", c.get(8));
        assertEquals("pxelinux.cfg/default", c.get(9));
        assertEquals(10, c.size());
    }

    @Test
    void nullPrefixAndNoIp() {
        assertEquals(List.of("pxelinux.cfg/01-88-99-aa-bb-cc-dd", "pxelinux.cfg/default"),
                ConfigSearch.candidates(null, null, MAC, null));
    }

    @Test
    void prefixIsConcatenatedNotJoined() {
        assertEquals("bootpxelinux.cfg/default", ConfigSearch.candidates("boot", null, MAC, null).get(1));
    }

    @Test
    void uuidIsNormalised() {
        assertEquals("b8945908-d6a6-41a9-611d-74a6ab80b83d", ConfigSearch.normalizeUuid("B8945908D6A641A9611D74A6AB80B83D"));
        assertEquals("b8945908-d6a6-41a9-611d-74a6ab80b83d", ConfigSearch.normalizeUuid(" B8945908-D6A6-41A9-611D-74A6AB80B83D "));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> ConfigSearch.candidates("", "not-a-uuid", MAC, null));
        assertTrue(e.getMessage().startsWith("'not-a-uuid' is not a UUID"), e.getMessage());
    }
}
