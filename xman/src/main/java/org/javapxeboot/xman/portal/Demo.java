package org.javapxeboot.xman.portal;

import org.javapxeboot.xman.daemon.Audit;
import org.javapxeboot.xman.daemon.XmandServer;
import org.javapxeboot.xman.vm.LibvirtVmControl;
import org.javapxeboot.xman.vm.VirtException;
import org.javapxeboot.xman.wire.DomainMetadata;

import java.io.OutputStream;
import java.io.PrintStream;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.List;
import java.util.concurrent.CountDownLatch;

/**
 * xman-portal --demo: two xmand servers in this process on libvirt's test driver (each its own
 * node file, so they do not share domains), without TLS or Kerberos on loopback, and the portal
 * over them on --listen (loopback only), with a JSON job source so that the seven states show.
 * Nothing leaves the machine; nothing real is touched.
 */
final class Demo {
    static final String NODE = """
            <node>
              <cpu><mhz>2000</mhz><model>demo-cpu</model><active>4</active><nodes>1</nodes>
                <sockets>1</sockets><cores>2</cores><threads>2</threads></cpu>
              <memory>8388608</memory>
              <domain type='test'><name>%1$s-1</name>%2$s<memory>1048576</memory><currentMemory>1048576</currentMemory><vcpu>2</vcpu><os><type>hvm</type></os></domain>
              <domain type='test'><name>%1$s-2</name>%3$s<memory>524288</memory><currentMemory>524288</currentMemory><vcpu>1</vcpu><os><type>hvm</type></os></domain>
            </node>
            """;

    /**
     * The batch system's view for the demo (a JSON job source): on skirit80 the first domain runs a
     * job and the second, of higher priority, could preempt it; on skirit81 nothing runs.
     */
    static final String NODES = """
            {"nodes": [
              {"name": "skirit80-1", "state": "busy", "jobs": 1, "resources": true},
              {"name": "skirit80-2", "state": "free", "jobs": 0, "resources": false},
              {"name": "skirit81-1", "state": "free", "jobs": 0, "resources": true},
              {"name": "skirit81-2", "state": "free", "jobs": 0, "resources": true}
            ]}
            """;

    private Demo() {}

    private static String priority(int p) {
        return "<metadata>" + new DomainMetadata(p, List.of()).element("") + "</metadata>";
    }

    static int run(String listen, PrintStream err) {
        Portal.serverLimits();
        try {
            Path dir = Files.createTempDirectory("xman-portal-demo");
            dir.toFile().deleteOnExit();
            StringBuilder hosts = new StringBuilder();
            for (String name : List.of("skirit80", "skirit81")) {
                Path node = dir.resolve(name + ".xml");
                Files.writeString(node, String.format(NODE, name, priority(0), priority(name.equals("skirit80") ? 10 : 0)));
                node.toFile().deleteOnExit();
                LibvirtVmControl vm = new LibvirtVmControl("test://" + node.toAbsolutePath());
                Audit audit = new Audit(OutputStream.nullOutputStream(), null, Clock.systemUTC(), name);
                XmandServer x = new XmandServer(new XmandServer.Settings(new InetSocketAddress("127.0.0.1", 0), name, 64 * 1024, 4, 16,
                        null, true, null, true), vm, null, null, audit);
                x.start();
                hosts.append(hosts.length() == 0 ? "" : ",").append("127.0.0.1:").append(x.address().getPort());
                err.println("xman-portal: demo xmand " + name + " (libvirt test driver) on 127.0.0.1:" + x.address().getPort());
            }
            Path nodes = dir.resolve("nodes.json");
            Files.writeString(nodes, NODES);
            nodes.toFile().deleteOnExit();
            Portal.Config c = new Portal.Config(List.of(hosts.toString().split(",")), null, listen, null, null, null, null, null, null,
                    null, 2, 5, true, true, 8, 8, "json:" + nodes);
            try (Portal.Running r = Portal.start(c, Portal.view(c), err)) {
                err.println("xman-portal: demo: open " + r.url());
                CountDownLatch stop = new CountDownLatch(1);
                Runtime.getRuntime().addShutdownHook(new Thread(stop::countDown));
                stop.await();
            }
            return 0;
        } catch (IllegalArgumentException e) {
            err.println("xman-portal: " + e.getMessage());
            return 2;
        } catch (VirtException | java.io.IOException | java.security.GeneralSecurityException e) {
            err.println("xman-portal: demo: " + e.getMessage());
            return 1;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return 1;
        }
    }
}
