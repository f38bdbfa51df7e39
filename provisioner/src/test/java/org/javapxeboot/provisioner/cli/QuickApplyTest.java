package org.javapxeboot.provisioner.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;
import picocli.CommandLine.Model.OptionSpec;

/** QuickApply reads a plain apply command line exactly as picocli does, and declines anything else. */
class QuickApplyTest {
    /** What picocli makes of {@code args}: the apply command it fills. */
    static ApplyCommand picocli(String... args) {
        CommandLine.ParseResult r = new CommandLine(new ProvisionCli()).parseArgs(args);
        return (ApplyCommand) r.subcommand().commandSpec().userObject();
    }

    static void sameAsPicocli(String... args) {
        QuickApply.Parsed q = QuickApply.parse(args);
        assertNotNull(q, String.join(" ", args));
        ApplyCommand p = picocli(args);
        String what = String.join(" ", args);
        assertEquals(p.file, q.file(), what);
        HostOptions a = p.host;
        HostOptions b = q.host();
        assertEquals(List.of(a.connect, String.valueOf(a.remote), a.out, String.valueOf(a.tftpRoot), String.valueOf(a.secretGroup),
                        String.valueOf(a.templates), String.valueOf(a.lvmScripts), a.lockWaitSeconds, a.lvmTimeoutSeconds),
                List.of(b.connect, String.valueOf(b.remote), b.out, String.valueOf(b.tftpRoot), String.valueOf(b.secretGroup),
                        String.valueOf(b.templates), String.valueOf(b.lvmScripts), b.lockWaitSeconds, b.lvmTimeoutSeconds), what);
        assertEquals(List.of(p.grow, p.preallocate, p.noStart),
                List.of(q.flags().contains("--grow"), q.flags().contains("--preallocate"), q.flags().contains("--no-start")), what);
        assertEquals(ApplyCommand.settings(p.grow, p.preallocate, p.noStart), ApplyCommand.settings(q.flags().contains("--grow"),
                q.flags().contains("--preallocate"), q.flags().contains("--no-start")), what);
    }

    @Test
    void plainCommandLinesAreReadAsPicocliReadsThem() {
        sameAsPicocli("apply", "c.yaml");
        sameAsPicocli("apply", "c.yaml", "--out", "o");
        sameAsPicocli("apply", "--out=o", "dir/c.yaml");
        sameAsPicocli("apply", "--templates", "t", "c.yaml", "--lvm-scripts", "l", "--tftp-root", "/srv/tftp");
        sameAsPicocli("apply", "c.yaml", "--connect", "test:///default", "--grow", "--preallocate", "--no-start");
        sameAsPicocli("apply", "c.yaml", "--no-start", "--out", "o=x");
        sameAsPicocli("apply", "c.yaml", "--connect=qemu:///system");
    }

    @Test
    void everythingElseIsLeftToPicocli() {
        String[][] declined = {
            {"apply"}, {"plan", "c.yaml"}, {"--version"}, {"validate", "c.yaml"},
            {"apply", "a.yaml", "b.yaml"}, {"apply", "c.yaml", "--serve"}, {"apply", "c.yaml", "--reinstall", "n"},
            {"apply", "c.yaml", "--host", "h"}, {"apply", "--", "c.yaml"}, {"apply", "@args"}, {"apply", "c.yaml", "--out"},
            {"apply", "c.yaml", "--out", "--grow"}, {"apply", "c.yaml", "--out", "a", "--out", "b"},
            {"apply", "c.yaml", "--grow", "--grow"}, {"apply", "c.yaml", "-h"}, {"apply", "c.yaml", "--help"},
            {"apply", "c.yaml", "--lock-wait", "5"}, {"apply", "c.yaml", "--out="}, {"apply", "c.yaml", "--out=@o"},
            {"apply", "c.yaml", "--templates=-t"}, {"apply", "c.yaml", "--secret-group", "www-data"}, {"apply", "-c.yaml"},
            {"apply", ""}, {"apply", "c.yaml", "--grow=true"}, {"apply", "c.yaml", "--out", "a\0b"},
        };
        for (String[] args : declined) {
            assertNull(QuickApply.parse(args), String.join(" ", args));
        }
    }

    /** Its names are apply's options, with a value or without one as picocli defines them. */
    @Test
    void itsOptionsAreApplysOwn() {
        CommandLine apply = new CommandLine(new ProvisionCli()).getSubcommands().get("apply");
        Set<String> withValue = apply.getCommandSpec().options().stream().filter(o -> o.arity().max() > 0)
                .flatMap(o -> java.util.Arrays.stream(o.names())).collect(Collectors.toSet());
        Set<String> flags = apply.getCommandSpec().options().stream().filter(o -> o.arity().max() == 0)
                .flatMap(o -> java.util.Arrays.stream(o.names())).collect(Collectors.toSet());
        assertTrue(withValue.containsAll(QuickApply.OPTIONS), withValue.toString());
        assertTrue(flags.containsAll(QuickApply.FLAGS), flags.toString());
        for (OptionSpec o : apply.getCommandSpec().options()) {
            if (QuickApply.OPTIONS.contains(o.longestName())) {
                assertEquals(1, o.arity().max(), o.longestName());
            }
        }
    }
}
