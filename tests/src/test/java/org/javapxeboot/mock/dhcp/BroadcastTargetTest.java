package org.javapxeboot.mock.dhcp;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.net.Inet4Address;
import java.util.List;
import org.javapxeboot.mock.dhcp.BroadcastTarget.LocalNet;
import org.junit.jupiter.api.Test;

/**
 * Where a broadcast reply goes: found when real firmware (SeaBIOS + iPXE in a TCG guest on a bridge
 * in a network namespace without a default route) never saw an OFFER, because sending to
 * 255.255.255.255 failed with "Network is unreachable".
 */
class BroadcastTargetTest {
    static Inet4Address ip(String s) {
        return (Inet4Address) DhcpServerConfig.ipv4(s);
    }

    static final List<LocalNet> HOST = List.of(
        new LocalNet(ip("127.0.0.1"), 8),
        new LocalNet(ip("192.168.1.10"), 24),
        new LocalNet(ip("10.77.0.1"), 24),
        new LocalNet(ip("172.16.0.1"), 12));

    @Test void aClientOnALocalSubnetGetsThatSubnetsBroadcast() {
        assertEquals(ip("10.77.0.255"), BroadcastTarget.of(ip("10.77.0.50"), HOST));
        assertEquals(ip("192.168.1.255"), BroadcastTarget.of(ip("192.168.1.200"), HOST));
        assertEquals(ip("172.31.255.255"), BroadcastTarget.of(ip("172.20.3.4"), HOST), "prefix /12, not a byte boundary");
    }

    @Test void aClientOnNoLocalSubnetGetsTheLimitedBroadcast() {
        assertEquals(ip("255.255.255.255"), BroadcastTarget.of(ip("10.78.0.50"), HOST), "behind a relay or on another link");
        assertEquals(ip("255.255.255.255"), BroadcastTarget.of(ip("172.32.0.1"), HOST), "just outside the /12");
        assertEquals(ip("255.255.255.255"), BroadcastTarget.of(ip("10.77.0.50"), List.of()), "interfaces unreadable");
    }

    @Test void noAddressOrLoopbackNeverPicksASubnet() {
        assertEquals(ip("255.255.255.255"), BroadcastTarget.of(null, HOST));
        assertEquals(ip("255.255.255.255"), BroadcastTarget.of(ip("0.0.0.0"), HOST), "a NAK without yiaddr or server id");
        assertEquals(ip("255.255.255.255"), BroadcastTarget.of(ip("127.0.0.5"), HOST), "loopback has no link to broadcast on");
    }

    @Test void pointToPointAddressesAreSkipped() {
        List<LocalNet> nets = List.of(new LocalNet(ip("10.77.0.50"), 32), new LocalNet(ip("10.77.0.50"), 31), new LocalNet(ip("10.77.0.2"), 24));
        assertEquals(ip("10.77.0.255"), BroadcastTarget.of(ip("10.77.0.50"), nets));
        assertEquals(ip("10.77.0.51"), BroadcastTarget.of(ip("10.77.0.49"), List.of(new LocalNet(ip("10.77.0.50"), 30))));
    }
}
