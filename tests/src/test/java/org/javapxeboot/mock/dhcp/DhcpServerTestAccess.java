package org.javapxeboot.mock.dhcp;

import java.util.List;
import org.dhcp4java.DHCPPacket;
import org.javapxeboot.mock.PxeMockServer;
import org.javapxeboot.net.MacAddress;

/** {@link DhcpServerTest}'s request builder and exchange, for tests in other packages. */
public final class DhcpServerTestAccess {
    private DhcpServerTestAccess() {}

    public static DHCPPacket request(MacAddress mac, byte type, int xid) { return DhcpServerTest.request(mac, type, xid); }

    public static List<DHCPPacket> exchange(PxeMockServer server, DHCPPacket p) throws Exception { return DhcpServerTest.exchange(server, p); }
}
