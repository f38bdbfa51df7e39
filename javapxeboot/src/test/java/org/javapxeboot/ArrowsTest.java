package org.javapxeboot;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import org.javapxeboot.fixture.PackageGraph;
import org.junit.jupiter.api.Test;

/** The package arrows README.md of this module names, held to the code: no cycle, nothing more. */
class ArrowsTest {
    private static final String P = "org.javapxeboot.";

    /** The allowed arrows (README.md, "Packages"); a package may use fewer. */
    private static final Map<String, Set<String>> ALLOWED = new TreeMap<>(Map.of(
        P + "net", Set.of(),
        P + "tftp", Set.of(P + "net"),
        P + "http", Set.of(),
        P + "dhcp", Set.of(P + "net"),
        P + "pxelinux", Set.of(P + "net"),
        P + "xen", Set.of(P + "net", P + "pxelinux"),
        P + "boot", Set.of(P + "net", P + "dhcp", P + "tftp", P + "pxelinux", P + "xen", P + "http"),
        P + "cli", Set.of(P + "net", P + "dhcp", P + "tftp", P + "pxelinux", P + "xen", P + "boot", P + "http")));

    private final PackageGraph graph = PackageGraph.of(PackageGraph.mainSources("javapxeboot"));

    @Test void noPackageCycle() {
        assertNull(graph.cycle());
    }

    @Test void everyArrowIsOneTheReadmeAllows() {
        assertEquals(ALLOWED.keySet(), graph.arrows().keySet(), "the packages");
        graph.arrows().forEach((pkg, uses) ->
            assertTrue(ALLOWED.get(pkg).containsAll(uses), pkg + " uses " + uses + ", allowed " + ALLOWED.get(pkg)));
    }

    @Test void theTftpStateMachinesHaveNoSocketAndNoClock() throws Exception {
        Path tftp = PackageGraph.mainSources("javapxeboot").resolve("org/javapxeboot/tftp");
        for (String f : new String[] {"Receiver.java", "ReadSession.java", "Negotiation.java"}) {
            String src = Files.readString(tftp.resolve(f));
            for (String banned : new String[] {"java.net", "java.nio.channels", "nanoTime", "currentTimeMillis", "Thread.sleep", "Instant.now"}) {
                assertTrue(!src.contains(banned), f + " mentions " + banned);
            }
        }
    }
}
