package org.javapxeboot.mock.junit;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import org.javapxeboot.mock.MiniClient;
import org.javapxeboot.mock.PxeMockServer;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.extension.ExtendWith;

/** A per-method server is closed, and its temporary root deleted, after each test. */
@ExtendWith(PxeMockExtension.class)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class PxeMockExtensionLifecycleTest {
    private static Path firstRoot;

    @Test @Order(1) void first(PxeMockServer server) {
        firstRoot = server.tftpRoot();
        server.putFile("x", "y");
        assertTrue(Files.exists(firstRoot.resolve("x")));
    }

    @Test @Order(3) void freshDefaultServer(PxeMockServer server) throws Exception {
        assertFalse(server.dhcpEnabled(), "no lease: DHCP off");
        server.putFile("a/b.bin", new byte[] {1, 2, 3});
        assertArrayEquals(new byte[] {1, 2, 3}, MiniClient.get(server.tftpAddress(), "a/b.bin", 512, 1));
    }

    @Test @Order(2) void second(PxeMockServer server) {
        assertFalse(Files.exists(firstRoot), "the first test's temporary root should be gone");
        assertFalse(server.tftpRoot().equals(firstRoot));
    }
}
