package org.javapxeboot.xman.transport;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

/** The keystore holds xmand's private key: made 0600, and never used under a public password while others can read it. */
@Timeout(120)
class TlsTest {
    @Test
    void createdKeystoreIsPrivateAndNothingIsLeftBeside(@TempDir Path dir) throws Exception {
        Path ks = dir.resolve("tls/xmand.p12");
        assertNotNull(Tls.loadOrCreate(ks, Tls.DEFAULT_PASSWORD.toCharArray(), List.of("localhost")).getKey(Tls.ALIAS, Tls.DEFAULT_PASSWORD.toCharArray()));
        assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(ks)));
        try (var files = Files.list(ks.getParent())) {
            assertEquals(List.of("xmand.crt", "xmand.p12"), files.map(p -> p.getFileName().toString()).sorted().toList());
        }
    }

    @Test
    void builtInOrEmptyPasswordOnAReadableKeystoreIsRefused(@TempDir Path dir) throws Exception {
        Path ks = dir.resolve("xmand.p12");
        Tls.loadOrCreate(ks, Tls.DEFAULT_PASSWORD.toCharArray(), List.of("localhost"));
        Files.setPosixFilePermissions(ks, PosixFilePermissions.fromString("rw-r--r--"));
        IOException e = assertThrows(IOException.class, () -> Tls.loadOrCreate(ks, Tls.DEFAULT_PASSWORD.toCharArray(), List.of("localhost")));
        assertEquals("TLS keystore " + ks + " is readable by group and others (mode rw-r--r--) and uses the built-in password, so anyone on the host "
                + "can take the private key: chmod 600 " + ks + ", or give a password with --tls-password or $XMAND_TLS_PASSWORD", e.getMessage());
        Files.setPosixFilePermissions(ks, PosixFilePermissions.fromString("rw-r-----"));
        assertEquals(true, assertThrows(IOException.class, () -> Tls.loadOrCreate(ks, Tls.DEFAULT_PASSWORD.toCharArray(), List.of("localhost")))
                .getMessage().contains("is readable by its group (mode rw-r-----)"));
        Files.setPosixFilePermissions(ks, PosixFilePermissions.fromString("rw-------"));
        assertNotNull(Tls.loadOrCreate(ks, Tls.DEFAULT_PASSWORD.toCharArray(), List.of("localhost")));

        // A password of one's own: the mode is the admin's choice.
        Path own = dir.resolve("own.p12");
        Tls.loadOrCreate(own, "s3cret-pw".toCharArray(), List.of("localhost"));
        Files.setPosixFilePermissions(own, PosixFilePermissions.fromString("rw-r--r--"));
        assertNotNull(Tls.loadOrCreate(own, "s3cret-pw".toCharArray(), List.of("localhost")));
        // An empty password counts as none.
        Path empty = dir.resolve("empty.p12");
        Files.write(empty, new byte[0]);
        Files.setPosixFilePermissions(empty, PosixFilePermissions.fromString("rw-r--r--"));
        assertEquals(true, assertThrows(IOException.class, () -> Tls.loadOrCreate(empty, new char[0], List.of("localhost")))
                .getMessage().contains("and has an empty password"));
    }
}
