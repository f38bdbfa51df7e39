package org.javapxeboot.provisioner.bench;

import java.io.StringReader;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryPoolMXBean;
import java.lang.management.MemoryType;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import org.javapxeboot.provisioner.model.Cluster;
import org.javapxeboot.provisioner.model.ClusterLoader;
import org.javapxeboot.provisioner.model.Guest;
import org.javapxeboot.provisioner.plan.Layout;
import org.javapxeboot.provisioner.plan.Report;
import org.javapxeboot.provisioner.plan.Provisioner;
import org.javapxeboot.provisioner.plan.Reporter;
import org.javapxeboot.provisioner.render.DomainXml;
import org.javapxeboot.provisioner.render.Kickstart;
import org.javapxeboot.provisioner.storage.FileDisks;
import org.javapxeboot.xman.vm.LibvirtVmControl;

/**
 * The scale benchmark (not a unit test): for each guest count, generates a YAML file, then times
 * validate, plan, apply, and a second plan and apply (which must change nothing) on a fresh libvirt
 * test-driver node in this process, with the heap's peak use per phase. It also writes the same
 * domain XML as files plus a virsh command file, for bench/scale.sh to time the equivalent
 * {@code virsh define} loop. Usage: ScaleBench WORKDIR TEMPLATES N...
 */
public final class ScaleBench {
    private ScaleBench() {
    }

    public static void main(String[] args) throws Exception {
        if (args.length < 3) {
            System.err.println("usage: ScaleBench WORKDIR TEMPLATES N...");
            System.exit(2);
        }
        Path work = Path.of(args[0]).toAbsolutePath();
        Kickstart ks = new Kickstart(Path.of(args[1]));
        System.out.println("guests  phase        ms   us/guest  peak-heap-MiB");
        for (int a = 2; a < args.length; a++) {
            int n = Integer.parseInt(args[a]);
            Path dir = work.resolve("n" + n);
            if (Files.exists(dir)) {
                dir = work.resolve("n" + n + "-" + a); // a count given twice: measure it again from scratch
            }
            Files.createDirectories(dir);
            String yaml = yaml(n);
            Files.writeString(dir.resolve("cluster.yaml"), yaml);
            Cluster c = time(n, "validate", () -> ClusterLoader.load("cluster.yaml", new StringReader(yaml)));
            Path node = dir.resolve("node.xml");
            Files.writeString(node, "<node/>\n");
            Layout layout = Layout.of(dir.resolve("out"), null);
            try (LibvirtVmControl vm = new LibvirtVmControl("test://" + node)) {
                Provisioner p = new Provisioner(c, layout, ks, null, new FileDisks(), vm, Provisioner.Options.DEFAULT,
                        Reporter.SILENT);
                Provisioner.Plan plan = time(n, "plan", p::plan);
                check(plan.actions().size() == n * 8, "first plan: " + plan.summary());
                Report r = time(n, "apply", p::apply);
                check(r.ok(), "apply failed: " + r.failures());
                Provisioner.Plan again = time(n, "plan-again", p::plan);
                check(!again.hasChanges(), "second plan not empty: " + again.summary());
                Report r2 = time(n, "apply-again", p::apply);
                check(r2.done().isEmpty(), "second apply did something");
                check(vm.list().size() == n, "expected " + n + " domains, found " + vm.list().size());
            }
            // the same definitions for the virsh loop (bench/scale.sh runs it in one virsh session)
            Path xmls = Files.createDirectories(dir.resolve("virsh"));
            StringBuilder cmds = new StringBuilder();
            for (Guest g : c.guests()) {
                Guest resolved = layout.resolve(g);
                Path f = xmls.resolve(g.name() + ".xml");
                Files.writeString(f, DomainXml.render(resolved, c.server(), false));
                cmds.append("define ").append(f).append('\n').append("start ").append(g.name()).append('\n');
            }
            Files.writeString(dir.resolve("virsh-commands"), cmds);
        }
    }

    public static String yaml(int n) {
        StringBuilder b = new StringBuilder("server: http://192.0.2.1:8069\ndefaults:\n  memory: 256\n"
                + "  vars: { repo: 'http://mirror/os', rootpw: '!', timezone: UTC }\ndomains:\n");
        for (int i = 0; i < n; i++) {
            String name = String.format(Locale.ROOT, "node%05d", i);
            String mac = String.format(Locale.ROOT, "52:54:00:%02x:%02x:%02x", (i >> 16) & 0xff, (i >> 8) & 0xff, i & 0xff);
            b.append("  ").append(name).append(":\n")
                    .append("    vif: [\"mac=").append(mac).append(", bridge=xenbr0\"]\n")
                    .append("    disk: [ { type: file, path: disks/").append(name).append(".img, size: 4GiB } ]\n");
        }
        return b.toString();
    }

    interface Phase<T> {
        T run() throws Exception;
    }

    static <T> T time(int n, String phase, Phase<T> body) throws Exception {
        System.gc();
        for (MemoryPoolMXBean pool : ManagementFactory.getMemoryPoolMXBeans()) {
            pool.resetPeakUsage();
        }
        long t0 = System.nanoTime();
        T result = body.run();
        long ns = System.nanoTime() - t0;
        long peak = 0;
        for (MemoryPoolMXBean pool : ManagementFactory.getMemoryPoolMXBeans()) {
            if (pool.getType() == MemoryType.HEAP) {
                peak += pool.getPeakUsage().getUsed();
            }
        }
        System.out.printf(Locale.ROOT, "%6d  %-11s %6d  %9.1f  %13.1f%n", n, phase, ns / 1_000_000, ns / 1000.0 / n,
                peak / 1048576.0);
        return result;
    }

    static void check(boolean ok, String what) {
        if (!ok) {
            throw new IllegalStateException(what);
        }
    }
}
