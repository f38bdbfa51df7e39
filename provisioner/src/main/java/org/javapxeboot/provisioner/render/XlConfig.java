package org.javapxeboot.provisioner.render;

import java.util.ArrayList;
import java.util.List;
import org.javapxeboot.provisioner.model.Disk;
import org.javapxeboot.provisioner.model.Guest;
import org.javapxeboot.provisioner.model.Vif;

/**
 * xl.cfg(5) for a Xen PV guest. Disks use the xl-disk-configuration(5) key=value form with
 * {@code target=} last, because target is the one key whose value may contain commas.
 */
public final class XlConfig {
    private XlConfig() {
    }

    public static String render(Guest g) {
        StringBuilder b = new StringBuilder();
        b.append("# xl.cfg written by javapxeboot provisioner; edit the YAML instead\n");
        set(b, "name", ConfigString.dq(g.name()));
        set(b, "type", ConfigString.dq("pv"));
        set(b, "memory", Integer.toString(g.memoryMiB()));
        set(b, "vcpus", Integer.toString(g.vcpus()));
        if (XenArgs.usesBootloader(g)) {
            set(b, "bootloader", ConfigString.dq(g.bootloader()));
            set(b, "bootloader_args", list(XenArgs.bootloaderArgs(g)));
        } else {
            set(b, "kernel", ConfigString.dq(g.kernel()));
            if (g.ramdisk() != null) {
                set(b, "ramdisk", ConfigString.dq(g.ramdisk()));
            }
        }
        if (g.extra() != null) {
            set(b, "extra", ConfigString.dq(g.extra()));
        }
        List<String> vifs = new ArrayList<>();
        for (Vif v : g.vifs()) {
            vifs.add(XenArgs.vifSpec(v));
        }
        set(b, "vif", list(vifs));
        List<String> disks = new ArrayList<>();
        for (Disk d : g.disks()) {
            disks.add("format=raw, vdev=" + d.device() + ", access=" + (d.writable() ? "rw" : "ro") + ", target=" + d.path());
        }
        set(b, "disk", list(disks));
        set(b, "on_poweroff", ConfigString.dq(g.onPoweroff()));
        set(b, "on_reboot", ConfigString.dq(g.onReboot()));
        set(b, "on_crash", ConfigString.dq(g.onCrash()));
        return b.toString();
    }

    private static void set(StringBuilder b, String key, String value) {
        b.append(key).append(" = ").append(value).append('\n');
    }

    static String list(List<String> items) {
        StringBuilder b = new StringBuilder("[");
        for (int i = 0; i < items.size(); i++) {
            b.append(i == 0 ? " " : ", ").append(ConfigString.dq(items.get(i)));
        }
        return b.append(items.isEmpty() ? "]" : " ]").toString();
    }
}
