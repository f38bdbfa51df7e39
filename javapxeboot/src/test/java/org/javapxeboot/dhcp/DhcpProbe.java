package org.javapxeboot.dhcp;

import java.net.InetSocketAddress;
import java.time.Duration;
import org.javapxeboot.net.MacAddress;

/**
 * Runs the real client once and prints the lease as {@code key=value} lines, for the interop test, which runs
 * it inside a network namespace ({@code ip netns exec NS java -cp ... DhcpProbe MAC IFACE SECONDS}).
 * Exit 0 with a lease, 1 with the DhcpException's message on stderr.
 */
public final class DhcpProbe {
    private DhcpProbe() {}

    public static void main(String[] args) {
        DhcpClient.Settings s = DhcpClient.Settings.defaults(MacAddress.parse(args[0]))
                .withInterface(args[1])
                .withTotalTimeout(Duration.ofSeconds(Long.parseLong(args[2])))
                .withLog(System.err::println);
        if (args.length > 3) s = s.withBind(new InetSocketAddress("0.0.0.0", Integer.parseInt(args[3])));
        try {
            DhcpLease l = new DhcpClient(s).obtain();
            System.out.println("clientAddress=" + addr(l.clientAddress()));
            System.out.println("serverIdentifier=" + addr(l.serverIdentifier()));
            System.out.println("nextServer=" + addr(l.nextServer()));
            System.out.println("tftpServer=" + addr(l.tftpServer()));
            System.out.println("bootFile=" + l.bootFile());
            System.out.println("configFile=" + l.configFile());
            System.out.println("pathPrefix=" + l.pathPrefix());
            System.out.println("subnetMask=" + addr(l.subnetMask()));
            System.out.println("router=" + addr(l.router()));
            System.out.println("leaseSeconds=" + l.leaseSeconds());
        } catch (DhcpException e) {
            System.err.println("error: " + e.getMessage());
            System.exit(1);
        }
    }

    private static String addr(java.net.InetAddress a) { return a == null ? "null" : a.getHostAddress(); }
}
