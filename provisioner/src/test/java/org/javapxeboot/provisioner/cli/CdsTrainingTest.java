package org.javapxeboot.provisioner.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import org.junit.jupiter.api.Test;

/** The archive's class list: all of a no-op's, and of the training's only the program's own classes. */
class CdsTrainingTest {
    @Test
    void theNoOpsListIsKeptWholeAndOnlyTheProgramsClassesAreAdded() {
        List<String> noop = List.of("# NOTE: Do not modify this file.", "java/lang/Object", "java/util/HashMap",
                "@lambda-form-invoker [LF_RESOLVE] java.lang.invoke.DirectMethodHandle$Holder invokeStatic L7_L",
                "org/javapxeboot/provisioner/cli/QuickApply", "");
        List<String> all = List.of("# NOTE: Do not modify this file.", "java/lang/Object", "java/time/format/DateTimeFormatter",
                "javax/xml/parsers/DocumentBuilderFactory", "jdk/internal/misc/Unsafe", "sun/nio/fs/UnixPath",
                "com/sun/org/apache/xerces/internal/jaxp/DocumentBuilderFactoryImpl", "org/w3c/dom/Document", "org/xml/sax/InputSource",
                "org/ietf/jgss/GSSManager", "org/javapxeboot/provisioner/cli/QuickApply", "org/yaml/snakeyaml/Yaml",
                "picocli/CommandLine", "com/sun/jna/Native", "com/sun/jna/Pointer$Opaque", "Unnamed",
                "@lambda-form-invoker [LF_RESOLVE] java.lang.invoke.Invokers$Holder linkToTargetMethod L_L",
                "@lambda-proxy java/util/stream/Collectors accept ()Ljava/util/function/BiConsumer;",
                "@lambda-proxy org/javapxeboot/provisioner/plan/Layout apply ()Ljava/util/function/Function;");
        assertEquals(List.of("java/lang/Object", "java/util/HashMap",
                "@lambda-form-invoker [LF_RESOLVE] java.lang.invoke.DirectMethodHandle$Holder invokeStatic L7_L",
                "org/javapxeboot/provisioner/cli/QuickApply", "org/yaml/snakeyaml/Yaml", "picocli/CommandLine",
                "com/sun/jna/Native", "com/sun/jna/Pointer$Opaque", "Unnamed", "@lambda-proxy org/javapxeboot/provisioner/plan/Layout apply ()Ljava/util/function/Function;"),
                CdsTraining.merge(noop, all));
    }
}
