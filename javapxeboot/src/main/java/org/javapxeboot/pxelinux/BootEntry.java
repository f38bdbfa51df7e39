package org.javapxeboot.pxelinux;

import java.util.List;
import java.util.Objects;

/**
 * What to boot, as pxelinux would have booted it.
 *
 * @param label     the LABEL name, or null when DEFAULT/ONTIMEOUT named a kernel rather than a label
 * @param kernel    TFTP path of the kernel with the path prefix applied; null when {@code localBoot}
 * @param initrds   TFTP paths of the initrds in load order (concatenate them into one ramdisk)
 * @param append    the kernel arguments in their original order, single-spaced, every {@code initrd=}
 *                  word removed (the ramdisk is handed over separately)
 * @param ipappend  the IPAPPEND/SYSAPPEND bit mask (bit 1: {@code ip=}, bit 2: {@code BOOTIF=})
 * @param localBoot true for a LOCALBOOT label: boot from the local disk instead
 */
public record BootEntry(String label, String kernel, List<String> initrds, String append, int ipappend,
                        boolean localBoot) {
    public BootEntry {
        initrds = List.copyOf(initrds);
        Objects.requireNonNull(append, "append");
        if (!localBoot) Objects.requireNonNull(kernel, "kernel");
    }
}
