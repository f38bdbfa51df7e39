package org.javapxeboot.xman;

import com.tngtech.archunit.base.DescribedPredicate;
import com.tngtech.archunit.core.domain.JavaClass;
import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static com.tngtech.archunit.library.dependencies.SlicesRuleDefinition.slices;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * xman's shape (xman/README.md): one package per concept, arrows one way, and nothing of the
 * provisioner, the bootloader or a YAML library, so xmand ships without them.
 */
class ArchitectureTest {
    private static JavaClasses main;

    @BeforeAll
    static void load() {
        main = new ClassFileImporter().withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS).importPackages("org.javapxeboot.xman");
        assertTrue(main.size() > 20, "xman's main classes were found: " + main.size());
    }

    @Test
    void noPackageCycles() {
        slices().matching("org.javapxeboot.xman.(*)..").should().beFreeOfCycles().check(main);
    }

    @Test
    void nothingOfProvisionerBootloaderOrYaml() {
        noClasses().should().dependOnClassesThat().resideInAnyPackage("org.javapxeboot.provisioner..", "org.yaml..")
                .check(main);
        noClasses().should().dependOnClassesThat(JavaClass.Predicates.resideInAPackage("org.javapxeboot..")
                .and(DescribedPredicate.not(JavaClass.Predicates.resideInAPackage("org.javapxeboot.xman..")))).check(main);
    }

    @Test
    void arrowsPointDown() {
        // client and daemon are the two ends; neither reaches into the other.
        noClasses().that().resideInAPackage("..xman.client..").should().dependOnClassesThat().resideInAPackage("..xman.daemon..").check(main);
        noClasses().that().resideInAPackage("..xman.daemon..").should().dependOnClassesThat().resideInAPackage("..xman.client..").check(main);
        // The wire protocol knows VmControl's records and nothing of either end, of Kerberos or TLS.
        noClasses().that().resideInAPackage("..xman.wire..").should().dependOnClassesThat()
                .resideInAnyPackage("..xman.client..", "..xman.daemon..", "..xman.auth..", "..xman.transport..").check(main);
        // VmControl and libvirt: the bottom.
        noClasses().that().resideInAPackage("..xman.vm..").should().dependOnClassesThat()
                .resideInAnyPackage("..xman.client..", "..xman.daemon..", "..xman.auth..", "..xman.transport..", "..xman.wire..", "..xman.text..").check(main);
    }

    /** xmand's class path (this module's) has no YAML library: snakeyaml is the provisioner's. */
    @Test
    void noYamlLibraryOnTheClassPath() {
        assertThrows(ClassNotFoundException.class, () -> Class.forName("org.yaml.snakeyaml.Yaml"));
    }
}
