package org.javapxeboot.provisioner;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Golden files under src/test/resources/golden/. Run with {@code -Dgolden.update=true} to rewrite
 * them from the current output (then review the diff before committing).
 */
public final class Golden {
    public static final Path DIR = Path.of("src/test/resources/golden");

    private Golden() {
    }

    public static Path path(String name) {
        return DIR.resolve(name);
    }

    public static void check(String name, String actual) throws IOException {
        Path p = DIR.resolve(name);
        if (Boolean.getBoolean("golden.update")) {
            Files.createDirectories(p.getParent());
            Files.writeString(p, actual, StandardCharsets.UTF_8);
            return;
        }
        assertTrue(Files.exists(p), "golden file " + p.toAbsolutePath() + " is missing; run with -Dgolden.update=true");
        assertEquals(Files.readString(p, StandardCharsets.UTF_8), actual, "differs from golden file " + p
                + " (regenerate with -Dgolden.update=true if the change is intended)");
    }
}
