package org.javapxeboot.provisioner.cli;

import static org.javapxeboot.provisioner.cli.ProvisionCli.FAILED;
import static org.javapxeboot.provisioner.cli.ProvisionCli.INVALID;
import static org.javapxeboot.provisioner.cli.ProvisionCli.OK;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import org.javapxeboot.provisioner.host.HostTarget;
import org.javapxeboot.provisioner.model.Cluster;
import org.javapxeboot.provisioner.render.Kickstart;
import org.javapxeboot.provisioner.render.RenderException;
import org.javapxeboot.provisioner.serve.KickstartServer;
import org.javapxeboot.xman.vm.VirtException;
import org.javapxeboot.xman.vm.VmControl;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

@Command(name = "serve", description = "Serve kickstarts at /ks/NAME.ks and take installer acks (POST /ack/NAME,"
        + " mac=MAC), each only from the guest's own address (ip= of its first vif); an ack switches the guest's"
        + " pxelinux entry to local boot and makes a KVM/QEMU domain boot its disk.")
final class ServeCommand implements Callable<Integer> {
    @Parameters(index = "0", paramLabel = "FILE") Path file;
    @Mixin HostOptions host;
    @Mixin ServeOptions serveOptions;
    @Spec CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        Cluster c = host.checkAndLoad(file, err);
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
            HostTarget target = host.target();
            KickstartServer.Host vms = new KickstartServer.Host() {
                @Override
                public VmControl open() throws VirtException {
                    return target.open();
                }

                @Override
                public void release(VmControl vm) throws VirtException, IOException {
                    try {
                        target.save(vm);
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
