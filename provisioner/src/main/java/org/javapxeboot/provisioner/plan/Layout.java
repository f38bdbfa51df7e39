package org.javapxeboot.provisioner.plan;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.javapxeboot.provisioner.model.Disk;
import org.javapxeboot.provisioner.model.Guest;
import java.util.Map;
import org.javapxeboot.provisioner.render.DnsmasqExample;
import org.javapxeboot.provisioner.render.GrubEntry;
import org.javapxeboot.provisioner.render.PxelinuxEntry;
import org.javapxeboot.provisioner.render.RenderException;

/**
 * Where the provisioner writes, under the output folder (default {@code ./provision-out}, no root
 * needed) and the TFTP root (default {@code OUT/tftp}):
 * <pre>
 *   OUT/xen/NAME.cfg        xl.cfg
 *   OUT/xm/NAME             legacy xm config
 *   OUT/libvirt/NAME.xml    the domain XML last defined
 *   OUT/ks/NAME.ks          the rendered kickstart (or preseed), also served over HTTP
 *   OUT/state/NAME.installed  present once the installer acknowledged
 *   OUT/nvram/NAME_VARS.fd  a UEFI guest's NVRAM (libvirt writes it; destroy keeps it unless --delete-disks)
 *   OUT/dnsmasq/NAME.conf   an example dnsmasq config answering the guest by its firmware
 *   TFTP/pxelinux.cfg/01-MAC  the guest's pxelinux entry (BIOS and Xen guests)
 *   TFTP/grub/grub.cfg-01-MAC the guest's GRUB netboot entry (UEFI guests)
 * </pre>
 * A relative file-disk path in the YAML is taken relative to OUT.
 *
 * <p>Kickstarts carry the root password hash: they are written 0640, group {@code secretGroup}
 * (null: the owner's own group); everything else 0644, for the TFTP and web servers that send it.
 */
public record Layout(Path out, Path tftpRoot, String secretGroup) {

    public static final Path DEFAULT_OUT = Path.of("provision-out");

    public static Layout of(Path out, Path tftpRoot) {
        return of(out, tftpRoot, null);
    }

    public static Layout of(Path out, Path tftpRoot, String secretGroup) {
        Path o = out.toAbsolutePath().normalize();
        return new Layout(o, tftpRoot == null ? o.resolve("tftp") : tftpRoot.toAbsolutePath().normalize(), secretGroup);
    }

    /** How {@code p} is written: kickstarts secret, the rest public. */
    public AtomicFiles.Mode mode(Path p) {
        Path ks = out.resolve("ks");
        return p.toAbsolutePath().normalize().startsWith(ks) ? AtomicFiles.Mode.secret(secretGroup) : AtomicFiles.Mode.PUBLIC;
    }

    /** The one-writer lock on this output tree (see {@link OutputLock}). */
    public OutputLock lock(java.time.Duration wait, String holder) throws java.io.IOException {
        return OutputLock.acquire(out, wait, holder);
    }

    /**
     * Writes one output atomically with its {@link #mode}: under the TFTP root or OUT, with no
     * symbolic link at any folder from that root down (see {@link AtomicFiles#write(Path, Path, String, AtomicFiles.Mode)}).
     */
    public void write(Path p, String content) throws java.io.IOException {
        Path abs = p.toAbsolutePath().normalize();
        AtomicFiles.write(abs.startsWith(tftpRoot) ? tftpRoot : out, abs, content, mode(abs));
    }

    /**
     * Writes many outputs as {@link #write} does, with their fsyncs batched (see
     * {@link AtomicFiles#writeAll}); for each path in order, null when written, or why not.
     */
    public List<java.io.IOException> writeAll(List<Path> paths, List<String> contents) {
        List<AtomicFiles.Item> items = new ArrayList<>(paths.size());
        for (int i = 0; i < paths.size(); i++) {
            Path abs = paths.get(i).toAbsolutePath().normalize();
            items.add(new AtomicFiles.Item(abs.startsWith(tftpRoot) ? tftpRoot : out, abs, contents.get(i), mode(abs)));
        }
        return AtomicFiles.writeAll(items);
    }

    public Path xl(Guest g) {
        return out.resolve("xen").resolve(g.name() + ".cfg");
    }

    public Path xm(Guest g) {
        return out.resolve("xm").resolve(g.name());
    }

    public Path domainXml(Guest g) {
        return out.resolve("libvirt").resolve(g.name() + ".xml");
    }

    public Path kickstart(String name) {
        return out.resolve("ks").resolve(name + ".ks");
    }

    public Path installed(String name) {
        return out.resolve("state").resolve(name + ".installed");
    }

    /** A UEFI guest's NVRAM file: libvirt copies OVMF's template there at the first start; apply never writes it. */
    public Path nvram(String name) {
        return out.resolve("nvram").resolve(name + "_VARS.fd");
    }

    /**
     * Makes the folder of a UEFI guest's NVRAM file (libvirt creates the file at the first start
     * but not its folder, and the start fails without it); does nothing for other guests.
     */
    public void nvramFolder(Guest g) throws java.io.IOException {
        if (g.uefi() && g.nvram() != null) {
            java.nio.file.Files.createDirectories(Path.of(g.nvram()).getParent());
        }
    }

    /** A UEFI guest's GRUB netboot entry, {@code TFTP/grub/grub.cfg-01-MAC}. */
    public Path grub(Guest g) {
        return tftpRoot.resolve(GrubEntry.fileName(g));
    }

    /** The dnsmasq example for the guest: {@code OUT/dnsmasq/NAME.conf}. */
    public Path dnsmasq(Guest g) {
        return out.resolve("dnsmasq").resolve(g.name() + ".conf");
    }

    /**
     * The guest's network boot entry in its install or local-boot state: the GRUB entry for a UEFI
     * guest, the pxelinux entry otherwise (both through the same atomic writes).
     */
    public Map<Path, String> netboot(String server, Guest g, boolean installed) throws RenderException {
        if (g.uefi()) {
            return Map.of(grub(g), installed ? GrubEntry.localBoot(g) : GrubEntry.install(server, g));
        }
        return Map.of(pxelinux(g), installed ? PxelinuxEntry.localBoot(g) : PxelinuxEntry.install(server, g));
    }

    /** {@link #netboot} and, for a network-installed KVM/QEMU guest, its dnsmasq example: what apply writes for booting. */
    public Map<Path, String> bootFiles(String server, Guest g, boolean installed) throws RenderException {
        Map<Path, String> files = new java.util.LinkedHashMap<>(netboot(server, g, installed));
        if (g.networkInstall()) {
            files.put(dnsmasq(g), DnsmasqExample.render(server, g));
        }
        return files;
    }

    public Path pxelinux(Guest g) {
        return tftpRoot.resolve(PxelinuxEntry.fileName(g));
    }

    /** The guest with relative file-disk and console-log paths made absolute under OUT. */
    public Guest resolve(Guest g) {
        boolean relative = false;
        for (Disk d : g.disks()) {
            relative |= d.type() == Disk.Type.FILE && !Path.of(d.path()).isAbsolute();
        }
        String log = g.consoleLog();
        boolean relativeLog = log != null && !Path.of(log).isAbsolute();
        if (g.uefi() && g.nvram() == null) {
            g = g.withNvram(nvram(g.name()).toString());
        }
        if (!relative && !relativeLog) {
            return g;
        }
        List<Disk> disks = new ArrayList<>();
        for (Disk d : g.disks()) {
            if (d.type() == Disk.Type.FILE && !Path.of(d.path()).isAbsolute()) {
                d = new Disk(d.type(), out.resolve(d.path()).normalize().toString(), d.vg(), d.lv(), d.device(),
                        d.sizeBytes(), d.writable(), d.create(), d.where());
            }
            disks.add(d);
        }
        return new Guest(g.name(), g.memoryMiB(), g.vcpus(), g.vifs(), List.copyOf(disks), g.bootloader(), g.bootargs(),
                g.kernel(), g.ramdisk(), g.extra(), g.onPoweroff(), g.onReboot(), g.onCrash(), g.auto(),
                g.installOptions(), g.kickstart(), g.hypervisor(), g.installKernel(), g.installInitrd(), g.vars(),
                g.priority(), g.owners(), g.installBoot(), relativeLog ? out.resolve(log).normalize().toString() : log,
                g.firmware(), g.boot(), g.nvram(), g.where(), g.fields());
    }
}
