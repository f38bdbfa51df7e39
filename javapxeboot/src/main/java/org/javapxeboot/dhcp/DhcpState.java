package org.javapxeboot.dhcp;

import static org.dhcp4java.DHCPConstants.DHCPACK;
import static org.dhcp4java.DHCPConstants.DHCPDISCOVER;
import static org.dhcp4java.DHCPConstants.DHCPNAK;
import static org.dhcp4java.DHCPConstants.DHCPOFFER;
import static org.dhcp4java.DHCPConstants.DHCPREQUEST;

import java.time.Duration;

/**
 * The client's states as data, after iPXE's {@code struct dhcp_session_state}: what each sends, what it
 * accepts, how often it retransmits and when it gives up. {@link DhcpClient} only interprets this table.
 */
enum DhcpState {
    /** RFC 2131 §4.4.1 SELECTING: broadcast DISCOVERs until the deadline; the first usable OFFER wins. */
    SELECTING("DISCOVER", DHCPDISCOVER, "offer", new byte[] {DHCPOFFER}, 0, Duration.ofSeconds(8)),
    /**
     * RFC 2131 §4.4.1 REQUESTING: REQUEST the chosen offer. An ACK binds; a NAK, or silence after
     * {@code maxTransmissions} REQUESTs ("reverts to INIT state"), starts over with a new xid.
     */
    REQUESTING("REQUEST", DHCPREQUEST, "ACK", new byte[] {DHCPACK, DHCPNAK}, 4, Duration.ofSeconds(8)),
    /**
     * PXE 2.1 §2.2.5 boot server discovery, entered after the ACK only when the DHCP server gave no boot file
     * and a ProxyDHCP offer gave a menu instead: REQUEST the first menu item from its boot server on port 4011.
     * Silence after {@code maxTransmissions} (or the total timeout) keeps the lease without a boot file.
     */
    BOOT_SERVER("boot server REQUEST", DHCPREQUEST, "boot server ACK", new byte[] {DHCPACK}, 4, Duration.ofSeconds(4));

    /** The message name, as errors and logs print it. */
    final String sends;
    final byte messageType;
    /** What this state waits for, for "no DHCP offer for ..." messages. */
    final String awaits;
    private final byte[] accepts;
    /** Transmissions before giving up this state; 0 = until the total timeout. */
    final int maxTransmissions;
    /** RFC 2131 §4.1 doubles the retransmission delay; this caps it. */
    final Duration maxRetransmit;

    DhcpState(String sends, byte messageType, String awaits, byte[] accepts, int maxTransmissions,
              Duration maxRetransmit) {
        this.sends = sends;
        this.messageType = messageType;
        this.awaits = awaits;
        this.accepts = accepts;
        this.maxTransmissions = maxTransmissions;
        this.maxRetransmit = maxRetransmit;
    }

    boolean accepts(byte type) {
        for (byte a : accepts) if (a == type) return true;
        return false;
    }

    /**
     * The wait after the {@code transmission}-th send (1-based): {@code first}, doubled each time, capped at
     * {@link #maxRetransmit} (but never below {@code first}), then scaled by up to ±10 % so that many guests
     * booting at once do not retransmit in lock-step (RFC 2131 §4.1 randomises by ±1 s for the same reason).
     *
     * @param jitter uniform in [0, 1); 0.5 means no jitter
     */
    Duration retransmitDelay(Duration first, int transmission, double jitter) {
        long firstNanos = Math.max(1, first.toNanos());
        long cap = Math.max(firstNanos, maxRetransmit.toNanos());
        int shift = Math.min(Math.max(transmission - 1, 0), 30);
        long base = firstNanos > (cap >> shift) ? cap : Math.min(cap, firstNanos << shift);
        double scale = 1.0 + (jitter - 0.5) * 0.2;
        return Duration.ofNanos(Math.max(1, Math.round(base * scale)));
    }
}
