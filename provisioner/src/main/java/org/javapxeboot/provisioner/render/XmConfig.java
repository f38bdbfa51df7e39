package org.javapxeboot.provisioner.render;

import java.util.ArrayList;
import java.util.List;
import org.javapxeboot.provisioner.model.Disk;
import org.javapxeboot.provisioner.model.Guest;
import org.javapxeboot.provisioner.model.Vif;

/**
 * A legacy xend (xm) config, as ncm-xen wrote them: Python assignments. xend runs the bootloader
 * with the vif string named by {@code bootargs} ("vif[0]") as a positional argument, which is how
 * javapxeboot learns the MAC. Disks use xm's {@code 'file:/path,sda,w'} and
 * {@code 'phy:/dev/vg/lv,hda3,w'} forms (the loader refuses commas in paths for this reason).
 */
public final class XmConfig {
    private XmConfig() {
    }

    public static String render(Guest g) {
        StringBuilder b = new StringBuilder();
        b.append("# xm config written by javapxeboot provisioner; edit the YAML instead\n");
        set(b, "name", ConfigString.dq(g.name()));
        set(b, "memory", Integer.toString(g.memoryMiB()));
        set(b, "vcpus", Integer.toString(g.vcpus()));
        if (XenArgs.usesBootloader(g)) {
            set(b, "bootloader", ConfigString.dq(g.bootloader()));
            set(b, "bootargs", ConfigString.dq(g.bootargs()));
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
            String prefix = d.type() == Disk.Type.FILE ? "file:" : "phy:";
            disks.add(prefix + d.path() + "," + d.device() + "," + (d.writable() ? "w" : "r"));
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

    private static String list(List<String> items) {
        StringBuilder b = new StringBuilder("[");
        for (int i = 0; i < items.size(); i++) {
            b.append(i == 0 ? " " : ", ").append(ConfigString.sq(items.get(i)));
        }
        return b.append(items.isEmpty() ? "]" : " ]").toString();
    }
}
