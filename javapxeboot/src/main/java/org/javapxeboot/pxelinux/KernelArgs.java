package org.javapxeboot.pxelinux;

import java.net.Inet4Address;
import java.util.ArrayList;
import java.util.List;

/** The final kernel command line handed to Xen. */
public final class KernelArgs {
    /** IPAPPEND/SYSAPPEND bit 1: {@code ip=client:server:gateway:netmask}. */
    public static final int IP = 1;
    /** IPAPPEND/SYSAPPEND bit 2: {@code BOOTIF=01-mac}, the interface pxelinux booted from. */
    public static final int BOOTIF = 2;

    private KernelArgs() {}

    /**
     * The entry's arguments, then the IPAPPEND/SYSAPPEND strings (bit 1 {@code ip=}, bit 2 {@code BOOTIF=};
     * higher SYSAPPEND bits describe firmware a Xen guest does not have and are not emitted), then
     * {@code extraArgsOrNull} (xend/libxl {@code --args}). Words are separated by single spaces (double-quoted
     * words are kept intact), with no leading or trailing space.
     */
    public static String compose(BootEntry e, NetworkInfo net, String extraArgsOrNull) {
        List<String> words = new ArrayList<>(Tokens.split(e.append()));
        if ((e.ipappend() & IP) != 0 && net != null) {
            words.add("ip=" + dotted(net.client()) + ":" + dotted(net.server()) + ":" + dotted(net.gateway()) + ":"
                    + dotted(net.netmask()));
        }
        if ((e.ipappend() & BOOTIF) != 0 && net != null && net.mac() != null) {
            words.add("BOOTIF=" + net.mac().pxelinuxName());
        }
        words.addAll(Tokens.split(extraArgsOrNull));
        return String.join(" ", words);
    }

    private static String dotted(Inet4Address a) {
        return a == null ? "0.0.0.0" : a.getHostAddress();
    }
}
