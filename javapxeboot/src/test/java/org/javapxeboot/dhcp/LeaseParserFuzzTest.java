package org.javapxeboot.dhcp;

import static org.javapxeboot.dhcp.Replies.ack;
import static org.javapxeboot.dhcp.Replies.concat;
import static org.javapxeboot.dhcp.Replies.field;
import static org.javapxeboot.dhcp.Replies.ip;
import static org.javapxeboot.dhcp.Replies.tlv;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.SplittableRandom;
import org.dhcp4java.DHCPPacket;
import org.junit.jupiter.api.Test;

/**
 * Mutated ACKs into the lease parser: each must give a lease or a DhcpException, never anything else
 * (a NullPointerException or ArrayIndexOutOfBoundsException here would crash the bootloader with a stack
 * trace). Fixed seed, so a failure reproduces; the failing input is printed as hex.
 */
class LeaseParserFuzzTest {
    private static final int ROUNDS = 5000;

    private static byte[] seed() {
        DHCPPacket p = ack("10.0.0.5", "10.0.0.1");
        p.setSiaddr(ip("10.0.0.2"));
        p.setOptionRaw((byte) 52, new byte[] {3});
        p.setOptionRaw((byte) 3, ip("10.0.0.254").getAddress());
        p.setOptionRaw((byte) 6, concat(ip("10.0.0.53").getAddress(), ip("10.0.0.54").getAddress()));
        p.setOptionRaw((byte) 12, "guest1".getBytes(StandardCharsets.US_ASCII));
        p.setOptionRaw((byte) 209, "pxelinux.cfg/x".getBytes(StandardCharsets.US_ASCII));
        p.setFileRaw(field(128, concat(tlv(67, "pxelinux.0\0".getBytes(StandardCharsets.US_ASCII)),
                tlv(210, "/tftp/".getBytes(StandardCharsets.US_ASCII)), new byte[] {(byte) 255})));
        p.setSnameRaw(field(64, concat(tlv(15, "example.org".getBytes(StandardCharsets.US_ASCII)),
                new byte[] {(byte) 255})));
        return p.serialize();
    }

    @Test
    void mutatedAcksGiveALeaseOrADhcpException() throws Exception {
        byte[] seed = seed();
        LeaseParser.parse(seed); // the seed itself is a good lease
        SplittableRandom r = new SplittableRandom(20261121);
        int leases = 0, rejected = 0;
        for (int round = 0; round < ROUNDS; round++) {
            byte[] m = mutate(seed, r);
            try {
                LeaseParser.parse(m);
                leases++;
            } catch (DhcpException e) {
                rejected++;
                assertTrue(e.getMessage() != null && !e.getMessage().contains("\n"), "one-line message: " + e.getMessage());
            } catch (RuntimeException e) {
                fail("round " + round + ": " + e + " for input " + java.util.HexFormat.of().formatHex(m), e);
            }
        }
        // Both outcomes must occur, or the mutations are too weak (or too strong) to test anything.
        assertTrue(leases > ROUNDS / 10 && rejected > ROUNDS / 10, leases + " leases, " + rejected + " rejected");
    }

    private static byte[] mutate(byte[] seed, SplittableRandom r) {
        byte[] m = seed.clone();
        int edits = 1 + r.nextInt(4);
        for (int e = 0; e < edits; e++) {
            switch (r.nextInt(5)) {
                case 0: // flip a byte in the options or the overloaded fields, where the structure is
                    if (m.length > 44) m[44 + r.nextInt(m.length - 44)] = (byte) r.nextInt(256);
                    break;
                case 1: // set a length byte to something large or small
                    if (m.length > 240) m[240 + r.nextInt(m.length - 240)] = (byte) (r.nextBoolean() ? 255 : r.nextInt(8));
                    break;
                case 2: // truncate
                    m = Arrays.copyOf(m, r.nextInt(m.length + 1));
                    break;
                case 3: // insert random bytes in the options
                    if (m.length > 240) {
                        int at = 240 + r.nextInt(m.length - 240);
                        byte[] ins = new byte[1 + r.nextInt(6)];
                        for (int i = 0; i < ins.length; i++) ins[i] = (byte) r.nextInt(256);
                        m = concat(Arrays.copyOf(m, at), ins, Arrays.copyOfRange(m, at, m.length));
                    }
                    break;
                default: // anywhere at all
                    if (m.length > 0) m[r.nextInt(m.length)] = (byte) r.nextInt(256);
            }
        }
        return m;
    }
}
