package org.javapxeboot.provisioner.cli;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import org.javapxeboot.provisioner.model.Cluster;
import org.javapxeboot.provisioner.model.ClusterLoader;
import org.javapxeboot.provisioner.model.Disk;
import org.javapxeboot.provisioner.model.Guest;
import org.javapxeboot.provisioner.model.ModelException;
import org.javapxeboot.provisioner.model.Problem;
import org.javapxeboot.provisioner.plan.Action;
import org.javapxeboot.provisioner.plan.Layout;
import org.javapxeboot.provisioner.plan.OutputLock;
import org.javapxeboot.provisioner.plan.ProvisionException;
import org.javapxeboot.provisioner.plan.Provisioner;
import org.javapxeboot.provisioner.render.DomainXml;
import org.javapxeboot.provisioner.render.Kickstart;
import org.javapxeboot.provisioner.render.PxelinuxEntry;
import org.javapxeboot.provisioner.render.RenderException;
import org.javapxeboot.provisioner.render.XlConfig;
import org.javapxeboot.provisioner.render.XmConfig;
import org.javapxeboot.provisioner.serve.KickstartServer;
import org.javapxeboot.provisioner.storage.FileDisks;
import org.javapxeboot.provisioner.storage.Lvm;
import org.javapxeboot.provisioner.storage.ProcessCommandRunner;
import org.javapxeboot.provisioner.storage.StorageException;
import org.javapxeboot.provisioner.host.EmbeddedNode;
import org.javapxeboot.xman.vm.LibvirtVmControl;
import org.javapxeboot.xman.vm.VirtException;
import org.javapxeboot.xman.vm.VmControl;
import org.javapxeboot.xman.client.RemoteVmControl;
import org.javapxeboot.xman.client.XmanClient;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code bin/provision}: validate, plan, apply, render, destroy, serve. Exit codes: 0 done (for
 * plan: nothing to do), 1 a failure while acting (the output lists what was done), 2 invalid input
 * (the YAML or the arguments), 3 plan found changes to make.
 */
@Command(name = "provision", mixinStandardHelpOptions = true, version = "provision 0.1.0",
        description = "From one YAML file to guests ready to install: disks, configs, kickstarts, pxelinux entries, libvirt domains.",
        footer = ProvisionCli.REMOTE_FOOTER,
        subcommands = {ProvisionCli.Validate.class, ProvisionCli.PlanCmd.class, ProvisionCli.Apply.class,
                ProvisionCli.Render.class, ProvisionCli.Destroy.class, ProvisionCli.Serve.class})
public final class ProvisionCli implements Callable<Integer> {
    public static final int OK = 0;
    public static final int FAILED = 1;
    public static final int INVALID = 2;
    public static final int CHANGES_PENDING = 3;

    /** How --host logs in: the environment rxm reads (docs/xman.md), listed in --help. */
    static final String REMOTE_FOOTER = "%n"
            + "--host HOST[:PORT] (plan, apply, destroy) acts on another host through its%n"
            + "xmand (port 8740 by default) instead of --connect. Kerberos and TLS settings%n"
            + "come from the environment, as for rxm:%n"
            + "  KRB5CCNAME              ticket cache from kinit (default: the system's)%n"
            + "  XMAN_KEYTAB             log in from this keytab instead (default: unset)%n"
            + "  XMAN_PRINCIPAL          with XMAN_KEYTAB: the client (default: first key)%n"
            + "  XMAN_SERVICE_PRINCIPAL  the daemon's principal (default: HTTP/HOST)%n"
            + "  XMAN_CACERT             the daemons' PEM certificates, comma-separated%n"
            + "                          (default: ~/.xman/ca.pem, else the JDK's CAs)%n"
            + "  KRB5_CONFIG             krb5.conf (default: /etc/krb5.conf)%n"
            + "Disks, configs, kickstarts and pxelinux entries are made on this machine.";

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
            // bad input never gets here; this is a bug or an environment failure: one line, no trace
            cmd.getErr().println("provision: " + ex);
            return FAILED;
        });
        int rc = cl.execute(args);
        out.flush();
        err.flush();
        return rc;
    }

    @Override
    public Integer call() {
        spec.commandLine().usage(spec.commandLine().getErr());
        return INVALID;
    }

    /** Loads the YAML, printing warnings; on errors prints them all and returns null. */
    /** Every --reinstall NAME names a domain of the YAML; else says which does not, and false. */
    static boolean reinstallNamesKnown(Cluster c, Path file, java.util.List<String> names, PrintWriter err) {
        for (String n : names) {
            if (c.guest(n).isEmpty()) {
                err.println("provision: --reinstall " + org.javapxeboot.xman.text.Escape.line(n) + ": no such domain in "
                        + file + "; nothing done");
                return false;
            }
        }
        return true;
    }

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

    /** Options shared by the commands that read or change the host. */
    static final class HostOptions {
        @Option(names = "--connect", paramLabel = "URI", defaultValue = LibvirtVmControl.DEFAULT_URI,
                description = "libvirt URI (default: ${DEFAULT-VALUE}, the embedded test driver, kept in OUT/state/test-node.xml)")
        String connect;

        @Option(names = "--host", paramLabel = "HOST[:PORT]",
                description = "boot and control guests on HOST through its xmand (default port 8740), logging in with Kerberos"
                        + " from the environment (see below); not with --connect")
        String remote;

        @Option(names = "--out", paramLabel = "DIR", defaultValue = "provision-out",
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

        @Option(names = "--lock-wait", paramLabel = "SECONDS", defaultValue = "30",
                description = "wait this long for another writer of OUT (an apply, an ack) to finish (default: ${DEFAULT-VALUE})")
        long lockWaitSeconds;

        @Option(names = "--lvm-timeout", paramLabel = "SECONDS", defaultValue = "600",
                description = "kill an LVM script (and its children) that runs longer (default: ${DEFAULT-VALUE})")
        long lvmTimeoutSeconds;

        Layout layout() {
            return Layout.of(out, tftpRoot, secretGroup);
        }

        /** The output tree's one-writer lock (see OutputLock). */
        OutputLock lock(String what) throws IOException {
            return layout().lock(java.time.Duration.ofSeconds(lockWaitSeconds), what + " (pid " + ProcessHandle.current().pid() + ")");
        }

        Path nodeFile() {
            return layout().out().resolve("state").resolve("test-node.xml");
        }

        boolean embedded() {
            return remote == null && EmbeddedNode.DEFAULT_URI.equals(connect);
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
            if (remote == null) {
                return null;
            }
            if (!LibvirtVmControl.DEFAULT_URI.equals(connect)) {
                return "--host " + remote + " and --connect " + connect + " exclude each other: --host uses that host's"
                        + " xmand, --connect a libvirt URI";
            }
            try {
                XmanClient.Target.parse(remote);
                return null;
            } catch (IllegalArgumentException e) {
                return "--host: " + e.getMessage();
            }
        }

        /**
         * The host to act on. For --host, one read-only request (info) first, so that an unreachable
         * host, a refused certificate or a principal missing from its .k5login is one error naming the
         * host before anything is done, here or there.
         */
        VmControl open() throws VirtException {
            if (remote != null) {
                RemoteVmControl r = RemoteVmControl.connect(remote);
                try {
                    r.info();
                } catch (VirtException e) {
                    // the transport's or the daemon's own words, without "info: on HOST:" in front
                    String why = e.getCause() instanceof XmanClient.Failure f ? f.getMessage() : e.getMessage();
                    throw new VirtException(e.kind(), "connect", null, "xmand " + r.target() + ": " + why, e);
                }
                return r;
            }
            return embedded() ? EmbeddedNode.open(nodeFile()) : new LibvirtVmControl(connect);
        }

        void save(VmControl vm) throws VirtException, IOException {
            if (embedded() && vm instanceof LibvirtVmControl lv) {
                EmbeddedNode.save(lv, nodeFile());
            }
        }

        /** At the end of a command: saves the embedded host (a failure is said, not thrown) and closes the connection. */
        void saveAndClose(VmControl vm, PrintWriter err) {
            try {
                save(vm);
            } catch (VirtException | IOException e) {
                err.println("provision: cannot save the embedded host state: " + e.getMessage());
            } finally {
                vm.close();
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

    /** The install server's settings, for serve and apply --serve. */
    static final class ServeOptions {
        @Option(names = "--port", defaultValue = "8069", description = "(serve) TCP port (default: ${DEFAULT-VALUE})") int port;

        @Option(names = "--bind", paramLabel = "ADDR",
                description = "(serve) address to listen on (default: the host of the YAML's server: URL when it is an IP"
                        + " address, the provisioning address guests are told to use; else 127.0.0.1)")
        String bind;

        @Option(names = "--threads", defaultValue = "8", description = "(serve) requests handled at once (default: ${DEFAULT-VALUE})")
        int threads;

        @Option(names = "--queue", defaultValue = "32",
                description = "(serve) connections waiting for a thread; beyond that 503 (default: ${DEFAULT-VALUE})")
        int queue;

        @Option(names = "--request-timeout", paramLabel = "SECONDS", defaultValue = "10",
                description = "(serve) a request (header and body) must arrive and be answered within this, else 408 and"
                        + " the connection is dropped (default: ${DEFAULT-VALUE}). An ack waits at most 3 s (or a third"
                        + " of this, if shorter) for an apply holding the output folder, then answers 503 with"
                        + " Retry-After; the templates retry every 20 s for up to 45 minutes")
        long requestTimeoutSeconds;

        KickstartServer.Settings settings() {
            if (threads < 1 || queue < 1 || requestTimeoutSeconds < 1) {
                throw new IllegalArgumentException("--threads, --queue and --request-timeout must be at least 1, got "
                        + threads + ", " + queue + ", " + requestTimeoutSeconds);
            }
            return KickstartServer.Settings.of(threads, queue, java.time.Duration.ofSeconds(requestTimeoutSeconds));
        }
    }

    /** Prints steps as they are done (stdout) and progress of long loops (stderr). */
    static final class ConsoleReporter implements org.javapxeboot.provisioner.plan.Reporter {
        private final PrintWriter out;
        private final PrintWriter err;
        private long lastBytesPrint;

        ConsoleReporter(PrintWriter out, PrintWriter err) {
            this.out = out;
            this.err = err;
        }

        @Override
        public void done(Action a) {
            out.println(a);
        }

        @Override
        public void progress(String phase, int done, int total) {
            // every guest for small files, every 5 % for large ones
            int step = Math.max(1, total / 20);
            if (total >= 20 && (done % step == 0 || done == total)) {
                err.println(phase + ": " + done + "/" + total + " guests");
                err.flush();
            }
        }

        @Override
        public void bytes(String what, long done, long total) {
            long now = System.nanoTime();
            if (done == total || now - lastBytesPrint > 1_000_000_000L) {
                lastBytesPrint = now;
                err.println("preallocating " + what + ": " + (total == 0 ? 100 : done * 100 / total) + "% ("
                        + (done >> 20) + "/" + (total >> 20) + " MiB)");
                err.flush();
            }
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

    @Command(name = "plan", description = "Print what apply would create or change; touch nothing."
            + " Exit 0: nothing to do; 3: changes pending; 2: invalid input; 1: cannot tell.", footer = REMOTE_FOOTER)
    static final class PlanCmd implements Callable<Integer> {
        @Parameters(index = "0", paramLabel = "FILE") Path file;
        @Mixin HostOptions host;
        @Option(names = "--grow", description = "plan growing disks that are smaller than the YAML says") boolean grow;
        @Option(names = "--preallocate", description = "plan new file disks fully written") boolean preallocate;
        @Option(names = "--no-start", description = "plan no guest starts") boolean noStart;
        @Option(names = "--reinstall", paramLabel = "NAME",
                description = "(repeatable) define this KVM/QEMU guest back to its installer (and start it, if shut off)"
                        + " although its domain already boots its disk with no ack recorded; without it such a guest is"
                        + " kept on its disk (its kickstart would wipe the disk). Default: none")
        java.util.List<String> reinstall = new java.util.ArrayList<>();
        @Spec CommandLine.Model.CommandSpec spec;

        @Override
        public Integer call() throws Exception {
            PrintWriter out = spec.commandLine().getOut();
            PrintWriter err = spec.commandLine().getErr();
            String usage = host.usageProblem();
            if (usage != null) {
                err.println("provision: " + usage);
                return INVALID;
            }
            Cluster c = load(file, err);
            if (c == null || !reinstallNamesKnown(c, file, reinstall, err)) {
                return INVALID;
            }
            // plan must not create even the embedded node file: a fresh embedded host has no guests
            Kickstart ks;
            Lvm lvm;
            try {
                ks = host.kickstart();
                lvm = host.lvm();
            } catch (IOException e) {
                err.println("provision: " + e.getMessage());
                return INVALID;
            }
            try (VmControl vm = host.embedded() && !Files.exists(host.nodeFile()) ? new EmptyHost() : host.open()) {
                return printPlan(c, ks, lvm, vm, out, err);
            } catch (VirtException e) {
                err.println("provision: " + e.getMessage());
                return FAILED;
            }
        }

        private int printPlan(Cluster c, Kickstart ks, Lvm lvm, VmControl vm, PrintWriter out, PrintWriter err) {
            Provisioner p = new Provisioner(c, host.layout(), ks, lvm, new FileDisks(), vm,
                    new Provisioner.Options(grow, preallocate, !noStart, java.util.Set.copyOf(reinstall)),
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

    @Command(name = "apply", description = "Create missing disks, write configs, kickstarts and pxelinux entries,"
            + " define and start guests. A second apply changes nothing.", footer = REMOTE_FOOTER)
    static final class Apply implements Callable<Integer> {
        @Parameters(index = "0", paramLabel = "FILE") Path file;
        @Mixin HostOptions host;
        @Option(names = "--grow", description = "grow disks and LVs smaller than the YAML says (never shrinks;"
                + " not while the guest runs)") boolean grow;
        @Option(names = "--preallocate", description = "write new file disks in full (default: sparse)") boolean preallocate;
        @Option(names = "--no-start", description = "define guests but do not start them") boolean noStart;
        @Option(names = "--reinstall", paramLabel = "NAME",
                description = "(repeatable) define this KVM/QEMU guest back to its installer (and start it, if shut off)"
                        + " although its domain already boots its disk with no ack recorded; without it such a guest is"
                        + " kept on its disk (its kickstart would wipe the disk). Default: none")
        java.util.List<String> reinstall = new java.util.ArrayList<>();
        @Option(names = "--serve", description = "then keep serving kickstarts and acks (as `serve`) until stopped") boolean serve;
        @Mixin ServeOptions serveOptions;
        @Spec CommandLine.Model.CommandSpec spec;

        @Override
        public Integer call() throws Exception {
            PrintWriter out = spec.commandLine().getOut();
            PrintWriter err = spec.commandLine().getErr();
            String usage = host.usageProblem();
            if (usage != null) {
                err.println("provision: " + usage);
                return INVALID;
            }
            Cluster c = load(file, err);
            if (c == null || !reinstallNamesKnown(c, file, reinstall, err)) {
                return INVALID;
            }
            Kickstart ks;
            Lvm lvm;
            try {
                ks = host.kickstart();
                lvm = host.lvm();
            } catch (IOException e) {
                err.println("provision: " + e.getMessage());
                return INVALID;
            }
            int rc;
            // The embedded node is a file of the tree: locked before it is read. Any other host is
            // opened first, so that an unreachable one or a refused login creates nothing here.
            OutputLock early = null;
            VmControl vm;
            try {
                early = host.embedded() ? host.lock("provision apply") : null;
                vm = host.open();
            } catch (VirtException | IOException e) {
                if (early != null) {
                    early.close();
                }
                err.println("provision: " + e.getMessage() + "; nothing done");
                return FAILED;
            }
            try (OutputLock lock = early != null ? early : host.lock("provision apply")) {
                try {
                    rc = apply(c, ks, lvm, vm, out, err);
                } finally {
                    host.saveAndClose(vm, err);
                }
            } catch (IOException e) {
                vm.close();
                err.println("provision: " + e.getMessage() + "; nothing done");
                return FAILED;
            }
            if (rc != OK || !serve) {
                return rc;
            }
            return Serve.serve(c, host, ks, serveOptions, out, err);
        }

        private int apply(Cluster c, Kickstart ks, Lvm lvm, VmControl vm, PrintWriter out, PrintWriter err) {
            Provisioner p = new Provisioner(c, host.layout(), ks, lvm, new FileDisks(), vm,
                    new Provisioner.Options(grow, preallocate, !noStart, java.util.Set.copyOf(reinstall)),
                    new ConsoleReporter(out, err));
            Provisioner.Report r;
            try {
                r = p.apply();
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

    @Command(name = "render", description = "Print a guest's xl.cfg, xm config, domain XML, pxelinux entry and kickstart.")
    static final class Render implements Callable<Integer> {
        @Parameters(index = "0", paramLabel = "FILE") Path file;
        @Parameters(index = "1", paramLabel = "NAME") String name;
        @Mixin HostOptions host;
        @Spec CommandLine.Model.CommandSpec spec;

        @Override
        public Integer call() throws Exception {
            PrintWriter out = spec.commandLine().getOut();
            PrintWriter err = spec.commandLine().getErr();
            Cluster c = load(file, err);
            if (c == null) {
                return INVALID;
            }
            Guest raw = c.guest(name).orElse(null);
            if (raw == null) {
                err.println(file + ": no domain '" + name + "'; domains: "
                        + String.join(", ", c.guests().stream().map(Guest::name).toList()));
                return INVALID;
            }
            Layout layout = host.layout();
            Guest g = layout.resolve(raw);
            boolean installed = Files.exists(layout.installed(g.name()));
            try {
                String ks = host.kickstart().render(c.server(), g);
                section(out, "xl.cfg: " + layout.xl(g), XlConfig.render(g));
                section(out, "xm config: " + layout.xm(g), XmConfig.render(g));
                section(out, "libvirt domain XML: " + layout.domainXml(g), DomainXml.render(g, c.server(), installed));
                section(out, "pxelinux entry: " + layout.pxelinux(g),
                        installed ? PxelinuxEntry.localBoot(g) : PxelinuxEntry.install(c.server(), g));
                section(out, "kickstart (" + g.kickstart() + "): " + layout.kickstart(g.name()), ks);
                return OK;
            } catch (RenderException | IOException e) {
                err.println(e.getMessage());
                return INVALID;
            }
        }

        private static void section(PrintWriter out, String title, String body) {
            out.println("==> " + title + " <==");
            out.print(body);
            if (!body.endsWith("\n")) {
                out.println();
            }
            out.println();
        }
    }

    @Command(name = "destroy", description = "Remove a guest's libvirt definition, configs and pxelinux entry."
            + " Disks stay unless --delete-disks. Refuses while the guest runs unless --force-stop.", footer = REMOTE_FOOTER)
    static final class Destroy implements Callable<Integer> {
        @Parameters(index = "0", paramLabel = "FILE") Path file;
        @Parameters(index = "1", paramLabel = "NAME") String name;
        @Mixin HostOptions host;
        @Option(names = "--delete-disks", description = "also delete the guest's file disks and LVs (data is lost)") boolean deleteDisks;
        @Option(names = "--force-stop", description = "stop (xm destroy) a running guest first") boolean forceStop;
        @Spec CommandLine.Model.CommandSpec spec;

        @Override
        public Integer call() throws Exception {
            PrintWriter out = spec.commandLine().getOut();
            PrintWriter err = spec.commandLine().getErr();
            String usage = host.usageProblem();
            if (usage != null) {
                err.println("provision: " + usage);
                return INVALID;
            }
            Cluster c = load(file, err);
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
            if (deleteDisks && g.disks().stream().anyMatch(x -> x.type() == Disk.Type.LVM && x.create())) {
                try {
                    lvm = host.lvm();
                } catch (IOException e) {
                    err.println("provision: " + e.getMessage() + "; nothing done");
                    return INVALID;
                }
            }
            // as apply: the embedded node locked before it is read, any other host opened first
            OutputLock early = null;
            VmControl vm;
            try {
                early = host.embedded() ? host.lock("provision destroy") : null;
                vm = host.open();
            } catch (VirtException | IOException e) {
                if (early != null) {
                    early.close();
                }
                err.println("provision: " + e.getMessage() + "; nothing done");
                return FAILED;
            }
            try (OutputLock lock = early != null ? early : host.lock("provision destroy")) {
                return destroy(layout, g, lvm, vm, out, err);
            } catch (IOException e) {
                vm.close();
                err.println("provision: " + e.getMessage() + "; nothing done");
                return FAILED;
            }
        }

        private int destroy(Layout layout, Guest g, Lvm lvm, VmControl vm, PrintWriter out, PrintWriter err) {
            List<String> done = new ArrayList<>();
            try {
                VmControl.DomainInfo d = null;
                try {
                    d = vm.lookup(name);
                } catch (VirtException e) {
                    if (e.kind() != VirtException.Kind.NO_DOMAIN) {
                        throw e;
                    }
                }
                if (d != null) {
                    boolean active = d.state() != VmControl.DomainState.SHUTOFF && d.state() != VmControl.DomainState.CRASHED
                            && d.id() > 0;
                    if (active && !forceStop) {
                        err.println("provision: " + name + " is " + d.state().name().toLowerCase() + "; shut it down first"
                                + " or pass --force-stop; nothing done");
                        return FAILED;
                    }
                    if (active) {
                        vm.destroy(name);
                        done.add("- stopped " + name);
                    }
                    vm.undefine(name);
                    done.add("- undefined " + name);
                }
                for (Path p : List.of(layout.xl(g), layout.xm(g), layout.domainXml(g), layout.kickstart(g.name()),
                        layout.pxelinux(g), layout.installed(g.name()))) {
                    if (Files.deleteIfExists(p)) {
                        done.add("- removed " + p);
                    }
                }
                for (Disk disk : g.disks()) {
                    if (!deleteDisks) {
                        if (disk.type() != Disk.Type.PHY) {
                            done.add("= kept disk " + disk.path() + " (--delete-disks removes it)");
                        }
                        continue;
                    }
                    if (disk.type() == Disk.Type.FILE && Files.deleteIfExists(Path.of(disk.path()))) {
                        done.add("- deleted disk " + disk.path());
                    } else if (disk.type() == Disk.Type.LVM && disk.create()) {
                        if (lvm == null) {
                            throw new StorageException("cannot remove " + disk.path() + ": no lvm-scripts/ found");
                        }
                        if (lvm.lvRemove(disk.vg(), disk.lv(), false).status().equals("removed")) {
                            done.add("- removed logical volume " + disk.vg() + "/" + disk.lv());
                        }
                    }
                }
                done.forEach(out::println);
                out.println(done.isEmpty() ? name + ": nothing to remove" : name + ": destroyed");
                return OK;
            } catch (VirtException | StorageException | IOException e) {
                done.forEach(out::println);
                err.println("provision: " + e.getMessage() + (done.isEmpty() ? "; nothing done" : "; the steps above were done"));
                return FAILED;
            } finally {
                host.saveAndClose(vm, err);
            }
        }
    }

    @Command(name = "serve", description = "Serve kickstarts at /ks/NAME.ks and take installer acks (POST /ack/NAME,"
            + " mac=MAC), each only from the guest's own address (ip= of its first vif); an ack switches the guest's"
            + " pxelinux entry to local boot and makes a KVM/QEMU domain boot its disk.")
    static final class Serve implements Callable<Integer> {
        @Parameters(index = "0", paramLabel = "FILE") Path file;
        @Mixin HostOptions host;
        @Mixin ServeOptions serveOptions;
        @Spec CommandLine.Model.CommandSpec spec;

        @Override
        public Integer call() throws Exception {
            PrintWriter out = spec.commandLine().getOut();
            PrintWriter err = spec.commandLine().getErr();
            String usage = host.usageProblem();
            if (usage != null) {
                err.println("provision: " + usage);
                return INVALID;
            }
            Cluster c = load(file, err);
            if (c == null) {
                return INVALID;
            }
            try {
                return serve(c, host, host.kickstart(), serveOptions, out, err);
            } catch (IOException e) {
                err.println("provision: " + e.getMessage());
                return INVALID;
            }
        }

        static int serve(Cluster c, HostOptions host, Kickstart ks, ServeOptions so, PrintWriter out, PrintWriter err) {
            String bind = so.bind != null ? so.bind : KickstartServer.defaultBind(c.server());
            int port = so.port;
            KickstartServer.Settings settings;
            try {
                settings = so.settings();
            } catch (IllegalArgumentException e) {
                err.println("provision: " + e.getMessage());
                return INVALID;
            }
            KickstartServer server;
            try {
                KickstartServer.Host vms = new KickstartServer.Host() {
                    @Override
                    public VmControl open() throws VirtException {
                        return host.open();
                    }

                    @Override
                    public void release(VmControl vm) throws VirtException, IOException {
                        try {
                            host.save(vm);
                        } finally {
                            vm.close();
                        }
                    }
                };
                server = KickstartServer.start(c, host.layout(), ks, vms, bind, port, settings, line -> {
                    out.println(line);
                    out.flush();
                });
            } catch (RenderException e) {
                err.println(e.getMessage());
                return INVALID;
            } catch (IOException e) {
                err.println("provision: cannot listen on " + bind + ":" + port + ": " + e.getMessage());
                return FAILED;
            }
            out.println("serving " + c.guests().size() + " kickstart(s) on http://" + bind + ":" + server.port()
                    + "/ks/NAME.ks; acks at /ack/NAME; guests use " + c.server());
            out.flush();
            try {
                server.awaitStop();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt(); // stopped on purpose (tests, an embedding program)
            }
            out.println("stopped serving");
            out.flush();
            return OK;
        }
    }

    /** For plan on a fresh embedded host: a host with no domains, read-only. */
    private static final class EmptyHost implements VmControl {

        @Override
        public List<DomainInfo> list() {
            return List.of();
        }

        @Override
        public DomainInfo lookup(String name) throws VirtException {
            throw new VirtException(VirtException.Kind.NO_DOMAIN, "lookup", name, "no such domain");
        }

        private static VirtException readOnly(String op, String name) {
            return new VirtException(VirtException.Kind.DENIED, op, name, "plan does not change the host");
        }

        @Override
        public DomainInfo define(String domainXml) throws VirtException {
            throw readOnly("define", null);
        }

        @Override
        public DomainInfo start(String name) throws VirtException {
            throw readOnly("start", name);
        }

        @Override
        public void undefine(String name) throws VirtException {
            throw readOnly("undefine", name);
        }

        @Override
        public void destroy(String name) throws VirtException {
            throw readOnly("destroy", name);
        }

        @Override
        public void reboot(String name) throws VirtException {
            throw readOnly("reboot", name);
        }

        @Override
        public void shutdown(String name) throws VirtException {
            throw readOnly("shutdown", name);
        }

        @Override
        public void pause(String name) throws VirtException {
            throw readOnly("pause", name);
        }

        @Override
        public void unpause(String name) throws VirtException {
            throw readOnly("unpause", name);
        }

        @Override
        public void setMemory(String name, long kib) throws VirtException {
            throw readOnly("mem-set", name);
        }

        @Override
        public void setVcpus(String name, int count) throws VirtException {
            throw readOnly("vcpu-set", name);
        }

        @Override
        public void setAutostart(String name, boolean on) throws VirtException {
            throw readOnly("autostart", name);
        }

        @Override
        public String describe(String name) throws VirtException {
            throw new VirtException(VirtException.Kind.NO_DOMAIN, "describe", name, "no such domain");
        }

        @Override
        public void migrate(String name, String destinationUri) throws VirtException {
            throw readOnly("migrate", name);
        }

        @Override
        public List<String> dmesg() {
            return List.of();
        }

        @Override
        public HostInfo info() throws VirtException {
            throw new VirtException(VirtException.Kind.UNSUPPORTED, "info", null, "no embedded host yet");
        }

        @Override
        public void close() {
        }
    }
}
