package org.javapxeboot.provisioner.render;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.javapxeboot.provisioner.model.Guest;
import org.javapxeboot.provisioner.model.Vif;

/** What the Xen writers share: the vif spec strings and the bootloader arguments. */
final class XenArgs {
    private XenArgs() {
    }

    /** xm/xl vif spec: {@code mac=aa:..,bridge=xenbr0}, keys in the order the YAML gave them. */
    static String vifSpec(Vif v) {
        StringBuilder b = new StringBuilder();
        for (Map.Entry<String, String> e : v.options().entrySet()) {
            if (b.length() > 0) {
                b.append(',');
            }
            b.append(e.getKey()).append('=').append(e.getValue());
        }
        return b.toString();
    }

    /**
     * xl passes the bootloader no MAC of its own (unlike xend, which passes the vif string), so the
     * MAC, and the bridge to send DHCP on, go in bootloader_args.
     */
    static List<String> bootloaderArgs(Guest g) {
        List<String> args = new ArrayList<>();
        Vif boot = g.vifs().get(0);
        args.add("--mac=" + boot.mac());
        if (boot.bridge() != null) {
            args.add("--interface=" + boot.bridge());
        }
        return args;
    }

    /** Whether the guest boots through the bootloader (no kernel given) rather than a kernel on the host. */
    static boolean usesBootloader(Guest g) {
        return g.kernel() == null;
    }
}
