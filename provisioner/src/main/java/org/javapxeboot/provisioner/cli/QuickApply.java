package org.javapxeboot.provisioner.cli;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.Optional;
import java.util.Set;
import org.javapxeboot.xman.vm.LibvirtVmControl;

/**
 * A no-op {@code provision apply} answered from its stamp before the command line is built:
 * picocli's model of the commands (annotations read through reflection, converters registered)
 * costs 100-150 ms of a JVM's first moments, more than the rest of a no-op re-apply of 1 000 guests
 * (BENCHMARKS.md section 3).
 *
 * <p>Only a plain command line: {@code apply FILE} with the options of {@link #OPTIONS} and
 * {@link #FLAGS}, each at most once, a value never starting with {@code -} or {@code @}. Anything
 * else (another option, {@code --}, an {@code @file}, a second FILE, {@code --host}, {@code --serve},
 * {@code --reinstall}, help) is declined, and picocli parses it as always. The options end in the very
 * {@link HostOptions} picocli would fill (its defaults are the same constants), and the stamp is
 * checked by the same {@link Stamp}: a declined or missed stamp costs only the check, never a
 * different answer. QuickApplyTest holds it to picocli's parse.
 */
final class QuickApply {
    /** Options with a value (where each goes: {@link #set}). */
    static final Set<String> OPTIONS = Set.of("--out", "--templates", "--lvm-scripts", "--tftp-root", "--connect");

    /**
     * Sets option {@code name} of {@link #OPTIONS} to {@code v}. A switch, not a table of lambdas: a
     * no-op re-apply that links no lambda never sets up the JDK's method handles (a few ms).
     */
    private static void set(HostOptions h, String name, String v) {
        switch (name) {
            case "--out" -> h.out = Path.of(v);
            case "--templates" -> h.templates = Path.of(v);
            case "--lvm-scripts" -> h.lvmScripts = Path.of(v);
            case "--tftp-root" -> h.tftpRoot = Path.of(v);
            case "--connect" -> h.connect = v;
            default -> throw new IllegalArgumentException(name);
        }
    }

    /** Boolean flags of apply. */
    static final Set<String> FLAGS = Set.of("--grow", "--preallocate", "--no-start");

    private QuickApply() {
    }

    /** The exit code when the stamp answered (after printing what the stamped apply printed); else empty. */
    static Optional<Integer> run(String[] args, PrintWriter out, PrintWriter err) {
        Parsed p = parse(args);
        if (p == null) {
            return Optional.empty();
        }
        Stamp stamp = Stamp.of(p.file(), p.host(), ApplyCommand.settings(p.flags().contains("--grow"),
                p.flags().contains("--preallocate"), p.flags().contains("--no-start")));
        return stamp != null && stamp.upToDate(out, err) ? Optional.of(ProvisionCli.OK) : Optional.empty();
    }

    /** A plain apply command line: its FILE, host options and flags. */
    record Parsed(Path file, HostOptions host, Set<String> flags) {
    }

    /** {@code args} as picocli would parse them, or null when they are not a plain apply command line. */
    static Parsed parse(String[] args) {
        if (args.length < 2 || !args[0].equals("apply")) {
            return null;
        }
        HostOptions host = new HostOptions();
        host.connect = LibvirtVmControl.DEFAULT_URI;
        host.out = Path.of(HostOptions.DEFAULT_OUT);
        host.lockWaitSeconds = HostOptions.DEFAULT_LOCK_WAIT;
        host.lvmTimeoutSeconds = HostOptions.DEFAULT_LVM_TIMEOUT;
        Set<String> seen = new HashSet<>();
        Path file = null;
        try {
            for (int i = 1; i < args.length; i++) {
                String a = args[i];
                if (!plain(a)) {
                    if (FLAGS.contains(a) && seen.add(a)) {
                        continue;
                    }
                    String name = a;
                    String value = null;
                    int eq = a.indexOf('=');
                    if (eq > 0) {
                        name = a.substring(0, eq);
                        value = a.substring(eq + 1);
                    } else if (i + 1 < args.length) {
                        value = args[++i];
                    }
                    if (!OPTIONS.contains(name) || !seen.add(name) || value == null || !plain(value)) {
                        return null;
                    }
                    set(host, name, value);
                } else if (file == null) {
                    file = Path.of(a);
                } else {
                    return null; // a second FILE: picocli says what is wrong
                }
            }
        } catch (java.nio.file.InvalidPathException e) {
            return null;
        }
        seen.retainAll(FLAGS);
        return file == null ? null : new Parsed(file, host, Set.copyOf(seen));
    }

    /** Not an option, an end of options or an argument file; not empty. */
    private static boolean plain(String a) {
        return !a.isEmpty() && a.charAt(0) != '-' && a.charAt(0) != '@';
    }
}
