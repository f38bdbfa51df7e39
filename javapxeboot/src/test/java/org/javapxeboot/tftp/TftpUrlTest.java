package org.javapxeboot.tftp;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.List;
import org.junit.jupiter.api.Test;

/** tftp:// URLs as {@code javapxeboot fetch} takes them (moved from FetchCommandTest with the parser). */
class TftpUrlTest {
    @Test void partsOfTheUrl() {
        TftpUrl t = TftpUrl.parse("tftp://10.0.0.1/pxelinux.cfg/default");
        assertEquals(List.of("10.0.0.1", 69, "pxelinux.cfg/default"), List.of(t.host, t.port, t.path));
        t = TftpUrl.parse("TFTP://boot.example:6969//abs/path%20with%20space");
        assertEquals(List.of("boot.example", 6969, "/abs/path with space"), List.of(t.host, t.port, t.path));
        t = TftpUrl.parse("tftp://[fe80::1%25eth0]:70/x");
        assertEquals(List.of("fe80::1%25eth0", 70, "x"), List.of(t.host, t.port, t.path));
        t = TftpUrl.parse("tftp://[::1]/x");
        assertEquals(List.of("::1", 69, "x"), List.of(t.host, t.port, t.path));
        assertEquals("tftp://h: no file path after the host",
            assertThrows(IllegalArgumentException.class, () -> TftpUrl.parse("tftp://h")).getMessage());
        assertEquals("tftp://h:99999/x: port '99999' is not 1..65535",
            assertThrows(IllegalArgumentException.class, () -> TftpUrl.parse("tftp://h:99999/x")).getMessage());
        assertEquals("tftp://h/a%00b: the path contains a NUL byte (%00)",
            assertThrows(IllegalArgumentException.class, () -> TftpUrl.parse("tftp://h/a%00b")).getMessage());
        assertThrows(IllegalArgumentException.class, () -> TftpUrl.parse("tftp://h/a%2"));
        assertThrows(IllegalArgumentException.class, () -> TftpUrl.parse("tftp://h/a%zz"));
    }
}
