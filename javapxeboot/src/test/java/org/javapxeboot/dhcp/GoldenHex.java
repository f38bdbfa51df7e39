package org.javapxeboot.dhcp;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Golden files of datagrams as hex, 16 bytes a line with the offset, so a diff points at the field.
 * {@code -Dgolden.update=true} rewrites them under src/test/resources (needs the project.root property that
 * surefire sets).
 */
final class GoldenHex {
    private GoldenHex() {}

    static String dump(byte[] data) {
        StringBuilder b = new StringBuilder();
        for (int i = 0; i < data.length; i += 16) {
            b.append(String.format("%04x ", i));
            for (int j = i; j < Math.min(i + 16, data.length); j++) b.append(String.format(" %02x", data[j] & 0xff));
            b.append('\n');
        }
        return b.toString();
    }

    static void check(String resource, byte[] actual) throws IOException {
        String dump = dump(actual);
        if (Boolean.getBoolean("golden.update")) {
            Path file = Path.of(System.getProperty("project.root"), "javapxeboot/src/test/resources/dhcp", resource);
            Files.createDirectories(file.getParent());
            Files.writeString(file, dump);
            return;
        }
        try (InputStream in = GoldenHex.class.getResourceAsStream("/dhcp/" + resource)) {
            if (in == null) throw new AssertionError("golden file dhcp/" + resource + " missing; run with -Dgolden.update=true");
            assertEquals(new String(in.readAllBytes(), StandardCharsets.US_ASCII), dump,
                    "datagram differs from golden file dhcp/" + resource + " (-Dgolden.update=true regenerates it)");
        }
    }
}
