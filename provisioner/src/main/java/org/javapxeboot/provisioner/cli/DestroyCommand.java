package org.javapxeboot.provisioner.cli;

import static org.javapxeboot.provisioner.cli.ProvisionCli.FAILED;
import static org.javapxeboot.provisioner.cli.ProvisionCli.INVALID;
import static org.javapxeboot.provisioner.cli.ProvisionCli.OK;
import static org.javapxeboot.provisioner.cli.ProvisionCli.REMOTE_FOOTER;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import org.javapxeboot.provisioner.host.HostTarget;
import org.javapxeboot.provisioner.model.Cluster;
import org.javapxeboot.provisioner.model.Guest;
import org.javapxeboot.provisioner.plan.Destroyer;
import org.javapxeboot.provisioner.plan.Layout;
import org.javapxeboot.provisioner.storage.Lvm;
import org.javapxeboot.xman.vm.VirtException;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

@Command(name = "destroy", description = "Remove a guest's libvirt definition, configs and pxelinux entry."
        + " Disks stay unless --delete-disks. Refuses while the guest runs unless --force-stop.", footer = REMOTE_FOOTER)
final class DestroyCommand implements Callable<Integer> {
    @Parameters(index = "0", paramLabel = "FILE") Path file;
    @Parameters(index = "1", paramLabel = "NAME") String name;
    @Mixin HostOptions host;
    @Option(names = "--delete-disks", description = "also delete the guest's file disks, LVs and UEFI NVRAM file (data is lost)") boolean deleteDisks;
    @Option(names = "--force-stop", description = "stop (xm destroy) a running guest first") boolean forceStop;
    @Spec CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        Cluster c = host.checkAndLoad(file, err);
        if (c == null) {
            return INVALID;
        }
        Guest raw = c.guest(name).orElse(null);
        if (raw == null) {
            err.println(file + ": no domain '" + name + "'");
            return INVALID;
        }
        Layout layout = host.layout();
        Guest g = layout.resolve(raw);
        Lvm lvm = null;
        if (Destroyer.needsLvm(g, deleteDisks)) {
            try {
                lvm = host.lvm();
            } catch (IOException e) {
                err.println("provision: " + e.getMessage() + "; nothing done");
                return INVALID;
            }
        }
        Destroyer.Outcome o;
        try (HostTarget.Session session = host.target().openLocked(layout, host.lockWait(), "provision destroy",
                err::println)) {
            o = new Destroyer(layout, lvm, session.vm()).destroy(g, deleteDisks, forceStop);
        } catch (VirtException | IOException e) {
            err.println("provision: " + e.getMessage() + "; nothing done");
            return FAILED;
        }
        o.done().forEach(out::println);
        if (!o.ok()) {
            err.println("provision: " + o.failure() + (o.done().isEmpty() ? "; nothing done" : "; the steps above were done"));
            return FAILED;
        }
        out.println(o.done().isEmpty() ? name + ": nothing to remove" : name + ": destroyed");
        return OK;
    }
}
