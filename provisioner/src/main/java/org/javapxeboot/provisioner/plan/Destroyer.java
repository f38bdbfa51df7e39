package org.javapxeboot.provisioner.plan;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.javapxeboot.provisioner.model.Disk;
import org.javapxeboot.provisioner.model.Guest;
import org.javapxeboot.provisioner.storage.Lvm;
import org.javapxeboot.provisioner.storage.StorageException;
import org.javapxeboot.xman.vm.VirtException;
import org.javapxeboot.xman.vm.VmControl;

/**
 * Removes one guest: its libvirt definition (stopping it first only when asked), its configs,
 * kickstart, pxelinux or GRUB entry, dnsmasq example and install mark, and, when asked, its file
 * disks, the LVs the YAML creates and a UEFI guest's NVRAM file. Never a phy disk. Steps are listed as they are done, so that after a failure the caller
 * can say exactly what was done.
 */
public final class Destroyer {

    /**
     * What was done, in order ({@code "- removed PATH"}, {@code "= kept disk ..."}), and why it
     * stopped (null when it finished).
     */
    public record Outcome(List<String> done, String failure) {
        public boolean ok() {
            return failure == null;
        }
    }

    private final Layout layout;
    private final Lvm lvm;
    private final VmControl vm;

    /** @param lvm the LVM scripts, needed only to delete LVs (null: an LV to delete is a failure) */
    public Destroyer(Layout layout, Lvm lvm, VmControl vm) {
        this.layout = layout;
        this.lvm = lvm;
        this.vm = vm;
    }

    /** Whether destroying {@code g} with these flags needs the LVM scripts. */
    public static boolean needsLvm(Guest g, boolean deleteDisks) {
        return deleteDisks && g.disks().stream().anyMatch(x -> x.type() == Disk.Type.LVM && x.create());
    }

    /**
     * Destroys {@code g} (already resolved against the layout). A running guest is refused
     * unless {@code forceStop}; disks stay unless {@code deleteDisks}.
     */
    public Outcome destroy(Guest g, boolean deleteDisks, boolean forceStop) {
        String name = g.name();
        List<String> done = new ArrayList<>();
        try {
            VmControl.DomainInfo d = null;
            try {
                d = vm.lookup(name);
            } catch (VirtException e) {
                if (e.kind() != VirtException.Kind.NO_DOMAIN) {
                    throw e;
                }
            }
            if (d != null) {
                boolean active = d.state() != VmControl.DomainState.SHUTOFF && d.state() != VmControl.DomainState.CRASHED
                        && d.id() > 0;
                if (active && !forceStop) {
                    return new Outcome(done, name + " is " + d.state().name().toLowerCase(Locale.ROOT)
                            + "; shut it down first or pass --force-stop");
                }
                if (active) {
                    vm.destroy(name);
                    done.add("- stopped " + name);
                }
                vm.undefine(name);
                done.add("- undefined " + name);
            }
            for (Path p : List.of(layout.xl(g), layout.xm(g), layout.domainXml(g), layout.kickstart(name),
                    layout.pxelinux(g), layout.grub(g), layout.dnsmasq(g), layout.installed(name))) {
                if (Files.deleteIfExists(p)) {
                    done.add("- removed " + p);
                }
            }
            Path nvram = layout.nvram(name);
            if (Files.exists(nvram, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
                // the guest's UEFI variables (its boot entries): part of the installed machine, like its disks
                if (deleteDisks && Files.deleteIfExists(nvram)) {
                    done.add("- deleted NVRAM " + nvram);
                } else if (!deleteDisks) {
                    done.add("= kept NVRAM " + nvram + " (--delete-disks removes it)");
                }
            }
            for (Disk disk : g.disks()) {
                if (!deleteDisks) {
                    if (disk.type() != Disk.Type.PHY) {
                        done.add("= kept disk " + disk.path() + " (--delete-disks removes it)");
                    }
                    continue;
                }
                if (disk.type() == Disk.Type.FILE && Files.deleteIfExists(Path.of(disk.path()))) {
                    done.add("- deleted disk " + disk.path());
                } else if (disk.type() == Disk.Type.LVM && disk.create()) {
                    if (lvm == null) {
                        throw new StorageException("cannot remove " + disk.path() + ": no lvm-scripts/ found");
                    }
                    if (lvm.lvRemove(disk.vg(), disk.lv(), false).status().equals("removed")) {
                        done.add("- removed logical volume " + disk.vg() + "/" + disk.lv());
                    }
                }
            }
            return new Outcome(done, null);
        } catch (VirtException | StorageException | IOException e) {
            return new Outcome(done, e.getMessage());
        }
    }
}
