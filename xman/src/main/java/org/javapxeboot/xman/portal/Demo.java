package org.javapxeboot.xman.portal;

import org.javapxeboot.xman.daemon.Audit;
import org.javapxeboot.xman.daemon.XmandServer;
import org.javapxeboot.xman.portal.fleet.LibvirtStates;
import org.javapxeboot.xman.vm.LibvirtVmControl;
import org.javapxeboot.xman.vm.VirtException;

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
 * over them on --listen (loopback only). Nothing leaves the machine; nothing real is touched.
 */
final class Demo {
    static final String NODE = """
            <node>
              <cpu><mhz>2000</mhz><model>demo-cpu</model><active>4</active><nodes>1</nodes>
                <sockets>1</sockets><cores>2</cores><threads>2</threads></cpu>
              <memory>8388608</memory>
              <domain type='test'><name>%1$s-1</name><memory>1048576</memory><currentMemory>1048576</currentMemory><vcpu>2</vcpu><os><type>hvm</type></os></domain>
              <domain type='test'><name>%1$s-2</name><memory>524288</memory><currentMemory>524288</currentMemory><vcpu>1</vcpu><os><type>hvm</type></os></domain>
            </node>
            """;

    private Demo() {}

    static int run(String listen, PrintStream err) {
        try {
            Path dir = Files.createTempDirectory("xman-portal-demo");
            dir.toFile().deleteOnExit();
            StringBuilder hosts = new StringBuilder();
            for (String name : List.of("skirit80", "skirit81")) {
                Path node = dir.resolve(name + ".xml");
                Files.writeString(node, String.format(NODE, name));
                node.toFile().deleteOnExit();
                LibvirtVmControl vm = new LibvirtVmControl("test://" + node.toAbsolutePath());
                Audit audit = new Audit(OutputStream.nullOutputStream(), null, Clock.systemUTC(), name);
                XmandServer x = new XmandServer(new XmandServer.Settings(new InetSocketAddress("127.0.0.1", 0), name, 64 * 1024, 4, 16,
                        null, true, null, true), vm, null, null, audit);
                x.start();
                hosts.append(hosts.length() == 0 ? "" : ",").append("127.0.0.1:").append(x.address().getPort());
                err.println("xman-portal: demo xmand " + name + " (libvirt test driver) on 127.0.0.1:" + x.address().getPort());
            }
            Portal.Config c = new Portal.Config(List.of(hosts.toString().split(",")), null, listen, null, null, null, null, null, null,
                    null, 2, 5, true, true, 8, 8);
            try (Portal.Running r = Portal.start(c, new LibvirtStates(), err)) {
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
