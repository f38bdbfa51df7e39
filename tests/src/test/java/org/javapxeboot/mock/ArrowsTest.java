package org.javapxeboot.mock;

import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Set;
import org.javapxeboot.fixture.PackageGraph;
import org.junit.jupiter.api.Test;

/** pxe-mock's packages: no cycle; what it uses of javapxeboot is its protocol code (tests/README.md). */
class ArrowsTest {
    private final PackageGraph graph = PackageGraph.of(PackageGraph.mainSources("tests"));

    @Test void noPackageCycle() {
        assertTrue(graph.arrows().get("org.javapxeboot.mock.tftp").contains("org.javapxeboot.tftp"), "the sources were read");
        assertNull(graph.cycle());
    }

    @Test void onlyTheCliReachesTheBootloadersCommandLine() {
        Set<String> protocol = Set.of("org.javapxeboot.net", "org.javapxeboot.tftp", "org.javapxeboot.dhcp");
        graph.arrows().forEach((pkg, uses) -> {
            for (String u : uses) {
                if (u.startsWith("org.javapxeboot.mock")) continue;
                assertTrue(protocol.contains(u) || pkg.equals("org.javapxeboot.mock.cli") && u.equals("org.javapxeboot.cli"),
                    pkg + " uses " + u);
            }
        });
    }
}
