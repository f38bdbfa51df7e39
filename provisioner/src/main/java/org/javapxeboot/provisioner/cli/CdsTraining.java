package org.javapxeboot.provisioner.cli;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.Writer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.stream.Stream;
import org.javapxeboot.provisioner.bench.ScaleBench;

/**
 * The training run of the provisioner's AppCDS archive (the build runs it with
 * {@code -XX:ArchiveClassesAtExit}): validate, plan, apply and a no-op apply of a small generated
 * cluster on the embedded test node, through the command line as {@code bin/provision} runs it,
 * in a temporary folder that is removed afterwards. Usage: CdsTraining TEMPLATES
 */
public final class CdsTraining {
    private CdsTraining() {
    }

    public static void main(String[] args) throws IOException {
        if (args.length != 1) {
            System.err.println("usage: CdsTraining TEMPLATES");
            System.exit(2);
        }
        Path dir = Files.createTempDirectory("provision-cds-training");
        try {
            Path yaml = Files.writeString(dir.resolve("cluster.yaml"), ScaleBench.yaml(20));
            String out = dir.resolve("out").toString();
            PrintWriter sink = new PrintWriter(Writer.nullWriter());
            String[][] runs = {
                {"--version"},
                {"validate", yaml.toString()},
                {"plan", yaml.toString(), "--out", out, "--templates", args[0]},
                {"apply", yaml.toString(), "--out", out, "--templates", args[0]},
                {"apply", yaml.toString(), "--out", out, "--templates", args[0]},
            };
            for (String[] run : runs) {
                int rc = ProvisionCli.run(run, sink, sink);
                if (rc != ProvisionCli.OK && rc != ProvisionCli.CHANGES_PENDING) {
                    throw new IllegalStateException("training run " + String.join(" ", run) + ": exit " + rc);
                }
            }
        } finally {
            try (Stream<Path> s = Files.walk(dir)) {
                for (Path p : s.sorted(Comparator.reverseOrder()).toList()) {
                    Files.deleteIfExists(p);
                }
            }
        }
    }
}
