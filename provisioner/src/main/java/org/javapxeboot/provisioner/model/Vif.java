package org.javapxeboot.provisioner.model;

import java.util.Map;

/**
 * One network interface, from an xm-style string {@code "mac=aa:00:86:e2:35:72, bridge=xenbr0"}.
 *
 * @param mac     lowercase, colon separated
 * @param bridge  the host bridge, or null for the hypervisor's default
 * @param options every key=value of the string in the order given (mac normalised), for the xm/xl writers
 */
public record Vif(String mac, String bridge, Map<String, String> options, Location where) {

    /** {@code aa-00-86-e2-35-72}: the form pxelinux uses in {@code pxelinux.cfg/01-...}. */
    public String macDashed() {
        return mac.replace(':', '-');
    }
}
