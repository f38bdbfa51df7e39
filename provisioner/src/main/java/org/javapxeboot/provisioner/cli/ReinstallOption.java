package org.javapxeboot.provisioner.cli;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.javapxeboot.provisioner.model.Cluster;
import org.javapxeboot.xman.text.Escape;
import picocli.CommandLine.Option;

/** {@code --reinstall NAME}, shared by plan and apply. */
final class ReinstallOption {
    @Option(names = "--reinstall", paramLabel = "NAME",
            description = "(repeatable) define this KVM/QEMU guest back to its installer (and start it, if shut off)"
                    + " although its domain already boots its disk with no ack recorded; without it such a guest is"
                    + " kept on its disk (its kickstart would wipe the disk). Default: none")
    List<String> names = new ArrayList<>();

    /** Every --reinstall NAME names a domain of the YAML; else says which does not, and false. */
    boolean known(Cluster c, Path file, PrintWriter err) {
        for (String n : names) {
            if (c.guest(n).isEmpty()) {
                err.println("provision: --reinstall " + Escape.line(n) + ": no such domain in " + file + "; nothing done");
                return false;
            }
        }
        return true;
    }
}
