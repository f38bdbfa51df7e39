package org.javapxeboot.provisioner.cli;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import org.javapxeboot.provisioner.host.HostTarget;
import org.javapxeboot.provisioner.model.Cluster;
import org.javapxeboot.provisioner.plan.Layout;
import org.javapxeboot.provisioner.render.Kickstart;
import org.javapxeboot.provisioner.storage.Lvm;
import org.javapxeboot.provisioner.storage.ProcessCommandRunner;
import org.javapxeboot.xman.vm.LibvirtVmControl;
import picocli.CommandLine.Option;

/** Options shared by the commands that read or change the host. */
final class HostOptions {
    /** The defaults of --out, --lock-wait and --lvm-timeout (QuickApply starts from them too). */
    static final String DEFAULT_OUT = "provision-out";
    static final long DEFAULT_LOCK_WAIT = 30;
    static final long DEFAULT_LVM_TIMEOUT = 600;

    @Option(names = "--connect", paramLabel = "URI", defaultValue = LibvirtVmControl.DEFAULT_URI,
            description = "libvirt URI (default: ${DEFAULT-VALUE}, the embedded test driver, kept in OUT/state/test-node.xml)")
    String connect;

    @Option(names = "--host", paramLabel = "HOST[:PORT]",
            description = "boot and control guests on HOST through its xmand (default port 8740), logging in with Kerberos"
                    + " from the environment (see below); not with --connect")
    String remote;

    @Option(names = "--out", paramLabel = "DIR", defaultValue = DEFAULT_OUT,
            description = "where configs, kickstarts and state go, and relative file disks (default: ./${DEFAULT-VALUE})")
    Path out;

    @Option(names = "--tftp-root", paramLabel = "DIR", description = "TFTP root for pxelinux.cfg/ (default: OUT/tftp)")
    Path tftpRoot;

    @Option(names = "--secret-group", paramLabel = "GROUP",
            description = "kickstarts (they hold the root password hash) are written 0640 with this group, e.g. the"
                    + " web server's (default: the owner's own group); every other output is 0644")
    String secretGroup;

    @Option(names = "--templates", paramLabel = "DIR",
            description = "kickstart templates (default: kickstart-templates/ of this installation, never the working"
                    + " folder; as root, refused when another user can change it)")
    Path templates;

    @Option(names = "--lvm-scripts", paramLabel = "DIR",
            description = "lv-ensure, vg-ensure, lv-remove (default: lvm-scripts/ of this installation, never the"
                    + " working folder; as root, refused when another user can change it)")
    Path lvmScripts;

    @Option(names = "--lock-wait", paramLabel = "SECONDS", defaultValue = "" + DEFAULT_LOCK_WAIT,
            description = "wait this long for another writer of OUT (an apply, an ack) to finish (default: ${DEFAULT-VALUE})")
    long lockWaitSeconds;

    @Option(names = "--lvm-timeout", paramLabel = "SECONDS", defaultValue = "" + DEFAULT_LVM_TIMEOUT,
            description = "kill an LVM script (and its children) that runs longer (default: ${DEFAULT-VALUE})")
    long lvmTimeoutSeconds;

    Layout layout() {
        return Layout.of(out, tftpRoot, secretGroup);
    }

    /** The host --connect or --host names. */
    HostTarget target() {
        return HostTarget.of(connect, remote, layout());
    }

    java.time.Duration lockWait() {
        return java.time.Duration.ofSeconds(lockWaitSeconds);
    }

    /** A usage error in the host options (one line), or null. */
    String usageProblem() {
        if (secretGroup != null) {
            try {
                java.nio.file.FileSystems.getDefault().getUserPrincipalLookupService().lookupPrincipalByGroupName(secretGroup);
            } catch (IOException e) {
                return "--secret-group " + secretGroup + ": no such group";
            }
        }
        if (lockWaitSeconds < 0) {
            return "--lock-wait must be at least 0 (seconds), got " + lockWaitSeconds;
        }
        if (lvmTimeoutSeconds < 1) {
            return "--lvm-timeout must be at least 1 (seconds), got " + lvmTimeoutSeconds;
        }
        return target().usageProblem();
    }

    /** Checks these options, then loads FILE (printing its warnings); null after printing every problem. */
    Cluster checkAndLoad(Path file, PrintWriter err) {
        return checkAndLoad(file, null, err);
    }

    /** {@link #checkAndLoad(Path, PrintWriter)} from {@code bytes} already read from {@code file} (null: read it). */
    Cluster checkAndLoad(Path file, byte[] bytes, PrintWriter err) {
        String usage = usageProblem();
        if (usage != null) {
            err.println("provision: " + usage);
            return null;
        }
        return ProvisionCli.load(file, bytes, err);
    }

    /** What plan and apply start from: the YAML, the kickstart templates and the LVM scripts. */
    record Inputs(Cluster cluster, Kickstart kickstart, Lvm lvm) {
    }

    /**
     * Checks these options, loads FILE, checks every --reinstall NAME against it and finds the
     * templates and scripts (these options', else the installation's); null after printing why.
     */
    Inputs inputs(Path file, ReinstallOption reinstall, PrintWriter err) {
        return inputs(file, null, reinstall, err);
    }

    /** {@link #inputs(Path, ReinstallOption, PrintWriter)} from {@code bytes} already read from {@code file} (null: read it). */
    Inputs inputs(Path file, byte[] bytes, ReinstallOption reinstall, PrintWriter err) {
        Cluster c = checkAndLoad(file, bytes, err);
        if (c == null || !reinstall.known(c, file, err)) {
            return null;
        }
        try {
            return new Inputs(c, kickstart(), lvm());
        } catch (IOException e) {
            err.println("provision: " + e.getMessage());
            return null;
        }
    }

    Kickstart kickstart() throws IOException {
        Path dir = templates != null ? templates : Home.find("kickstart-templates");
        trusted(dir, templates != null ? "--templates" : "kickstart-templates/");
        return new Kickstart(dir);
    }

    /** The LVM scripts, or null when none are configured or installed (an error only for LVM disks). */
    Lvm lvm() throws IOException {
        Path dir = lvmScripts;
        if (dir == null) {
            try {
                dir = Home.find("lvm-scripts");
            } catch (IOException e) {
                return null; // only an error if a guest has an LVM disk; the planner says so then
            }
        }
        trusted(dir, lvmScripts != null ? "--lvm-scripts" : "lvm-scripts/");
        return new Lvm(dir, new ProcessCommandRunner(java.time.Duration.ofSeconds(lvmTimeoutSeconds)));
    }

    /** Root runs no script and reads no template that another user could have changed. */
    static void trusted(Path dir, String what) throws IOException {
        if (!Home.runningAsRoot()) {
            return;
        }
        String why = Home.untrusted(dir);
        if (why != null) {
            throw new IOException(what + " " + dir + ": refused as root: " + why
                    + "; make it root's and not writable by others (chown root, chmod go-w)");
        }
    }
}
