package org.javapxeboot.provisioner.cli;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import org.javapxeboot.provisioner.model.Cluster;
import org.javapxeboot.provisioner.model.ClusterLoader;
import org.javapxeboot.provisioner.model.ModelException;
import org.javapxeboot.provisioner.model.Problem;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code bin/provision}: validate, plan, apply, render, destroy, serve. Exit codes: 0 done (or, for
 * plan, nothing to do), 1 a failure while acting, 2 invalid input (the YAML or the arguments),
 * 3 plan found changes to make.
 */
@Command(name = "provision", mixinStandardHelpOptions = true, version = "provision 0.1.0",
        description = "From one YAML file to guests ready to install: disks, configs, kickstarts, pxelinux entries, libvirt domains.",
        subcommands = {ProvisionCli.Validate.class})
public final class ProvisionCli implements Callable<Integer> {
    public static final int OK = 0;
    public static final int FAILED = 1;
    public static final int INVALID = 2;
    public static final int CHANGES_PENDING = 3;

    @Spec
    CommandLine.Model.CommandSpec spec;

    public static void main(String[] args) {
        System.exit(run(args, new PrintWriter(System.out, true), new PrintWriter(System.err, true)));
    }

    /** Runs the command line with the given streams; returns the exit code. */
    public static int run(String[] args, PrintWriter out, PrintWriter err) {
        CommandLine cl = new CommandLine(new ProvisionCli());
        cl.setOut(out);
        cl.setErr(err);
        cl.setExecutionExceptionHandler((ex, cmd, parsed) -> {
            cmd.getErr().println("provision: " + ex);
            return FAILED;
        });
        return cl.execute(args);
    }

    @Override
    public Integer call() {
        spec.commandLine().usage(spec.commandLine().getErr());
        return INVALID;
    }

    /** Loads the YAML, printing warnings; on errors prints them all and returns null. */
    static Cluster load(Path file, PrintWriter err) {
        try {
            Cluster c = ClusterLoader.load(file);
            for (Problem w : c.warnings()) {
                err.println(w);
            }
            return c;
        } catch (ModelException e) {
            for (Problem p : e.problems()) {
                err.println(p);
            }
            err.println(file + ": " + e.problems().stream().filter(Problem::isError).count() + " error(s); nothing done");
            return null;
        }
    }

    @Command(name = "validate", description = "Check the YAML and print every problem with file:line:col.")
    static final class Validate implements Callable<Integer> {
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
}
