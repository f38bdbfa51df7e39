package org.javapxeboot.house;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static com.tngtech.archunit.library.dependencies.SlicesRuleDefinition.slices;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The house rules of docs/architecture.md, checked on the compiled main code of every module
 * (this module's test classpath holds them all): no package cycle anywhere, each module's
 * arrows pointing the way its README says, and no main class over ~400 lines without a reason.
 * Module cycles cannot exist at all: Maven refuses a reactor whose modules depend in a circle.
 */
class HouseRulesTest {
    /** The bootloader's packages: they may use nothing of ours outside themselves. */
    static final String[] BOOTLOADER = {"org.javapxeboot.boot..", "org.javapxeboot.cli..", "org.javapxeboot.dhcp..",
        "org.javapxeboot.net..", "org.javapxeboot.pxelinux..", "org.javapxeboot.tftp..", "org.javapxeboot.xen.."};
    static final String MOCK = "org.javapxeboot.mock..";
    static final String XMAN = "org.javapxeboot.xman..";
    static final String PROVISIONER = "org.javapxeboot.provisioner..";
    /** A main class longer than this says why at its top, in a sentence with this phrase. */
    static final int MAX_LINES = 400;
    static final String REASON = "Over 400 lines on purpose:";

    static final Pattern TEST_JAR = Pattern.compile(".*-tests\\.jar.*");

    static JavaClasses main;

    @BeforeAll
    static void importMainCode() {
        main = new ClassFileImporter()
                .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
                // Other modules' shared test fixtures come as test-jars: they are not main code.
                .withImportOption(location -> !location.matches(TEST_JAR))
                .importPackages("org.javapxeboot");
    }

    @Test
    void everyModuleIsOnTheClasspath() {
        // Without this, a rule over a module that was not imported would pass on nothing.
        for (String pkg : List.of("org.javapxeboot.boot", "org.javapxeboot.mock", XMAN_ROOT, "org.javapxeboot.provisioner.plan")) {
            assertTrue(main.containPackage(pkg), pkg + " was not imported; is its module a test dependency of tests/?");
        }
    }

    static final String XMAN_ROOT = "org.javapxeboot.xman";

    @Test
    void noPackageDependsOnAnotherInACircle() {
        slices().matching("org.javapxeboot.(**)").should().beFreeOfCycles().check(main);
    }

    @Test
    void theBootloaderDependsOnNothingOfOurs() {
        noClasses().that().resideInAnyPackage(BOOTLOADER)
                .should().dependOnClassesThat().resideInAnyPackage(MOCK, XMAN, PROVISIONER)
                .because("javapxeboot/ is the bottom of the house: it runs in dom0 on every guest boot")
                .check(main);
    }

    @Test
    void pxeMockDependsOnlyOnTheBootloader() {
        noClasses().that().resideInAPackage(MOCK)
                .should().dependOnClassesThat().resideInAnyPackage(XMAN, PROVISIONER)
                .check(main);
    }

    @Test
    void xmanKnowsNothingOfTheProvisionerOrYaml() {
        noClasses().that().resideInAPackage(XMAN)
                .should().dependOnClassesThat().resideInAnyPackage(PROVISIONER, MOCK, "org.yaml..")
                .orShould().dependOnClassesThat().resideInAnyPackage(BOOTLOADER)
                .because("xmand ships without the YAML model; the provisioner drives VMs through xman, not the reverse")
                .check(main);
    }

    @Test
    void theProvisionerDoesNotReachIntoTheBootloaderOrTheMock() {
        noClasses().that().resideInAPackage(PROVISIONER)
                .should().dependOnClassesThat().resideInAnyPackage(MOCK)
                .orShould().dependOnClassesThat().resideInAnyPackage(BOOTLOADER)
                .check(main);
    }

    @Test
    void noMainClassIsLongWithoutAReason() throws IOException {
        Path root = Path.of(System.getProperty("project.root", ".."));
        List<String> offenders = new ArrayList<>();
        int seen = 0;
        for (String module : List.of("javapxeboot", "tests", "xman", "provisioner")) {
            Path src = root.resolve(module).resolve("src/main/java");
            assertTrue(Files.isDirectory(src), src + " is missing");
            try (Stream<Path> files = Files.walk(src)) {
                for (Path f : files.filter(p -> p.toString().endsWith(".java")).toList()) {
                    seen++;
                    List<String> lines = Files.readAllLines(f, StandardCharsets.UTF_8);
                    if (lines.size() > MAX_LINES && !hasReasonAtTop(lines)) {
                        offenders.add(root.relativize(f) + ": " + lines.size() + " lines");
                    }
                }
            } catch (UncheckedIOException e) {
                throw e.getCause();
            }
        }
        assertTrue(seen > 100, "only " + seen + " source files found under " + root);
        assertEquals(List.of(), offenders, "split these classes, or say at their top (\"" + REASON
                + " ...\", within the first 60 lines) why they are one piece");
    }

    static boolean hasReasonAtTop(List<String> lines) {
        return lines.stream().limit(60).anyMatch(l -> l.contains(REASON));
    }
}
