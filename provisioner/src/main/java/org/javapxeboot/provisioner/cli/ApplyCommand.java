package org.javapxeboot.provisioner.cli;

import static org.javapxeboot.provisioner.cli.ProvisionCli.FAILED;
import static org.javapxeboot.provisioner.cli.ProvisionCli.INVALID;
import static org.javapxeboot.provisioner.cli.ProvisionCli.OK;
import static org.javapxeboot.provisioner.cli.ProvisionCli.REMOTE_FOOTER;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import org.javapxeboot.provisioner.host.HostTarget;
import org.javapxeboot.provisioner.model.Cluster;
import org.javapxeboot.provisioner.plan.Action;
import org.javapxeboot.provisioner.plan.ProvisionException;
import org.javapxeboot.provisioner.plan.Report;
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

@Command(name = "apply", description = "Create missing disks, write configs, kickstarts and pxelinux entries,"
        + " define and start guests. A second apply changes nothing.", footer = REMOTE_FOOTER)
final class ApplyCommand implements Callable<Integer> {
    @Parameters(index = "0", paramLabel = "FILE") Path file;
    @Mixin HostOptions host;
    @Option(names = "--grow", description = "grow disks and LVs smaller than the YAML says (never shrinks;"
            + " not while the guest runs)") boolean grow;
    @Option(names = "--preallocate", description = "write new file disks in full (default: sparse)") boolean preallocate;
    @Option(names = "--no-start", description = "define guests but do not start them") boolean noStart;
    @Mixin ReinstallOption reinstall;
    @Option(names = "--serve", description = "then keep serving kickstarts and acks (as `serve`) until stopped") boolean serve;
    @Mixin ServeOptions serveOptions;
    @Spec CommandLine.Model.CommandSpec spec;
    private java.util.List<org.javapxeboot.provisioner.plan.ApplyStamp.Entry> stampEntries;

    /** The stamp of this command line, or null when it cannot have one (see {@link Stamp#of}). */
    private Stamp stamp() {
        if (serve || !reinstall.names.isEmpty()) {
            return null; // serve needs the cluster; --reinstall changes what a converged state is
        }
        return Stamp.of(file, host, settings(grow, preallocate, noStart));
    }

    /** What the flags that change the plan add to the stamp's key. */
    static String settings(boolean grow, boolean preallocate, boolean noStart) {
        return "grow=" + grow + " preallocate=" + preallocate + " start=" + !noStart;
    }

    @Override
    public Integer call() throws Exception {
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        Stamp stamp = stamp();
        if (stamp != null && stamp.upToDate(out, err)) {
            return OK;
        }
        // Planned from the very bytes whose digest the stamp records (a file edited and edited back
        // meanwhile would otherwise stamp one plan under the other's bytes).
        byte[] yaml = null;
        if (stamp != null) {
            try {
                yaml = stamp.yaml();
            } catch (IOException e) {
                yaml = null; // the full path reads it again and says why it cannot
            }
        }
        HostOptions.Inputs in = host.inputs(file, yaml, reinstall, err);
        if (in == null) {
            return INVALID;
        }
        Cluster c = in.cluster();
        Kickstart ks = in.kickstart();
        Lvm lvm = in.lvm();
        int rc;
        try (HostTarget.Session session = host.target().openLocked(host.layout(), host.lockWait(), "provision apply",
                err::println)) {
            if (stamp != null) {
                stamp.remove();
            }
            // A second before the plan, on the clock file times come from: an output changed after
            // this may have changed after the plan read it, and is compared again before a stamp is written.
            java.time.Instant begun = java.time.Instant.now().minusSeconds(1);
            rc = apply(c, ks, lvm, session.vm(), out, err);
            if (rc == OK && stamp != null && stampEntries != null) {
                List<String> node = null;
                try {
                    node = session.save();
                } catch (IOException | VirtException e) {
                    // not done: closing the session saves again and warns, as without a stamp
                }
                if (node != null) {
                    stamp.record(c, stampEntries, node, begun.getEpochSecond() * 1_000_000_000L + begun.getNano(), err);
                }
            }
        } catch (VirtException | IOException e) {
            err.println("provision: " + e.getMessage() + "; nothing done");
            return FAILED;
        }
        if (rc != OK || !serve) {
            return rc;
        }
        return ServeCommand.serve(c, host, ks, serveOptions, out, err);
    }

    private int apply(Cluster c, Kickstart ks, Lvm lvm, VmControl vm, PrintWriter out, PrintWriter err) {
        Provisioner p = new Provisioner(c, host.layout(), ks, lvm, new FileDisks(), vm,
                new Provisioner.Options(grow, preallocate, !noStart, java.util.Set.copyOf(reinstall.names)),
                new ConsoleReporter(out, err));
        Report r;
        try {
            r = p.apply();
            stampEntries = r.ok() ? p.stampEntries(r.plan()).orElse(null) : null;
        } catch (ProvisionException e) {
            e.reasons().forEach(err::println);
            err.println("provision: nothing was changed");
            return FAILED;
        }
        for (Action a : r.plan().actions()) {
            if (a.kind() == Action.Kind.DIFFERS) {
                out.println(a);
            }
        }
        if (!r.ok()) {
            r.failures().forEach(err::println);
            err.println("provision: " + r.failures().size() + " failure(s); " + r.done().size()
                    + " step(s) done (listed above); run apply again after fixing the cause");
            return FAILED;
        }
        out.println(r.done().isEmpty() ? "Nothing to do: " + c.guests().size() + " guest(s) up to date."
                : "Done: " + r.done().size() + " step(s) for " + c.guests().size() + " guest(s).");
        return OK;
    }
}
