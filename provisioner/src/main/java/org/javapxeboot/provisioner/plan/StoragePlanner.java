package org.javapxeboot.provisioner.plan;

import java.nio.file.Path;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import org.javapxeboot.provisioner.model.Cluster;
import org.javapxeboot.provisioner.model.Disk;
import org.javapxeboot.provisioner.model.Guest;
import org.javapxeboot.provisioner.model.Size;
import org.javapxeboot.provisioner.model.VolumeGroup;
import org.javapxeboot.provisioner.storage.FileDisks;
import org.javapxeboot.provisioner.storage.Lvm;
import org.javapxeboot.provisioner.storage.StorageException;

/**
 * The storage part of a {@link Provisioner} plan: which volume groups, file disks and logical
 * volumes to create or grow, found by reading the files and asking the LVM scripts' dry runs. A
 * disk is never shrunk, and never grown under a running guest.
 */
final class StoragePlanner {
    private final Cluster cluster;
    private final Lvm lvm;
    private final Provisioner.Options options;

    StoragePlanner(Cluster cluster, Lvm lvm, Provisioner.Options options) {
        this.cluster = cluster;
        this.lvm = lvm;
        this.options = options;
    }

    /** Volume groups the YAML allows creating and some disk uses; returns those that do not exist yet. */
    Set<String> planVolumeGroups(List<Action> host, List<String> errors) {
        Set<String> used = new LinkedHashSet<>();
        for (Guest g : cluster.guests()) {
            for (Disk d : g.disks()) {
                if (d.type() == Disk.Type.LVM && d.create()) {
                    used.add(d.vg());
                }
            }
        }
        Set<String> toCreate = new LinkedHashSet<>();
        for (String name : used) {
            VolumeGroup vg = cluster.volumeGroups().get(name);
            if (vg == null) {
                continue; // must exist; lv-ensure --dry-run says so if it does not
            }
            try {
                Lvm.Outcome o = lvm().vgEnsure(vg.name(), vg.pvs(), true);
                if (o.status().equals("would-create")) {
                    toCreate.add(vg.name());
                    host.add(new Action(Action.Kind.CREATE_VG, null, vg.name(), "on " + String.join(" ", vg.pvs())));
                }
            } catch (StorageException e) {
                errors.add(vg.where() + ": " + e.getMessage());
            }
        }
        return toCreate;
    }

    void planDisk(Guest g, Disk d, Set<String> vgsToCreate, List<Action> actions, boolean grow, boolean running)
            throws StorageException {
        String growHint = running && options.grow() ? "; not grown while the guest runs" : "; --grow grows it";
        switch (d.type()) {
            case FILE: {
                FileDisks.State s = FileDisks.inspect(Path.of(d.path()));
                if (!s.exists()) {
                    if (!d.create()) {
                        throw new DiskProblem(d, d.path() + " does not exist and create is false");
                    }
                    actions.add(new Action(Action.Kind.CREATE_DISK, g.name(), d.path(), Size.format(d.sizeBytes())
                            + (options.preallocate() ? " preallocated" : " sparse")));
                } else if (s.refusal(Path.of(d.path())) != null) {
                    throw new DiskProblem(d, s.refusal(Path.of(d.path())));
                } else if (d.sizeBytes() > 0 && s.sizeBytes() != d.sizeBytes()) {
                    if (s.sizeBytes() < d.sizeBytes() && grow) {
                        actions.add(new Action(Action.Kind.GROW_DISK, g.name(), d.path(), Size.format(s.sizeBytes())
                                + " to " + Size.format(d.sizeBytes())));
                    } else {
                        actions.add(new Action(Action.Kind.DIFFERS, g.name(), d.path(), "is " + Size.format(s.sizeBytes())
                                + ", YAML says " + Size.format(d.sizeBytes())
                                + (s.sizeBytes() > d.sizeBytes() ? "; never shrunk" : growHint)));
                    }
                }
                break;
            }
            case LVM: {
                if (!d.create()) {
                    break; // an existing LV the YAML does not manage
                }
                if (vgsToCreate.contains(d.vg())) {
                    actions.add(new Action(Action.Kind.CREATE_LV, g.name(), d.vg() + "/" + d.lv(), Size.format(d.sizeBytes())));
                    break;
                }
                Lvm.Outcome o;
                try {
                    o = lvm().lvEnsure(d.vg(), d.lv(), d.sizeBytes(), true, grow);
                } catch (StorageException e) {
                    throw new DiskProblem(d, e.getMessage()
                            + (cluster.volumeGroups().containsKey(d.vg()) ? "" : " (volume_groups: may allow creating it)"));
                }
                switch (o.status()) {
                    case "would-create":
                        actions.add(new Action(Action.Kind.CREATE_LV, g.name(), d.vg() + "/" + d.lv(), Size.format(o.requestedBytes())));
                        break;
                    case "would-grow":
                        actions.add(new Action(Action.Kind.GROW_LV, g.name(), d.vg() + "/" + d.lv(),
                                Size.format(o.sizeBytes()) + " to " + Size.format(o.requestedBytes())));
                        break;
                    case "differs":
                        actions.add(new Action(Action.Kind.DIFFERS, g.name(), d.vg() + "/" + d.lv(), "is "
                                + Size.format(o.sizeBytes()) + ", YAML says " + Size.format(o.requestedBytes())
                                + (o.sizeBytes() > o.requestedBytes() ? "; never shrunk" : growHint)));
                        break;
                    default:
                        break; // unchanged
                }
                break;
            }
            default:
                break; // phy: an existing device, never created
        }
    }

    /** A planning failure that belongs to one disk entry of the YAML. */
    static final class DiskProblem extends StorageException {
        final org.javapxeboot.provisioner.model.Location where;

        DiskProblem(Disk d, String message) {
            super(message);
            this.where = d.where();
        }
    }

    Lvm lvm() throws StorageException {
        if (lvm == null) {
            throw new StorageException("LVM disks need lvm-scripts/; none configured (set --lvm-scripts)");
        }
        return lvm;
    }
}
