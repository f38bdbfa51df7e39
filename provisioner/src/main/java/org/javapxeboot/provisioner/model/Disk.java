package org.javapxeboot.provisioner.model;

/**
 * One guest disk (ncm-xen's {@code disk} entry).
 *
 * @param type       file (an image file on the host), lvm (a logical volume), phy (an existing block device)
 * @param path       host path: the image file, {@code /dev/VG/LV} for lvm, the device for phy
 * @param vg         lvm only: the volume group ({@code hostdevice}); null otherwise
 * @param lv         lvm only: the logical volume ({@code hostvol}); null otherwise
 * @param device     the guest's device name ({@code device} or {@code guestdevice}), e.g. xvda, sda, hda3
 * @param sizeBytes  the wanted size, or 0 when not given (phy, or create: false)
 * @param writable   rw: w (true) or r (false)
 * @param create     whether a missing file or LV is created
 * @param where      the disk entry in the YAML
 */
public record Disk(Type type, String path, String vg, String lv, String device, long sizeBytes, boolean writable,
                   boolean create, Location where) {

    public enum Type { FILE, LVM, PHY }
}
