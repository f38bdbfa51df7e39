package org.javapxeboot.provisioner.cli;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import org.javapxeboot.provisioner.model.Cluster;
import org.javapxeboot.provisioner.model.ClusterLoader;
import org.javapxeboot.provisioner.model.ModelException;
import org.javapxeboot.provisioner.model.Problem;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Spec;

/**
 * {@code bin/provision}: validate, plan, apply, render, destroy, serve. Exit codes: 0 done (for
 * plan: nothing to do), 1 a failure while acting (the output lists what was done), 2 invalid input
 * (the YAML or the arguments), 3 plan found changes to make.
 */
@Command(name = "provision", mixinStandardHelpOptions = true, version = "provision 0.1.0",
        description = "From one YAML file to guests ready to install: disks, configs, kickstarts, pxelinux entries, libvirt domains.",
        footer = ProvisionCli.REMOTE_FOOTER,
        subcommands = {ValidateCommand.class, PlanCommand.class, ApplyCommand.class, RenderCommand.class,
                DestroyCommand.class, ServeCommand.class})
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
        nativeLibrariesFromRootsOwnCache();
        java.util.Optional<Integer> quick = QuickApply.run(args, out, err);
        if (quick.isPresent()) {
            out.flush();
            err.flush();
            return quick.get();
        }
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

    /**
     * JNA (libvirt's binding) unpacks its native library into {@code $XDG_CACHE_HOME/JNA/temp} and
     * loads it from there. Run as root, that variable may still be a user's (su without -, sudo -E),
     * who could swap the library in between: root's own cache folder is used instead. An explicit
     * {@code -Djna.tmpdir} is left as given.
     */
    static void nativeLibrariesFromRootsOwnCache() {
        if (System.getenv("XDG_CACHE_HOME") != null && System.getProperty("jna.tmpdir") == null && Home.runningAsRoot()) {
            System.setProperty("jna.tmpdir", Path.of(System.getProperty("user.home"), ".cache", "JNA", "temp").toString());
        }
    }

    @Override
    public Integer call() {
        spec.commandLine().usage(spec.commandLine().getErr());
        return INVALID;
    }

    /** Loads the YAML, printing warnings; on errors prints them all and returns null. */
    static Cluster load(Path file, PrintWriter err) {
        return load(file, null, err);
    }

    /** {@link #load(Path, PrintWriter)} from {@code bytes} read from {@code file} (null: read it here). */
    static Cluster load(Path file, byte[] bytes, PrintWriter err) {
        try {
            Cluster c = bytes == null ? ClusterLoader.load(file) : ClusterLoader.load(file, bytes);
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
}
