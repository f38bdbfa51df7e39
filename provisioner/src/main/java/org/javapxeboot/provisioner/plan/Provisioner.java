package org.javapxeboot.provisioner.plan;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.javapxeboot.provisioner.model.Cluster;
import org.javapxeboot.provisioner.model.Disk;
import org.javapxeboot.provisioner.model.Guest;
import org.javapxeboot.provisioner.model.VolumeGroup;
import org.javapxeboot.provisioner.render.DomainXml;
import org.javapxeboot.provisioner.render.Kickstart;
import org.javapxeboot.provisioner.render.RenderException;
import org.javapxeboot.provisioner.render.XlConfig;
import org.javapxeboot.provisioner.render.XmConfig;
import org.javapxeboot.provisioner.storage.FileDisks;
import org.javapxeboot.provisioner.storage.Lvm;
import org.javapxeboot.provisioner.storage.StorageException;
import org.javapxeboot.xman.vm.VirtException;
import org.javapxeboot.xman.vm.VmControl;
import org.javapxeboot.xman.vm.VmControl.DomainInfo;
import org.javapxeboot.xman.vm.VmControl.DomainState;

/**
 * Plans and applies a {@link Cluster}: volume groups, disks, configs, kickstarts, pxelinux entries,
 * libvirt definitions, starts.
 *
 * <p>{@link #plan()} only reads (files, LVM through the scripts' {@code --dry-run}, libvirt's
 * domain list). {@link #apply()} first renders everything in memory, so a broken template stops it
 * before anything is touched; then works guest by guest in a fixed order (disks, libvirt
 * definition, files, start) and stops a guest at its first failure. It reports each step as it is
 * done, so that after a failure the caller can print exactly what was done; running apply again
 * continues from there, because every step first checks whether it is still needed.
 */
public final class Provisioner {

    /**
     * @param grow        grow disks and LVs that are smaller than asked (never shrink)
     * @param preallocate write new file disks in full instead of sparse
     * @param start       start guests that are not running
     * @param reinstall   guests whose domain boots its disk without an ack recorded, to define
     *                    back to the installer (and start, if shut off) anyway; see {@link #plan()}
     */
    public record Options(boolean grow, boolean preallocate, boolean start, Set<String> reinstall) {
        public static final Options DEFAULT = new Options(false, false, true);

        public Options {
            reinstall = Set.copyOf(reinstall);
        }

        public Options(boolean grow, boolean preallocate, boolean start) {
            this(grow, preallocate, start, Set.of());
        }
    }

    /**
     * What a plan found for one guest, with everything rendered; {@code outputs} has every file the
     * guest's outputs should hold once applied, with the SHA-256 of its wanted content (for {@link ApplyStamp}).
     */
    public record GuestPlan(Guest guest, List<Action> actions, Map<Path, String> files, String domainXml,
                            boolean define, boolean start, Boolean autostart, boolean active, boolean diskBoot,
                            Map<Path, String> outputs) {

        /** This plan once applied: without the rendered files and domain XML (empty), which were written. */
        GuestPlan applied() {
            return new GuestPlan(guest, actions, Map.of(), "", define, start, autostart, active, diskBoot, outputs);
        }
    }

    /** The whole plan. */
    public record Plan(List<Action> hostActions, List<GuestPlan> guests, int unchangedGuests) {

        public List<Action> actions() {
            List<Action> all = new ArrayList<>(hostActions);
            for (GuestPlan g : guests) {
                all.addAll(g.actions());
            }
            return all;
        }

        public boolean hasChanges() {
            return actions().stream().anyMatch(Action::isChange);
        }

        public String summary() {
            int create = 0;
            int change = 0;
            int start = 0;
            int differs = 0;
            for (Action a : actions()) {
                switch (a.kind()) {
                    case CREATE_VG: case CREATE_DISK: case CREATE_LV: case WRITE_FILE: case DEFINE:
                        create++;
                        break;
                    case START:
                        start++;
                        break;
                    case DIFFERS:
                        differs++;
                        break;
                    default:
                        change++;
                }
            }
            return "Plan: " + create + " to create, " + change + " to change, " + start + " to start, " + differs
                    + " differing (left alone); " + unchangedGuests + " of " + guests.size() + " guest(s) unchanged.";
        }
    }

    private final Cluster cluster;
    private final Layout layout;
    private final Kickstart kickstart;
    private final FileDisks files;
    private final VmControl vm;
    private final Options options;
    private final Reporter reporter;
    private final StoragePlanner storage;

    public Provisioner(Cluster cluster, Layout layout, Kickstart kickstart, Lvm lvm, FileDisks files, VmControl vm,
                       Options options, Reporter reporter) {
        this.cluster = cluster;
        this.layout = layout;
        this.kickstart = kickstart;
        this.files = files;
        this.vm = vm;
        this.options = options;
        this.reporter = reporter;
        this.storage = new StoragePlanner(cluster, lvm, options);
    }

    // ---- plan ----

    public Plan plan() throws ProvisionException {
        List<String> errors = new ArrayList<>();
        Map<String, DomainInfo> domains = new HashMap<>();
        try {
            for (DomainInfo d : vm.list()) {
                domains.put(d.name(), d);
            }
        } catch (VirtException e) {
            throw new ProvisionException(List.of("cannot list domains: " + e.getMessage()));
        }
        List<Action> host = new ArrayList<>();
        Set<String> vgsToCreate = storage.planVolumeGroups(host, errors);
        List<GuestPlan> plans = new ArrayList<>();
        int unchanged = 0;
        int i = 0;
        for (Guest raw : cluster.guests()) {
            Guest g = layout.resolve(raw);
            try {
                GuestPlan gp = planGuest(g, domains.get(g.name()), vgsToCreate);
                plans.add(gp);
                if (gp.actions().stream().noneMatch(Action::isChange)) {
                    unchanged++;
                }
            } catch (StoragePlanner.DiskProblem e) {
                errors.add(e.where + ": " + g.name() + ": " + e.getMessage());
            } catch (RenderException | StorageException | IOException | VirtException e) {
                for (String line : String.valueOf(e.getMessage()).split("\n")) {
                    errors.add(g.where() + ": " + g.name() + ": " + line);
                }
            }
            reporter.progress("plan", ++i, cluster.guests().size());
        }
        if (!errors.isEmpty()) {
            throw new ProvisionException(errors);
        }
        return new Plan(host, plans, unchanged);
    }

    private GuestPlan planGuest(Guest g, DomainInfo domain, Set<String> vgsToCreate)
            throws RenderException, StorageException, IOException, VirtException {
        List<Action> actions = new ArrayList<>();
        // A disk is never changed under a running guest: its kernel would not see the new size
        // and a file system on it could be corrupted. Growing waits until the guest is stopped.
        boolean running = domain != null && domain.state() != DomainState.SHUTOFF
                && domain.state() != DomainState.CRASHED && domain.state() != DomainState.NOSTATE;
        for (Disk d : g.disks()) {
            storage.planDisk(g, d, vgsToCreate, actions, options.grow() && !running, running);
        }
        boolean installed = installed(g);
        // A domain that already boots its disk (the installer ran, its ack was missed) is never
        // defined back to the installer: its kickstart's clearpart would wipe the installed disk.
        // Only --reinstall NAME does that. A shut-off domain's XML is its persistent definition. A
        // running one is never started by apply, and any definition it is given is followed at
        // once by the disk boot again (see applyGuest); it stays kept once its saved definition
        // boots the disk, so that apply does not flip it back and forth.
        boolean keptOnDisk = false;
        boolean reinstalling = false;
        Path xmlPath = layout.domainXml(g);
        String savedXml = AtomicFiles.read(xmlPath).orElse(null);
        if (domain != null && DomainXml.installerBoot(g, installed)) {
            keptOnDisk = running ? savedXml != null && !DomainXml.bootsInstaller(savedXml)
                    : !DomainXml.bootsInstaller(vm.describe(g.name()));
            if (keptOnDisk && options.reinstall().contains(g.name())) {
                keptOnDisk = false;
                reinstalling = true;
                actions.add(new Action(Action.Kind.REDEFINE, g.name(), "libvirt domain",
                        "boots its disk; --reinstall: back to the installer"));
            } else if (keptOnDisk) {
                actions.add(new Action(Action.Kind.DIFFERS, g.name(), "libvirt domain", "boots its disk but no ack"
                        + " was recorded: kept on its disk; --reinstall " + g.name() + " to reinstall"));
            }
        }
        boolean diskBoot = installed || keptOnDisk;
        String xml = DomainXml.render(g, cluster.server(), diskBoot);
        Map<Path, String> wanted = new LinkedHashMap<>();
        wanted.put(layout.kickstart(g.name()), kickstart.render(cluster.server(), g));
        if (g.hypervisor() == org.javapxeboot.provisioner.model.Hypervisor.XEN) {
            wanted.put(layout.xl(g), XlConfig.render(g));
            wanted.put(layout.xm(g), XmConfig.render(g));
        }
        wanted.putAll(layout.bootFiles(cluster.server(), g, installed));
        Map<Path, String> toWrite = new LinkedHashMap<>();
        Map<Path, String> outputs = new LinkedHashMap<>();
        for (Map.Entry<Path, String> e : wanted.entrySet()) {
            outputs.put(e.getKey(), ApplyStamp.sha256(e.getValue()));
            String have = AtomicFiles.read(e.getKey()).orElse(null);
            if (have == null) {
                actions.add(new Action(Action.Kind.WRITE_FILE, g.name(), e.getKey().toString(), null));
                toWrite.put(e.getKey(), e.getValue());
            } else if (!have.equals(e.getValue())) {
                actions.add(new Action(Action.Kind.UPDATE_FILE, g.name(), e.getKey().toString(), "content changed"));
                toWrite.put(e.getKey(), e.getValue());
            } else {
                // same content, but written by an older version or chmodded since: rewritten with
                // the mode and group it must have (a kickstart left 0644 holds the root hash)
                String meta = AtomicFiles.metaDiffers(e.getKey(), layout.mode(e.getKey()));
                if (meta != null) {
                    actions.add(new Action(Action.Kind.UPDATE_FILE, g.name(), e.getKey().toString(), meta));
                    toWrite.put(e.getKey(), e.getValue());
                }
            }
        }
        boolean define;
        if (domain == null) {
            define = true;
            actions.add(new Action(Action.Kind.DEFINE, g.name(), "libvirt domain", g.hypervisor().yamlName()));
        } else if (!xml.equals(savedXml) || reinstalling) {
            define = true;
            boolean active = domain.state() == DomainState.RUNNING || domain.state() == DomainState.PAUSED
                    || domain.state() == DomainState.BLOCKED;
            if (!reinstalling) { // else the REDEFINE above says why
                actions.add(new Action(Action.Kind.REDEFINE, g.name(), "libvirt domain",
                        savedXml == null ? "no saved definition in " + xmlPath : "definition changed"
                                + (active ? "; takes effect at the next boot" : "")));
            }
        } else {
            define = false;
        }
        if (define || savedXml == null || !xml.equals(savedXml)) {
            toWrite.put(xmlPath, xml);
            if (savedXml == null) {
                actions.add(new Action(Action.Kind.WRITE_FILE, g.name(), xmlPath.toString(), null));
            } else if (!xml.equals(savedXml)) {
                actions.add(new Action(Action.Kind.UPDATE_FILE, g.name(), xmlPath.toString(), "content changed"));
            }
        }
        outputs.put(xmlPath, ApplyStamp.sha256(xml));
        Boolean autostart = null;
        if (domain == null ? g.auto() : domain.autostart() != g.auto()) {
            autostart = g.auto();
            actions.add(new Action(Action.Kind.AUTOSTART, g.name(), "libvirt domain", g.auto() ? "on" : "off"));
        }
        boolean start = options.start() && (domain == null || domain.state() == DomainState.SHUTOFF
                || domain.state() == DomainState.CRASHED || domain.state() == DomainState.NOSTATE);
        if (start) {
            actions.add(new Action(Action.Kind.START, g.name(), "libvirt domain", diskBoot ? "boots its disk" : "boots the installer"));
        }
        // saved and compared without the UUID (libvirt picks it at the first define); sent with it after
        String toDefine = domain == null ? xml : DomainXml.render(g, cluster.server(), diskBoot, domain.uuid());
        return new GuestPlan(g, List.copyOf(actions), toWrite, toDefine, define, start, autostart, running, diskBoot,
                outputs);
    }

    /**
     * What {@link ApplyStamp} must compare to know that nothing changed since {@code plan} was
     * applied (in full, with no failure): every output and the folders they are in, each guest's
     * ack marker (present or not) and file disks, and the templates with the digests of the bytes
     * rendered. Empty when a re-plan may depend on more than those files: volume groups or LVM or
     * physical disks (their state is the host's), a differing item (printed by every apply),
     * or {@code --reinstall}.
     */
    public Optional<List<ApplyStamp.Entry>> stampEntries(Plan plan) {
        if (!plan.hostActions().isEmpty() || !options.reinstall().isEmpty()) {
            return Optional.empty();
        }
        List<ApplyStamp.Entry> entries = new ArrayList<>();
        Set<Path> folders = new java.util.LinkedHashSet<>();
        folders.add(layout.out());
        folders.add(layout.tftpRoot());
        for (GuestPlan gp : plan.guests()) {
            if (gp.actions().stream().anyMatch(a -> a.kind() == Action.Kind.DIFFERS)) {
                return Optional.empty();
            }
            for (Disk d : gp.guest().disks()) {
                if (d.type() != Disk.Type.FILE) {
                    return Optional.empty();
                }
                entries.add(ApplyStamp.of(ApplyStamp.Kind.DISK, Path.of(d.path())));
            }
            for (Map.Entry<Path, String> o : gp.outputs().entrySet()) {
                // the mode write gives it: recorded only if the file still has it (ApplyStamp.record)
                entries.add(new ApplyStamp.Entry(ApplyStamp.Kind.OUTPUT, o.getKey().toAbsolutePath().normalize(), o.getValue(),
                        layout.mode(o.getKey()).secret() ? "100640" : "100644"));
                for (Path d = o.getKey().toAbsolutePath().normalize().getParent(); d != null && !folders.contains(d)
                        && (d.startsWith(layout.out()) || d.startsWith(layout.tftpRoot())); d = d.getParent()) {
                    folders.add(d);
                }
            }
            entries.add(ApplyStamp.of(ApplyStamp.Kind.PRESENCE, layout.installed(gp.guest().name())));
        }
        for (Path d : folders) {
            entries.add(ApplyStamp.of(ApplyStamp.Kind.PRESENCE, d));
        }
        for (Map.Entry<Path, byte[]> t : kickstart.sources().entrySet()) {
            entries.add(new ApplyStamp.Entry(ApplyStamp.Kind.CONTENT, t.getKey(),
                    java.util.HexFormat.of().formatHex(t.getValue())));
        }
        return Optional.of(entries);
    }

    // ---- apply ----

    /**
     * Plans and applies under the output tree's {@link OutputLock} (waiting at most
     * {@link OutputLock#DEFAULT_WAIT} for another writer, such as an ack being handled).
     */
    public Report apply() throws ProvisionException {
        return apply(OutputLock.DEFAULT_WAIT);
    }

    /** {@link #apply()}, waiting at most {@code lockWait} for another writer of the output tree. */
    public Report apply(java.time.Duration lockWait) throws ProvisionException {
        // A first plan without the lock: a broken template or YAML stops here with nothing touched,
        // not even the output folder the lock file would be created in. The plan acted on is made
        // again under the lock, from what is there once the other writer is done. A caller that
        // holds the lock already (the CLI, which locks before it reads the embedded host) made the
        // folder and keeps other writers out: the plan under the lock is the only one needed.
        if (!OutputLock.heldByCurrentThread(layout.out())) {
            plan();
        }
        try (OutputLock lock = layout.lock(lockWait, "provision apply (pid " + OutputLock.pid() + ")")) {
            return applyLocked();
        } catch (java.io.IOException e) {
            throw new ProvisionException(List.of("cannot lock the output folder: " + e.getMessage()));
        }
    }

    private Report applyLocked() throws ProvisionException {
        Plan plan = plan();
        List<Action> done = new ArrayList<>();
        List<String> failures = new ArrayList<>();
        for (Action a : plan.hostActions()) {
            if (a.kind() == Action.Kind.CREATE_VG) {
                VolumeGroup vg = cluster.volumeGroups().get(a.target());
                try {
                    storage.lvm().vgEnsure(vg.name(), vg.pvs(), false);
                    record(done, a);
                } catch (StorageException e) {
                    failures.add(vg.where() + ": " + e.getMessage());
                }
            }
        }
        if (!failures.isEmpty()) {
            // every LV on a VG that could not be made would fail the same way; stop here
            return new Report(done, failures, plan);
        }
        // each batch's rendered files and XML are let go once applied: what is reported keeps
        // the actions and the outputs' digests, not thousands of kickstarts (the heap, and so the
        // resident set, of a large apply is what one batch renders, not the whole cluster)
        List<GuestPlan> guests = new ArrayList<>(plan.guests());
        List<Action> hostActions = plan.hostActions();
        int unchangedGuests = plan.unchangedGuests();
        plan = null;
        new ApplyBatch(cluster, layout, files, vm, options, reporter, storage).applyAll(guests, done, failures);
        return new Report(done, failures, new Plan(hostActions, guests, unchangedGuests));
    }

    private boolean installed(Guest g) {
        return Files.exists(layout.installed(g.name()), java.nio.file.LinkOption.NOFOLLOW_LINKS);
    }

    private void record(List<Action> done, Action a) {
        done.add(a);
        reporter.done(a);
    }
}
