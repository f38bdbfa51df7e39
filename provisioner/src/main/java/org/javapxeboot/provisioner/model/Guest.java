package org.javapxeboot.provisioner.model;

import java.util.List;
import java.util.Map;

/**
 * One guest (ncm-xen's domain entry) after defaults were applied. Field names follow ncm-xen; see
 * README.md ("The YAML file") for every field and its default.
 *
 * @param name           the domain name (also the kickstart and config file names)
 * @param memoryMiB      memory in MiB
 * @param vcpus          virtual CPUs
 * @param vifs           network interfaces; the first one is the one that PXE-boots
 * @param disks          disks in guest order
 * @param bootloader     Xen bootloader path (javapxeboot)
 * @param bootargs       legacy xm bootargs ("vif[0]": which vif the bootloader does PXE for)
 * @param kernel         host path of a kernel for direct kernel boot (kvm/qemu), or null
 * @param ramdisk        host path of its initrd, or null
 * @param extra          extra kernel command line, or null
 * @param onPoweroff     destroy, restart, preserve, rename-restart
 * @param onReboot       likewise
 * @param onCrash        likewise, plus coredump-destroy, coredump-restart
 * @param auto           start with the host (libvirt autostart; xm's /etc/xen/auto)
 * @param installOptions extra installer kernel arguments appended to the pxelinux install entry
 * @param kickstart      template file name under kickstart-templates/
 * @param hypervisor     xen, kvm or qemu
 * @param installKernel  installer kernel, relative to the TFTP root
 * @param installInitrd  installer initrd, relative to the TFTP root
 * @param vars           extra template variables
 * @param priority       the batch system's preemption priority, written to the domain's {@code <metadata>} (0: none)
 * @param owners         Kerberos principals that may act on the guest, written to {@code <metadata>} (none: empty)
 * @param installBoot    kvm/qemu: "kernel" (direct kernel boot of the installer) or "network" (PXE through the firmware)
 * @param consoleLog     kvm/qemu: host file the serial console is appended to, or null
 * @param firmware       kvm/qemu: "bios" (SeaBIOS) or "uefi" (OVMF)
 * @param boot           how a network install fetches the installer: "tftp" or "http"
 * @param nvram          uefi: the host path of the guest's NVRAM file (set by the layout), or null
 * @param where          the domain entry in the YAML
 * @param fields         where each field was given (own or from defaults); absent when built in
 */
public record Guest(String name, int memoryMiB, int vcpus, List<Vif> vifs, List<Disk> disks, String bootloader,
                    String bootargs, String kernel, String ramdisk, String extra, String onPoweroff,
                    String onReboot, String onCrash, boolean auto, String installOptions, String kickstart,
                    Hypervisor hypervisor, String installKernel, String installInitrd, Map<String, String> vars,
                    int priority, List<String> owners, String installBoot, String consoleLog, String firmware, String boot,
                    String nvram, Location where, Map<String, Location> fields) {

    public static final String BIOS = "bios";
    public static final String UEFI = "uefi";
    public static final String HTTP = "http";

    public Guest {
        owners = List.copyOf(owners);
    }

    /** A BIOS guest booted over TFTP (the fields before firmware and boot existed). */
    public Guest(String name, int memoryMiB, int vcpus, List<Vif> vifs, List<Disk> disks, String bootloader,
                 String bootargs, String kernel, String ramdisk, String extra, String onPoweroff,
                 String onReboot, String onCrash, boolean auto, String installOptions, String kickstart,
                 Hypervisor hypervisor, String installKernel, String installInitrd, Map<String, String> vars,
                 int priority, List<String> owners, String installBoot, String consoleLog, Location where,
                 Map<String, Location> fields) {
        this(name, memoryMiB, vcpus, vifs, disks, bootloader, bootargs, kernel, ramdisk, extra, onPoweroff, onReboot,
                onCrash, auto, installOptions, kickstart, hypervisor, installKernel, installInitrd, vars, priority, owners,
                installBoot, consoleLog, BIOS, "tftp", null, where, fields);
    }

    /** A KVM/QEMU guest with OVMF firmware (its network boot reads a GRUB entry, not a pxelinux one). */
    public boolean uefi() {
        return hypervisor != Hypervisor.XEN && UEFI.equals(firmware);
    }

    /** The guest with its NVRAM file at {@code path}. */
    public Guest withNvram(String path) {
        return new Guest(name, memoryMiB, vcpus, vifs, disks, bootloader, bootargs, kernel, ramdisk, extra, onPoweroff,
                onReboot, onCrash, auto, installOptions, kickstart, hypervisor, installKernel, installInitrd, vars,
                priority, owners, installBoot, consoleLog, firmware, boot, path, where, fields);
    }

    /** The MAC the guest PXE-boots with: its first vif's. */
    public String bootMac() {
        return vifs.get(0).mac();
    }

    /** A KVM/QEMU guest whose installer starts by network boot through its firmware. */
    public boolean networkInstall() {
        return hypervisor != Hypervisor.XEN && "network".equals(installBoot);
    }

    /** Where a field was set, or the domain entry itself when the value is built in. */
    public Location whereIs(String field) {
        return fields.getOrDefault(field, where);
    }
}
