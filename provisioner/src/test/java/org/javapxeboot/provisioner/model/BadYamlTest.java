package org.javapxeboot.provisioner.model;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.StringReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Random;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.javapxeboot.provisioner.Golden;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Hostile and broken inputs as data files (src/test/resources/bad-yaml/), each with its exact
 * report as a golden file (golden/bad-yaml/NAME.errors): every error, located, all at once.
 * Plus random mutations of a valid file: the loader must answer with problems, never throw.
 */
@Timeout(120)
class BadYamlTest {
    static final Path DIR = Path.of("src/test/resources/bad-yaml");

    static Stream<String> files() throws Exception {
        try (Stream<Path> s = Files.list(DIR)) {
            return s.map(p -> p.getFileName().toString()).filter(n -> n.endsWith(".yaml")).sorted().toList().stream();
        }
    }

    static String report(String name, String text) {
        try {
            Cluster c = ClusterLoader.load(name, new StringReader(text));
            return c.warnings().stream().map(Problem::toString).collect(Collectors.joining("\n", "", "\n")) + "(valid)\n";
        } catch (ModelException e) {
            return e.getMessage() + "\n";
        }
    }

    @ParameterizedTest
    @MethodSource("files")
    void reportMatchesGolden(String name) throws Exception {
        String report = report(name, Files.readString(DIR.resolve(name), StandardCharsets.UTF_8));
        assertFalse(report.contains("(valid)"), name + " must be refused:\n" + report);
        assertTrue(report.lines().allMatch(l -> l.startsWith(name + ":")), "every line located:\n" + report);
        Golden.check("bad-yaml/" + name.replace(".yaml", ".errors"), report);
    }

    /** 3000 random byte-level mutations of the example: only ModelException, never a crash or a hang. */
    @Test
    void mutationsNeverCrashTheLoader() throws Exception {
        String base = Files.readString(Path.of("examples/cluster.yaml"), StandardCharsets.UTF_8);
        Random r = new Random(20070312); // the Quattor workshop's date
        String alphabet = "{}[]:,-&*!|>'\"#%@`?\n \t\\x0yes~<<";
        for (int i = 0; i < 3000; i++) {
            StringBuilder b = new StringBuilder(base);
            int edits = 1 + r.nextInt(4);
            for (int e = 0; e < edits; e++) {
                int pos = r.nextInt(b.length());
                switch (r.nextInt(3)) {
                    case 0:
                        b.deleteCharAt(pos);
                        break;
                    case 1:
                        b.insert(pos, alphabet.charAt(r.nextInt(alphabet.length())));
                        break;
                    default:
                        b.setCharAt(pos, alphabet.charAt(r.nextInt(alphabet.length())));
                }
            }
            String text = b.toString();
            try {
                Cluster c = ClusterLoader.load("m.yaml", new StringReader(text));
                assertNotNull(c);
            } catch (ModelException expected) {
                List<Problem> ps = expected.problems();
                assertFalse(ps.isEmpty());
                for (Problem p : ps) {
                    assertTrue(p.toString().startsWith("m.yaml:") || p.toString().startsWith("<built-in>"), p.toString());
                }
            } catch (RuntimeException | StackOverflowError e) {
                throw new AssertionError("mutation " + i + " crashed the loader with " + e + " on:\n" + text, e);
            }
        }
    }
}
