package org.javapxeboot.provisioner.plan;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.javapxeboot.provisioner.model.Cluster;
import org.javapxeboot.provisioner.model.Disk;
import org.javapxeboot.provisioner.model.Guest;
import org.javapxeboot.provisioner.model.Size;
import org.javapxeboot.provisioner.render.DomainXml;
import org.javapxeboot.provisioner.render.RenderException;
import org.javapxeboot.provisioner.storage.FileDisks;
import org.javapxeboot.provisioner.storage.Lvm;
import org.javapxeboot.provisioner.storage.StorageException;
import org.javapxeboot.xman.vm.VirtException;
import org.javapxeboot.xman.vm.VmControl;

/** The steps of {@link Provisioner#apply()} for a batch of planned guests. */
final class ApplyBatch {
    private final Cluster cluster;
    private final Layout layout;
    private final FileDisks files;
    private final VmControl vm;
    private final Provisioner.Options options;
    private final Reporter reporter;
    private final StoragePlanner storage;

    ApplyBatch(Cluster cluster, Layout layout, FileDisks files, VmControl vm, Provisioner.Options options,
               Reporter reporter, StoragePlanner storage) {
        this.cluster = cluster;
        this.layout = layout;
        this.files = files;
        this.vm = vm;
        this.options = options;
        this.reporter = reporter;
        this.storage = storage;
    }

    /**
     * Guests applied together, so that their files' fsyncs are issued together (one at a time, on
     * a busy disk each waits for its own journal commit). Each guest keeps its order: disks, then
     * its definition, then its files, then its start; a guest stops at its first failure (its
     * files are not written if its disk or definition failed, it is not started if a file failed),
     * and the others go on.
     */
    static final int SIZE = 128;

    /**
     * Every guest of {@code guests} in batches of {@link #SIZE}, pipelined: while one batch's
     * files are written (by other threads), this thread makes the next batch's disks and
     * definitions; then it waits for the files and starts those guests. Each guest keeps its own
     * order (disks, definition, files durable, start). Each applied plan is replaced in
     * {@code guests} by {@link Provisioner.GuestPlan#applied()}, without its rendered files.
     */
    void applyAll(List<Provisioner.GuestPlan> guests, List<Action> done, List<String> failures) {
        int i = 0;
        Writing inFlight = null;
        List<Provisioner.GuestPlan> inFlightBatch = null;
        int batches = (guests.size() + SIZE - 1) / SIZE;
        try {
            for (int b = 0; b <= batches; b++) {
                List<Provisioner.GuestPlan> batch = b == batches ? null
                        : guests.subList(b * SIZE, Math.min(guests.size(), (b + 1) * SIZE));
                List<Provisioner.GuestPlan> defined = batch == null ? null : before(batch, done, failures);
                if (inFlight != null) {
                    Writing w = inFlight;
                    inFlight = null;
                    after(w, done, failures);
                    for (int k = 0; k < inFlightBatch.size(); k++) {
                        inFlightBatch.set(k, inFlightBatch.get(k).applied());
                        reporter.progress("apply", ++i, guests.size());
                    }
                }
                inFlight = batch == null ? null : write(defined);
                inFlightBatch = batch;
            }
        } finally {
            if (inFlight != null) {
                await(inFlight); // never return (and unlock) while files are being written
            }
        }
    }

    /**
     * The batch's disks and definitions, guest by guest; returns the guests that got that far (a
     * guest whose disk or definition failed is reported in {@code failures} and goes no further).
     */
    List<Provisioner.GuestPlan> before(List<Provisioner.GuestPlan> batch, List<Action> done, List<String> failures) {
        List<Provisioner.GuestPlan> defined = new ArrayList<>(batch.size());
        for (Provisioner.GuestPlan gp : batch) {
            try {
                beforeFiles(gp, done);
                defined.add(gp);
            } catch (StorageException | VirtException | IOException | RenderException e) {
                failures.add(gp.guest().where() + ": " + gp.guest().name() + ": " + e.getMessage());
            }
        }
        return defined;
    }

    /** The files of defined guests being written by another thread (see {@link #write}). */
    static final class Writing {
        private final List<Provisioner.GuestPlan> defined;
        private final List<Path> paths = new ArrayList<>();
        private final List<Provisioner.GuestPlan> owners = new ArrayList<>();
        private java.util.concurrent.Future<List<IOException>> result;

        private Writing(List<Provisioner.GuestPlan> defined) {
            this.defined = defined;
        }
    }

    /**
     * Starts writing the files of {@code defined} (their disks and definitions done) on another
     * thread, so that the caller can make the next batch's disks and definitions meanwhile; nothing
     * else touches the files of these guests until {@link #after} has waited for it.
     */
    Writing write(List<Provisioner.GuestPlan> defined) {
        Writing w = new Writing(defined);
        List<String> contents = new ArrayList<>();
        for (Provisioner.GuestPlan gp : defined) {
            for (Map.Entry<Path, String> f : gp.files().entrySet()) {
                w.paths.add(f.getKey());
                contents.add(f.getValue());
                w.owners.add(gp);
            }
        }
        w.result = WRITER.submit(() -> layout.writeAll(w.paths, contents));
        return w;
    }

    /** One thread that writes a batch's files while the caller defines the next batch. */
    private static final java.util.concurrent.ExecutorService WRITER = java.util.concurrent.Executors.newSingleThreadExecutor(r -> {
        Thread t = new Thread(r, "apply-files");
        t.setDaemon(true);
        return t;
    });

    /**
     * Waits for the files of {@link #write} to be durable (every one fsynced and renamed, their
     * folders fsynced), records the steps, then sets autostart and starts each guest whose files
     * were all written.
     */
    void after(Writing w, List<Action> done, List<String> failures) {
        List<IOException> written = await(w);
        java.util.Set<Provisioner.GuestPlan> failed = java.util.Collections.newSetFromMap(new java.util.IdentityHashMap<>());
        for (int k = 0; k < w.paths.size(); k++) {
            Provisioner.GuestPlan gp = w.owners.get(k);
            IOException e = written.get(k);
            if (e == null) {
                String target = w.paths.get(k).toString();
                record(done, gp.actions().stream().filter(a -> a.target().equals(target)).findFirst()
                        .orElse(new Action(Action.Kind.WRITE_FILE, gp.guest().name(), target, null)));
            } else if (failed.add(gp)) {
                failures.add(gp.guest().where() + ": " + gp.guest().name() + ": " + e.getMessage());
            }
        }
        for (Provisioner.GuestPlan gp : w.defined) {
            if (failed.contains(gp)) {
                continue;
            }
            try {
                afterFiles(gp, done);
            } catch (VirtException | RenderException e) {
                failures.add(gp.guest().where() + ": " + gp.guest().name() + ": " + e.getMessage());
            }
        }
    }

    /** The write's outcome per file; never returns before the writing thread is done with the batch. */
    private static List<IOException> await(Writing w) {
        boolean interrupted = false;
        try {
            while (true) {
                try {
                    return w.result.get();
                } catch (InterruptedException e) {
                    interrupted = true; // the files are still being written: wait for them
                } catch (java.util.concurrent.ExecutionException e) {
                    IOException why = new IOException("cannot write its files: " + e.getCause(), e.getCause());
                    return java.util.Collections.nCopies(w.paths.size(), why);
                }
            }
        } finally {
            if (interrupted) {
                Thread.currentThread().interrupt();
            }
        }
    }

    /** A guest's disks, then its libvirt definition. */
    private void beforeFiles(Provisioner.GuestPlan gp, List<Action> done)
            throws StorageException, VirtException, IOException, RenderException {
        Guest g = gp.guest();
        for (Action a : gp.actions()) {
            switch (a.kind()) {
                case CREATE_DISK:
                case GROW_DISK: {
                    Disk d = disk(g, a.target());
                    FileDisks.Result r = files.ensure(Path.of(d.path()), d.sizeBytes(), options.preallocate(),
                            a.kind() == Action.Kind.GROW_DISK, reporter::bytes);
                    if (r.outcome() == FileDisks.Outcome.DIFFERS) {
                        throw new StorageException(d.path() + " " + r.detail() + " (changed since the plan)");
                    }
                    record(done, a);
                    break;
                }
                case CREATE_LV:
                case GROW_LV: {
                    Disk d = lv(g, a.target());
                    Lvm.Outcome o = storage.lvm().lvEnsure(d.vg(), d.lv(), d.sizeBytes(), false, a.kind() == Action.Kind.GROW_LV);
                    record(done, new Action(a.kind(), a.guest(), a.target(), o.status() + ", " + Size.format(o.sizeBytes())));
                    break;
                }
                default:
                    break;
            }
        }
        layout.nvramFolder(g); // libvirt does not make the NVRAM file's folder, and the start fails without it
        if (gp.define()) {
            // Before the files: if libvirt refuses the XML, no config claims a domain that is not there.
            vm.define(gp.domainXml());
            if (!gp.start() && gp.active() && !gp.diskBoot() && DomainXml.installerBoot(g, installed(g))) {
                // an installer running now: its next boot must be the disk, never the installer again
                vm.define(DomainXml.render(g, cluster.server(), true, vm.lookup(g.name()).uuid()));
            }
            record(done, gp.actions().stream().filter(a -> a.kind() == Action.Kind.DEFINE || a.kind() == Action.Kind.REDEFINE)
                    .findFirst().orElse(new Action(Action.Kind.DEFINE, g.name(), "libvirt domain", null)));
        }
    }

    /** Once the guest's files are durable: its autostart flag, then its start. */
    private void afterFiles(Provisioner.GuestPlan gp, List<Action> done) throws VirtException, RenderException {
        Guest g = gp.guest();
        if (gp.autostart() != null) {
            vm.setAutostart(g.name(), gp.autostart());
            record(done, new Action(Action.Kind.AUTOSTART, g.name(), "libvirt domain", gp.autostart() ? "on" : "off"));
        }
        if (gp.start()) {
            vm.start(g.name());
            if (!gp.diskBoot() && DomainXml.installerBoot(g, installed(g))) {
                // The installer now runs from the live definition; from here on the persistent one
                // boots the disk, so whatever starts this domain next (the installer's reboot is a
                // stop, see DomainXml; autostart; virsh start) never runs the installer again.
                vm.define(DomainXml.render(g, cluster.server(), true, vm.lookup(g.name()).uuid()));
            }
            record(done, new Action(Action.Kind.START, g.name(), "libvirt domain", null));
        }
    }

    private boolean installed(Guest g) {
        return Files.exists(layout.installed(g.name()), java.nio.file.LinkOption.NOFOLLOW_LINKS);
    }

    private void record(List<Action> done, Action a) {
        done.add(a);
        reporter.done(a);
    }

    private static Disk disk(Guest g, String path) {
        return g.disks().stream().filter(d -> d.path().equals(path)).findFirst().orElseThrow();
    }

    private static Disk lv(Guest g, String vgLv) {
        return g.disks().stream().filter(d -> d.type() == Disk.Type.LVM && (d.vg() + "/" + d.lv()).equals(vgLv))
                .findFirst().orElseThrow();
    }
}
