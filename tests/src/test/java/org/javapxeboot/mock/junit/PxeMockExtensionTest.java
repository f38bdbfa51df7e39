package org.javapxeboot.mock.junit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.Inet4Address;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import org.javapxeboot.mock.MiniClient;
import org.javapxeboot.mock.PxeMockServer;
import org.javapxeboot.net.MacAddress;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** The extension as a user writes it: both registration styles. */
class PxeMockExtensionTest {
    @RegisterExtension
    static PxeMockExtension mock = PxeMockExtension.builder()
        .file("pxelinux.cfg/default", "DEFAULT linux\nLABEL linux\n  KERNEL vmlinuz\n")
        .configure(b -> b.lease(MacAddress.parse("aa:00:86:e2:35:72"), ipv4("127.0.0.9")).bootFile("pxelinux.0"))
        .build();

    private static PxeMockServer seenByFirstTest;

    static Inet4Address ipv4(String s) {
        try {
            return (Inet4Address) InetAddress.getByName(s);
        } catch (java.net.UnknownHostException e) {
            throw new AssertionError(e);
        }
    }

    @Test void staticFieldGivesOneServerForTheClass(PxeMockServer server) throws Exception {
        assertSame(mock.server(), server);
        assertTrue(server.dhcpEnabled());
        byte[] got = MiniClient.get(server.tftpAddress(), "pxelinux.cfg/default", 512, 4);
        assertEquals("DEFAULT linux\nLABEL linux\n  KERNEL vmlinuz\n", new String(got, StandardCharsets.UTF_8));
        seenByFirstTest = server;
    }

    @Test void sameServerInTheNextTest(PxeMockServer server) {
        if (seenByFirstTest != null) assertSame(seenByFirstTest, server);
    }

    @AfterAll static void rootIsTemporary() {
        // The class server is still open here (afterAll of the extension runs after this method).
        assertTrue(Files.isDirectory(mock.server().tftpRoot()));
    }

    @Nested
    class NestedTests {
        @Test void nestedClassesShareTheServer(PxeMockServer server) {
            assertSame(mock.server(), server);
            assertTrue(server.dhcpEnabled());
        }
    }
}
