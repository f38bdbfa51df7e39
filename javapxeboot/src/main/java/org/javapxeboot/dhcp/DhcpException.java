package org.javapxeboot.dhcp;

import java.io.IOException;

/**
 * DHCP failed for a guest. The message is one line a person can act on: it names the guest's MAC, where
 * the requests went and what happened ("no DHCP offer for aa:00:86:e2:35:72 within 30 s (6 DISCOVERs sent to
 * 255.255.255.255:67)").
 */
public final class DhcpException extends IOException {
    private static final long serialVersionUID = 1L;

    public DhcpException(String message) { super(message); }

    public DhcpException(String message, Throwable cause) { super(message, cause); }
}
