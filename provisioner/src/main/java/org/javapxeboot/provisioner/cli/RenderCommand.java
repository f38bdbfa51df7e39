package org.javapxeboot.provisioner.cli;

import static org.javapxeboot.provisioner.cli.ProvisionCli.INVALID;
import static org.javapxeboot.provisioner.cli.ProvisionCli.OK;
import static org.javapxeboot.provisioner.cli.ProvisionCli.load;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import org.javapxeboot.provisioner.model.Cluster;
import org.javapxeboot.provisioner.model.Guest;
import org.javapxeboot.provisioner.plan.Layout;
import org.javapxeboot.provisioner.render.DomainXml;
import org.javapxeboot.provisioner.render.PxelinuxEntry;
import org.javapxeboot.provisioner.render.RenderException;
import org.javapxeboot.provisioner.render.XlConfig;
import org.javapxeboot.provisioner.render.XmConfig;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Mixin;

@Command(name = "render", description = "Print a guest's xl.cfg, xm config, domain XML, pxelinux entry and kickstart.")
final class RenderCommand implements Callable<Integer> {
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
