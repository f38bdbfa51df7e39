package org.javapxeboot.provisioner.cli;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.javapxeboot.provisioner.host.EmbeddedNode;
import org.javapxeboot.provisioner.host.HostTarget;
import org.javapxeboot.provisioner.model.Cluster;
import org.javapxeboot.provisioner.model.Problem;
import org.javapxeboot.provisioner.plan.ApplyStamp;
import org.javapxeboot.provisioner.plan.Layout;
import org.javapxeboot.provisioner.plan.OutputLock;
import org.javapxeboot.provisioner.plan.StampRead;

/**
 * {@code provision apply}'s use of {@link ApplyStamp} ({@code OUT/state/apply.stamp}): only on the
 * embedded host, whose whole state is files of the output tree (any other host can change behind
 * the provisioner's back, so it is always read). The key is the YAML's path, the program's place,
 * the templates folder, the output tree, TFTP root, secret group and the flags that change the plan; the stamp lists the
 * YAML as the input the plan was made from (its status, and the digest of the bytes planned from:
 * a no-op re-apply reads it only when its status is too recent to trust) and the program's own files
 * (its jar and libraries), so a new build plans in full.
 */
final class Stamp {
    static final String FILE = "apply.stamp";

    private final Path yamlFile;
    /** The YAML's bytes, once read for a full apply (a no-op answered from the stamp never reads them). */
    private byte[] yaml;
    private final String key;
    private final Path stampFile;
    private final HostOptions host;
    /** The stamp read ahead while the options are checked and the lock taken. */
    private final StampRead read;

    private Stamp(Path yamlFile, String key, Path stampFile, HostOptions host, StampRead read) {
        this.read = read;
        this.yamlFile = yamlFile;
        this.key = key;
        this.stampFile = stampFile;
        this.host = host;
    }

    /**
     * The stamp for applying {@code file} with {@code host}'s options and {@code settings} (the
     * other flags), or null when there can be none: not the embedded host, a usage error, the YAML
     * unreadable, the templates or LVM scripts refused (the full path then reports why).
     */
    static Stamp of(Path file, HostOptions host, String settings) {
        try {
            return of(file, host, settings, self());
        } catch (IOException e) {
            return null;
        }
    }

    /**
     * {@link #of(Path, HostOptions, String)} for the program at {@code program} (its jar or classes
     * folder). Its place is part of the key: the stamp lists the files of the program that wrote it,
     * and another installation (another build, the package) applying the same output tree must not
     * take that program's stamp for its own.
     */
    static Stamp of(Path file, HostOptions host, String settings, Path program) {
        try {
            if (host.usageProblem() != null) {
                return null;
            }
            HostTarget target = host.target();
            if (!target.embedded()) {
                return null;
            }
            Path stampFile = host.layout().out().resolve("state").resolve(FILE);
            StampRead read = StampRead.start(stampFile);
            Path templates = host.kickstart().dir().toAbsolutePath().normalize();
            host.lvm(); // refused as root when others can change it: the full path says so
            if (Files.size(file) > 4L * org.javapxeboot.provisioner.model.ClusterLoader.MAX_CHARS) {
                return null; // the full path refuses it, saying why
            }
            Layout layout = host.layout();
            String key = String.join("\n", ApplyStamp.MAGIC_KEY, file.toAbsolutePath().normalize().toString(),
                    program.toAbsolutePath().normalize().toString(), templates.toString(), layout.out().toString(),
                    layout.tftpRoot().toString(),
                    String.valueOf(layout.secretGroup()), target.nodeFile().toAbsolutePath().normalize().toString(), settings);
            return new Stamp(file, key, stampFile, host, read);
        } catch (IOException | RuntimeException e) {
            return null;
        }
    }

    /**
     * True after printing what the stamped apply printed, when the stamp says nothing changed since
     * (checked under the output lock); false when apply must plan in full.
     */
    boolean upToDate(PrintWriter out, PrintWriter err) {
        if (!Files.isRegularFile(stampFile, LinkOption.NOFOLLOW_LINKS)) {
            return false;
        }
        Optional<List<String>> printed;
        try (OutputLock lock = host.layout().lock(host.lockWait(),
                "provision apply (pid " + OutputLock.pid() + ")")) {
            printed = ApplyStamp.check(stampFile, key, read);
        } catch (IOException e) {
            return false; // the full path takes the lock again and reports why it cannot
        }
        if (printed.isEmpty()) {
            return false;
        }
        for (String line : printed.get()) {
            (line.startsWith("err ") ? err : out).println(line.substring(4));
        }
        return true;
    }

    /**
     * The YAML's bytes, read once: apply plans from these, and the stamp records their digest (a file
     * edited and edited back meanwhile would otherwise stamp one plan under the other's bytes).
     */
    byte[] yaml() throws IOException {
        if (yaml == null) {
            yaml = Files.readAllBytes(yamlFile);
        }
        return yaml.clone();
    }

    /** Removes the stamp before apply changes anything (the caller holds the output lock). */
    void remove() throws IOException {
        ApplyStamp.remove(stampFile);
    }

    /**
     * Records the stamp after an apply that succeeded, the host saved ({@code node}: what its files
     * hold now), still under the output lock. Not when the YAML changed during the apply, nor when
     * an output changed after the plan read it (before {@code planBegunNanos}, on the file system's
     * clock, nothing the plan read had changed). A failure is a warning: the next apply plans in full.
     */
    void record(Cluster c, List<ApplyStamp.Entry> planned, List<String> node, long planBegunNanos, PrintWriter err) {
        try {
            if (yaml == null || node.size() != 2 || !java.util.Arrays.equals(yaml, Files.readAllBytes(yamlFile))) {
                return;
            }
            List<ApplyStamp.Entry> entries = new ArrayList<>(planned.size() + 9);
            entries.add(ApplyStamp.input(yamlFile, yaml));
            entries.addAll(planned);
            Path nodeFile = host.target().nodeFile();
            entries.add(ApplyStamp.output(nodeFile, node.get(0)));
            entries.add(ApplyStamp.output(EmbeddedNode.autostartFile(nodeFile.toAbsolutePath().normalize()), node.get(1)));
            entries.addAll(program());
            List<String> printed = new ArrayList<>();
            for (Problem w : c.warnings()) {
                printed.add("err " + w);
            }
            printed.add("out Nothing to do: " + c.guests().size() + " guest(s) up to date.");
            ApplyStamp.record(stampFile, key, printed, entries, planBegunNanos);
        } catch (IOException | RuntimeException e) {
            err.println("provision: warning: cannot record " + stampFile + " (the next apply plans in full): " + e.getMessage());
        }
    }

    /** The jar or classes folder this class came from. */
    static Path self() throws IOException {
        try {
            return Path.of(Stamp.class.getProtectionDomain().getCodeSource().getLocation().toURI());
        } catch (java.net.URISyntaxException | RuntimeException e) {
            throw new IOException("cannot tell where the program is: " + e.getMessage(), e);
        }
    }

    /** The program's own files: the jar or classes folder this class came from, and its lib/ jars. */
    static List<ApplyStamp.Entry> program() throws IOException {
        List<ApplyStamp.Entry> entries = new ArrayList<>();
        Path self = self();
        entries.add(ApplyStamp.of(ApplyStamp.Kind.PROGRAM, self));
        Path lib = self.toAbsolutePath().getParent().resolve("lib");
        if (Files.isDirectory(lib)) {
            try (java.util.stream.Stream<Path> s = Files.list(lib)) {
                s.sorted().forEach(p -> entries.add(ApplyStamp.of(ApplyStamp.Kind.PROGRAM, p)));
            }
        }
        return entries;
    }
}
