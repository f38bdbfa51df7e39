package org.javapxeboot.provisioner;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * The provisioner's packages are layers, and an arrow points only down the list: no package
 * imports one listed after it, so there is no cycle. The VM control layer the provisioner drives
 * ({@code org.javapxeboot.xman}, its own module) sits below all of them and is checked where it lives.
 */
class PackageArrowsTest {
    static final Path MAIN = Path.of("src/main/java/org/javapxeboot/provisioner");
    static final List<String> LAYERS = List.of("model", "storage", "render", "plan", "host", "serve", "bench", "cli");
    static final Pattern REF = Pattern.compile("org\\.javapxeboot\\.provisioner\\.([a-z]+)\\.");

    @Test
    void arrowsPointDownTheLayers() throws IOException {
        List<String> wrong = new ArrayList<>();
        TreeSet<String> found = new TreeSet<>();
        try (Stream<Path> files = Files.walk(MAIN)) {
            for (Path f : (Iterable<Path>) files.filter(p -> p.toString().endsWith(".java"))::iterator) {
                String pkg = MAIN.relativize(f).getName(0).toString();
                found.add(pkg);
                assertTrue(LAYERS.contains(pkg), "package " + pkg + " is in no layer; add it to LAYERS");
                Matcher m = REF.matcher(Files.readString(f));
                while (m.find()) {
                    String to = m.group(1);
                    if (to.equals(pkg)) {
                        continue;
                    }
                    if (!LAYERS.contains(to) || LAYERS.indexOf(to) > LAYERS.indexOf(pkg)) {
                        wrong.add(MAIN.relativize(f) + ": " + pkg + " -> " + to);
                    }
                }
            }
        }
        assertEquals(List.of(), wrong, "arrows that point up (or into an unknown package)");
        assertTrue(found.containsAll(LAYERS), "every layer exists: " + found);
    }
}
