package org.javapxeboot.provisioner.cli;

import static org.javapxeboot.provisioner.cli.ProvisionCli.CHANGES_PENDING;
import static org.javapxeboot.provisioner.cli.ProvisionCli.FAILED;
import static org.javapxeboot.provisioner.cli.ProvisionCli.INVALID;
import static org.javapxeboot.provisioner.cli.ProvisionCli.OK;
import static org.javapxeboot.provisioner.cli.ProvisionCli.REMOTE_FOOTER;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import org.javapxeboot.provisioner.model.Cluster;
import org.javapxeboot.provisioner.plan.Action;
import org.javapxeboot.provisioner.plan.ProvisionException;
import org.javapxeboot.provisioner.plan.Provisioner;
import org.javapxeboot.provisioner.render.Kickstart;
import org.javapxeboot.provisioner.storage.FileDisks;
import org.javapxeboot.provisioner.storage.Lvm;
import org.javapxeboot.xman.vm.VirtException;
import org.javapxeboot.xman.vm.VmControl;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

@Command(name = "plan", description = "Print what apply would create or change; touch nothing."
        + " Exit 0: nothing to do; 3: changes pending; 2: invalid input; 1: cannot tell.", footer = REMOTE_FOOTER)
final class PlanCommand implements Callable<Integer> {
    @Parameters(index = "0", paramLabel = "FILE") Path file;
    @Mixin HostOptions host;
    @Option(names = "--grow", description = "plan growing disks that are smaller than the YAML says") boolean grow;
    @Option(names = "--preallocate", description = "plan new file disks fully written") boolean preallocate;
    @Option(names = "--no-start", description = "plan no guest starts") boolean noStart;
    @Mixin ReinstallOption reinstall;
    @Spec CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        HostOptions.Inputs in = host.inputs(file, reinstall, err);
        if (in == null) {
            return INVALID;
        }
        Cluster c = in.cluster();
        Kickstart ks = in.kickstart();
        Lvm lvm = in.lvm();
        // plan creates nothing, not even the embedded node file: a fresh embedded host is read as empty
        try (VmControl vm = host.target().openToRead()) {
            return printPlan(c, ks, lvm, vm, out, err);
        } catch (VirtException e) {
            err.println("provision: " + e.getMessage());
            return FAILED;
        }
    }

    private int printPlan(Cluster c, Kickstart ks, Lvm lvm, VmControl vm, PrintWriter out, PrintWriter err) {
        Provisioner p = new Provisioner(c, host.layout(), ks, lvm, new FileDisks(), vm,
                new Provisioner.Options(grow, preallocate, !noStart, java.util.Set.copyOf(reinstall.names)),
                new ConsoleReporter(out, err));
        try {
            Provisioner.Plan plan = p.plan();
            for (Action a : plan.actions()) {
                out.println(a);
            }
            out.println(plan.summary());
            return plan.hasChanges() ? CHANGES_PENDING : OK;
        } catch (ProvisionException e) {
            e.reasons().forEach(err::println);
            return FAILED;
        }
    }
}
