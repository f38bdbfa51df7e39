package org.javapxeboot.provisioner;

import java.io.StringReader;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.javapxeboot.provisioner.model.Cluster;
import org.javapxeboot.provisioner.model.ClusterLoader;
import org.javapxeboot.provisioner.model.Disk;
import org.javapxeboot.provisioner.model.Guest;
import org.javapxeboot.provisioner.model.Hypervisor;
import org.javapxeboot.provisioner.model.Location;
import org.javapxeboot.provisioner.model.Vif;

/** Shared test inputs. */
public final class Fixtures {
    private Fixtures() {
    }

    /** The repository's kickstart-templates/ (tests run in the module folder). */
    public static final Path TEMPLATES = Path.of("..", "kickstart-templates");
    public static final Path LVM_SCRIPTS = Path.of("..", "lvm-scripts");

    public static final String VARS = "    vars: { repo: 'http://mirror.example/sl/6x/x86_64/os', rootpw: '$6$javapxeb$trxlNyZ9V/Pn/2EUpPj2yTsfWZWmpB1kOIeZPfA6oetsvC1m0A/xNEsGuuMQJXWsT6IBivHrTgjoz0ddR3.vt.',"
            + " timezone: Europe/Dublin, domain: example.org, mirror: deb.debian.org }\n";

    /** The seed's cagnode50 plus a KVM guest with a Debian preseed. */
    public static final String CLUSTER = "server: http://192.0.2.1:8069\n"
            + "defaults:\n"
            + "    bootloader: /usr/bin/javapxeboot\n"
            + "    kickstart: sl-basic.ks\n"
            + VARS
            + "domains:\n"
            + "  cagnode50:\n"
            + "    memory: 512\n"
            + "    vcpus: 1\n"
            + "    vif: [ \"mac=AA:00:86:e2:35:72, bridge=xenbr0\" ]\n"
            + "    bootargs: \"vif[0]\"\n"
            + "    auto: true\n"
            + "    disk:\n"
            + "      - { type: file, path: /var/xen-grid/cagnode50/fs/disk, device: sda, size: 10GiB, rw: w }\n"
            + "      - { type: lvm, hostdevice: xenvg, hostvol: cagnode50-swap, device: hda3, size: 6GiB, rw: w }\n"
            + "  kvmnode1:\n"
            + "    hypervisor: qemu\n"
            + "    memory: 1GiB\n"
            + "    vcpus: 2\n"
            + "    kickstart: debian-preseed.cfg\n"
            + "    kernel: /srv/tftp/debian/linux\n"
            + "    ramdisk: /srv/tftp/debian/initrd.gz\n"
            + "    extra: console=ttyS0\n"
            + "    install_kernel: debian/linux\n"
            + "    install_initrd: debian/initrd.gz\n"
            + "    vif: [ \"mac=52:54:00:12:34:56\" ]\n"
            + "    disk:\n"
            + "      - { type: file, path: /var/lib/libvirt/images/kvmnode1.img, size: 8GiB }\n"
            + "      - { type: phy, path: /dev/sdb, rw: r }\n";

    public static Cluster cluster() throws Exception {
        return ClusterLoader.load("cluster.yaml", new StringReader(CLUSTER));
    }

    /** Built directly (the loader would refuse it): every character the writers must escape. */
    public static Guest hostile() {
        String nasty = "q\"uo'te <tag> & amp \\back\nnew line";
        Location l = Location.BUILTIN;
        return new Guest("evil\"'<&>", 256, 1,
                List.of(new Vif("aa:00:00:00:00:01", "xenbr0", java.util.Collections.unmodifiableMap(
                        new java.util.LinkedHashMap<>(Map.of("mac", "aa:00:00:00:00:01"))), l)),
                List.of(new Disk(Disk.Type.FILE, "/srv/it's \"quoted\" & <odd>.img", null, null, "xvda", 1L << 30, true, true, l)),
                "/usr/bin/java\"pxe'boot", "vif[0]", null, null, nasty, "destroy", "restart", "restart", false,
                null, "sl-basic.ks", Hypervisor.XEN, "images/vmlinuz", "images/initrd.img", Map.of(), 0, List.of(), "kernel", null, l, Map.of());
    }
}
