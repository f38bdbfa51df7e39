package org.javapxeboot.provisioner.cli;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.stream.Stream;
import org.javapxeboot.provisioner.bench.ScaleBench;

/**
 * The provisioner's AppCDS archive is made from two class lists, and this makes both inputs and
 * the list (provisioner/pom.xml runs the steps).
 *
 * <ul>
 * <li>{@code CdsTraining TEMPLATES DIR}: validate, plan, apply and a no-op apply of a small
 * generated cluster on the embedded test node in DIR (emptied first and kept for the next step),
 * through the command line as {@code bin/provision} runs it; the build lists what this JVM loads.
 * <li>The build then runs one no-op {@code provision apply} of DIR in a JVM of its own and lists
 * what that loads.
 * <li>{@code CdsTraining merge NOOP ALL OUT DIR}: OUT is every line of NOOP (the no-op's classes,
 * the JDK's included), and from ALL the classes of the program and its libraries (any class not in a
 * package of the JDK's own modules) and their lambdas; DIR is removed.
 * </ul>
 *
 * <p>Why not all of ALL: an archive is relocated at every start (the JVM maps it at a random
 * address), at a cost that grows with its size. The JDK classes only a full apply uses (about
 * 900) doubled what a no-op re-apply paid for it, and load quickly from the JDK's own image without
 * it; the program's and its libraries' classes are the ones that cost a full apply most to load
 * (read from jars and verified). BENCHMARKS.md section 3 has the figures.
 */
public final class CdsTraining {
    /** The packages of the JDK's own modules ("java/util"), as a class list names them. */
    private static final Set<String> JDK = jdkPackages();

    private static Set<String> jdkPackages() {
        Set<String> packages = new java.util.HashSet<>();
        for (Module m : ModuleLayer.boot().modules()) {
            for (String p : m.getPackages()) {
                packages.add(p.replace('.', '/'));
            }
        }
        return packages;
    }

    private CdsTraining() {
    }

    public static void main(String[] args) throws IOException {
        if (args.length == 5 && args[0].equals("merge")) {
            Files.write(Path.of(args[3]), merge(Files.readAllLines(Path.of(args[1])), Files.readAllLines(Path.of(args[2]))),
                    StandardCharsets.UTF_8);
            remove(Path.of(args[4]));
            return;
        }
        if (args.length != 2) {
            System.err.println("usage: CdsTraining TEMPLATES DIR | CdsTraining merge NOOP ALL OUT DIR");
            System.exit(2);
        }
        train(args[0], Path.of(args[1]));
    }

    private static void train(String templates, Path dir) throws IOException {
        remove(dir);
        Files.createDirectories(dir);
        boolean done = false;
        try {
            Path yaml = Files.writeString(dir.resolve("cluster.yaml"), ScaleBench.yaml(20));
            String out = dir.resolve("out").toString();
            PrintWriter sink = new PrintWriter(Writer.nullWriter());
            String[][] runs = {
                {"--version"},
                {"validate", yaml.toString()},
                {"plan", yaml.toString(), "--out", out, "--templates", templates},
                {"apply", yaml.toString(), "--out", out, "--templates", templates},
                {"apply", yaml.toString(), "--out", out, "--templates", templates},
            };
            for (String[] run : runs) {
                int rc = ProvisionCli.run(run, sink, sink);
                if (rc != ProvisionCli.OK && rc != ProvisionCli.CHANGES_PENDING) {
                    throw new IllegalStateException("training run " + String.join(" ", run) + ": exit " + rc);
                }
            }
            done = true;
        } finally {
            if (!done) {
                remove(dir);
            }
        }
    }

    /**
     * Every line of {@code noop}, then the lines of {@code all} that name a class of the program or
     * its libraries (or a lambda of one), each once, in their order. Comments are dropped.
     */
    static List<String> merge(List<String> noop, List<String> all) {
        Set<String> out = new LinkedHashSet<>();
        for (String line : noop) {
            if (!line.startsWith("#") && !line.isBlank()) {
                out.add(line);
            }
        }
        for (String line : all) {
            String cls = (line.startsWith("@lambda-proxy ") ? line.substring("@lambda-proxy ".length()) : line).split(" ", 2)[0];
            int slash = cls.lastIndexOf('/');
            if (!line.startsWith("#") && !line.isBlank() && (!line.startsWith("@") || line.startsWith("@lambda-proxy "))
                    && !JDK.contains(slash < 0 ? "" : cls.substring(0, slash))) {
                out.add(line);
            }
        }
        return new ArrayList<>(out);
    }

    private static void remove(Path dir) throws IOException {
        if (!Files.exists(dir)) {
            return;
        }
        try (Stream<Path> s = Files.walk(dir)) {
            for (Path p : s.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        }
    }
}
