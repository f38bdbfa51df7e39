package org.javapxeboot.provisioner.model;

/** What the guest runs on: a Xen PV guest booted by a bootloader, or a KVM/QEMU guest booted by direct kernel boot. */
public enum Hypervisor {
    /** Xen paravirtualised: libvirt {@code <domain type='xen'>}, bootloader does PXE for the guest. */
    XEN("xen"),
    /** KVM: libvirt {@code <domain type='kvm'>}, direct kernel boot. */
    KVM("kvm"),
    /** QEMU TCG (no hardware virtualisation): libvirt {@code <domain type='qemu'>}, direct kernel boot. */
    QEMU("qemu");

    private final String yaml;

    Hypervisor(String yaml) {
        this.yaml = yaml;
    }

    public String yamlName() {
        return yaml;
    }
}
