package org.javapxeboot.provisioner.cli;

import static org.javapxeboot.provisioner.cli.ProvisionCli.INVALID;
import static org.javapxeboot.provisioner.cli.ProvisionCli.OK;
import static org.javapxeboot.provisioner.cli.ProvisionCli.load;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import org.javapxeboot.provisioner.model.Cluster;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

@Command(name = "validate", description = "Check the YAML and print every problem with file:line:col.")
final class ValidateCommand implements Callable<Integer> {
    @Parameters(index = "0", paramLabel = "FILE") Path file;
    @Spec CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() {
        PrintWriter err = spec.commandLine().getErr();
        Cluster c = load(file, err);
        if (c == null) {
            return INVALID;
        }
        spec.commandLine().getOut().println(file + ": valid, " + c.guests().size() + " domain(s)");
        return OK;
    }
}
