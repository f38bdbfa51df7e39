package org.javapxeboot.provisioner.model;

import java.util.Collections;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * The YAML schema, written once: every section's fields with their type, default, constraint and
 * meaning. {@link ClusterLoader} parses and validates from it (which keys are known, which parser
 * reads a value, the ranges and choices it checks), "did you mean" suggestions come from its keys,
 * domains take their defaults from it, and the YAML reference in README.md is
 * {@link #markdown()} (a test fails when the two disagree).
 */
public final class Schema {
    private Schema() {
    }

    /** How a value is read; the loader has one reader per kind. */
    public enum Kind {
        TEXT("text"), INTEGER("integer"), MEMORY("MiB or size"), BOOLEAN("boolean"), CHOICE("one of"),
        TEMPLATE("file name"), SIZE("size"), URL("URL"), MAPPING("mapping"), LIST("list"), VARS("mapping"),
        VIFS("list of strings"), DISKS("list of disks"), VIF_OPTION("text"), PRINCIPALS("list of principals");

        final String type;

        Kind(String type) {
            this.type = type;
        }
    }

    /**
     * One key of a section.
     *
     * @param defaultValue the value a missing key takes (typed as the loader returns it), or null
     * @param defaultDoc   the default as the reference shows it ("required", "none", "`512`")
     * @param choices      for {@link Kind#CHOICE}: the accepted values, in the order errors list them
     * @param min          for {@link Kind#INTEGER}: the smallest accepted value
     * @param max          for {@link Kind#INTEGER}: the largest accepted value
     * @param constraint   what else is checked, in words (ranges and choices are written from the fields above)
     * @param perGuest     names one guest's own things, so cannot come from {@code defaults}
     */
    public record Field(String name, Kind kind, Object defaultValue, String defaultDoc, List<String> choices, int min,
                        int max, String constraint, String doc, boolean perGuest) {

        /** The constraint column: ranges and choices from the table, else the words given. */
        public String constraintText() {
            switch (kind) {
                case INTEGER:
                    return min + " .. " + max;
                case CHOICE:
                    return choices.stream().map(c -> "`" + c + "`").collect(Collectors.joining(", "))
                            + (constraint.isEmpty() ? "" : "; " + constraint);
                default:
                    return constraint;
            }
        }
    }

    /** A mapping of known keys: the top level, a domain, a disk, a volume group, a vif string's keys. */
    public record Section(String name, String title, String keyHeader, String intro, List<Field> fields) {

        /** The known keys, in table order (suggestions break ties by it). */
        public Set<String> keys() {
            Set<String> keys = new LinkedHashSet<>();
            fields.forEach(f -> keys.add(f.name()));
            return Collections.unmodifiableSet(keys);
        }

        public Field field(String key) {
            for (Field f : fields) {
                if (f.name.equals(key)) {
                    return f;
                }
            }
            throw new IllegalArgumentException("no field '" + key + "' in " + name);
        }

        /** The default of {@code key} (null when it has none). */
        public Object defaultOf(String key) {
            return field(key).defaultValue();
        }
    }

    private static Field f(String name, Kind kind, Object def, String defaultDoc, String constraint, String doc) {
        return new Field(name, kind, def, defaultDoc, List.of(), 0, 0, constraint, doc, false);
    }

    private static Field own(String name, Kind kind, String defaultDoc, String constraint, String doc) {
        return new Field(name, kind, null, defaultDoc, List.of(), 0, 0, constraint, doc, true);
    }

    private static Field integer(String name, int def, int min, int max, String doc) {
        return new Field(name, Kind.INTEGER, def, "`" + def + "`", List.of(), min, max, "", doc, false);
    }

    private static Field choice(String name, String def, List<String> choices, String doc) {
        return new Field(name, Kind.CHOICE, def, def == null ? "required" : "`" + def + "`", choices, 0, 0, "", doc, false);
    }

    private static Field text(String name, String def, String doc) {
        return f(name, Kind.TEXT, def, def == null ? "none" : "`" + def + "`", "", doc);
    }

    static final List<String> LIFECYCLE = List.of("destroy", "restart", "preserve", "rename-restart");
    static final List<String> CRASH = List.of("destroy", "restart", "preserve", "rename-restart", "coredump-destroy",
            "coredump-restart");
    public static final String DEFAULT_SERVER = "http://127.0.0.1:8069";

    public static final Section TOP = new Section("top level", "Top level", "key", "", List.of(
            own("domains", Kind.MAPPING, "required", "",
                    "the guests: a mapping of name to domain fields, or a list of domain fields each with `name`"),
            f("defaults", Kind.MAPPING, null, "none", "any domain field but `name`, `vif`, `disk`",
                    "fields every domain inherits; a domain's own value wins; `field: ~` (null) in a domain restores"
                            + " the built-in default; `vars` maps are merged"),
            f("volume_groups", Kind.MAPPING, null, "none", "",
                    "`NAME: { pvs: [/dev/...] }`: apply may create this VG on these PVs (pvcreate where needed)."
                            + " A VG not listed must already exist."),
            f("server", Kind.URL, DEFAULT_SERVER, "`" + DEFAULT_SERVER + "`", "`http://` or `https://`, host, port, path",
                    "base URL guests use: kickstart at `SERVER/ks/NAME.ks`, ack at `SERVER/ack/NAME`")));

    public static final Section DOMAIN = new Section("domain", "Domain fields", "field", "", List.of(
            own("name", Kind.TEXT, "the mapping key", "letters, digits, `_ . + -`, starting with a letter or digit,"
                    + " at most " + Names.DOMAIN_MAX, "domain name (it becomes file names and URL paths)"),
            f("memory", Kind.MEMORY, 512, "`512`", "16 MiB .. 4 TiB",
                    "MiB as a plain number (ncm-xen), or with a unit (`1GiB`)"),
            integer("vcpus", 1, 1, 512, "virtual CPUs"),
            own("vif", Kind.VIFS, "required", "at least one; keys below",
                    "list of xm-style strings `\"mac=aa:00:86:e2:35:72, bridge=xenbr0\"`. The first vif is the one"
                            + " that PXE-boots; its `ip` is the only address `provision serve` sends the guest's"
                            + " kickstart to and takes its ack from."),
            own("disk", Kind.DISKS, "none", "", "list of disks, below"),
            new Field("hypervisor", Kind.CHOICE, Hypervisor.XEN, "`xen`", List.of("xen", "kvm", "qemu"), 0, 0, "",
                    "`xen` (PV guest booted by the bootloader), `kvm` or `qemu` (HVM guest: the installer starts as"
                            + " `install_boot` says)",
                    false),
            text("bootloader", "/usr/bin/javapxeboot",
                    "Xen bootloader; xl gets `bootloader_args = [\"--mac=...\", \"--interface=BRIDGE\"]` since xl"
                            + " passes no MAC"),
            text("bootargs", "vif[0]", "legacy xm: which vif xend hands the bootloader"),
            choice("install_boot", "kernel", List.of("kernel", "network"),
                    "kvm, qemu: how the installer starts. `kernel`: direct kernel boot of `kernel` and `ramdisk`."
                            + " `network`: the firmware PXE-boots the first vif (network first, then the disk) and"
                            + " pxelinux reads the guest's pxelinux entry, as a physical machine would; the firmware's"
                            + " messages go to the serial console (SeaBIOS's serial adapter). Either way the ack makes"
                            + " the domain boot its disk. xen: only `kernel` (a PV guest network-boots through its"
                            + " bootloader)"),
            choice("firmware", "bios", List.of("bios", "uefi"),
                    "kvm, qemu: `bios` (SeaBIOS; network install: iPXE then `pxelinux.0` reads the guest's pxelinux"
                            + " entry) or `uefi` (OVMF from Debian's `ovmf`, with an NVRAM file per guest,"
                            + " `OUT/nvram/NAME_VARS.fd`, that apply never overwrites and `destroy` keeps unless"
                            + " `--delete-disks`; network install: the GRUB EFI netboot image reads the guest's"
                            + " `grub/grub.cfg-01-MAC`). xen: only `bios` (a PV guest has no firmware)"),
            choice("boot", "tftp", List.of("tftp", "http"),
                    "how a network install fetches the installer kernel and initrd: `tftp`, or `http` (firmware"
                            + " `uefi` with `install_boot: network` only: the DHCP server answers OVMF's HTTP boot"
                            + " client, option 93 = 16, with an `http://` boot file, and the GRUB entry names"
                            + " `(http)/install_kernel`: the next server's port 80 serves the TFTP root)"),
            f("console_log", Kind.TEXT, null, "none", "kvm, qemu; no `..` segments",
                    "host file libvirt appends the guest's serial console to (the firmware, the installer, later"
                            + " boots); a relative path is under `--out`. It holds whatever the guest prints: keep it"
                            + " where only root reads"),
            f("kernel", Kind.TEXT, null, "none", "kvm, qemu with `install_boot: kernel`: required",
                    "host path of the installer kernel for direct kernel boot. xen: if given, direct kernel boot"
                            + " instead of the bootloader"),
            f("ramdisk", Kind.TEXT, null, "none", "kvm, qemu with `install_boot: kernel`: required", "host path of the installer initrd, as `kernel`"),
            text("extra", null, "kernel command line (xen: handed to the bootloader as `--args`; kvm: appended to"
                    + " the installer's)"),
            choice("on_poweroff", "destroy", LIFECYCLE, "what libvirt does when the guest powers off"),
            choice("on_reboot", "restart", LIFECYCLE, "what libvirt does when the guest reboots"),
            choice("on_crash", "restart", CRASH, "what libvirt does when the guest crashes"),
            f("auto", Kind.BOOLEAN, false, "`false`", "", "start with the host (libvirt autostart)"),
            integer("priority", 0, -1000, 1000, "the batch system's preemption priority (higher preempts lower),"
                    + " kept in the domain's libvirt `<metadata>`; the portal's states compare it with the other"
                    + " domain's on the same host. Written only when not 0. Xen xl/xm configs ignore it"),
            f("owners", Kind.PRINCIPALS, List.of(), "none", "Kerberos principals `name[/instance]@REALM`, each once",
                    "who may act on this guest through xmand (rxm, the portal) without being a host administrator,"
                            + " kept in the domain's libvirt `<metadata>`. Xen xl/xm configs ignore it"),
            text("install_options", null, "extra installer kernel arguments, appended to the pxelinux APPEND"),
            text("install_kernel", "images/vmlinuz", "installer kernel, relative to the TFTP root"),
            text("install_initrd", "images/initrd.img", "installer initrd, relative to the TFTP root"),
            f("kickstart", Kind.TEMPLATE, "sl-basic.ks", "`sl-basic.ks`", "a file name, no folders",
                    "template file in `kickstart-templates/`; a name ending in `.cfg` or containing `preseed` is a"
                            + " Debian preseed (installer args `auto=true priority=critical url=...`), else anaconda"
                            + " (`ks=... ksdevice=eth0`)"),
            f("vars", Kind.VARS, null, "none", "names: lowercase letters, digits and `_`, starting with a letter",
                    "extra template variables")));

    public static final Section VIF = new Section("vif", "vif keys", "key",
            "A vif is one string of `key=value` pairs separated by commas, as xm writes it; values are non-empty,"
                    + " without quotes or backslashes.", List.of(
            f("mac", Kind.VIF_OPTION, null, "required", "unicast; `:` or `-` separated",
                    "the MAC the guest PXE-boots with"),
            f("bridge", Kind.VIF_OPTION, null, "none", "a Linux interface name (letters, digits, `_ . -`, at most 15)",
                    "the host bridge"),
            f("model", Kind.VIF_OPTION, null, "none", "", "NIC model, handed to the toolstack"),
            f("vifname", Kind.VIF_OPTION, null, "none", "", "host-side interface name, handed to the toolstack"),
            f("ip", Kind.VIF_OPTION, null, "none", "",
                    "the guest's address (the one its DHCP entry gives); on the first vif, the only address"
                            + " `provision serve` answers for the guest"),
            f("script", Kind.VIF_OPTION, null, "none", "", "vif script, handed to the toolstack"),
            f("type", Kind.VIF_OPTION, null, "none", "", "vif type, handed to the toolstack"),
            f("rate", Kind.VIF_OPTION, null, "none", "", "rate limit, handed to the toolstack"),
            f("backend", Kind.VIF_OPTION, null, "none", "", "backend domain, handed to the toolstack")));

    public static final Section DISK = new Section("disk", "Disk fields", "field", "", List.of(
            choice("type", null, List.of("file", "lvm", "phy"),
                    "`file` (image file), `lvm` (logical volume), `phy` (an existing block device, never created)"),
            f("path", Kind.TEXT, null, "file, phy: required", "no `..` segments, no `,` (xm's separator); phy: under"
                    + " `/dev/`", "host path; a relative file path is under `--out`"),
            f("hostdevice", Kind.TEXT, null, "lvm: required", "LVM's naming rules", "volume group; the disk is `/dev/VG/LV`"),
            f("hostvol", Kind.TEXT, null, "lvm: required", "LVM's naming rules: `[A-Za-z0-9+_.-]`, not starting with"
                    + " `-`, not `.`/`..`, not starting with `snapshot`/`pvmove`, not containing `_mlog`, `_rimage`,"
                    + " `_tdata`, ...", "logical volume"),
            f("device", Kind.TEXT, null, "`xvda`, `xvdb`, ... (kvm: `vda`, ...)", "unique in the guest",
                    "the guest's device name (sda, hda3, xvda...)"),
            f("guestdevice", Kind.TEXT, null, "as `device`", "not with `device`", "the same field as `device`"),
            f("size", Kind.SIZE, null, "file, lvm with create: required", "at least 1 MiB",
                    "plain number = bytes; `KiB MiB GiB TiB` (and `K M G T`) are powers of 1024, `kB MB GB TB`"
                            + " powers of 1000. LVs round up to the VG's extent size, as lvcreate does"),
            choice("rw", "w", List.of("r", "w"), "`w` read-write or `r` read-only"),
            f("create", Kind.BOOLEAN, true, "`true` (file, lvm)", "phy: not `true`",
                    "create when missing; `false`: must exist")));

    public static final Section VOLUME_GROUP = new Section("volume group", "Volume group fields", "field", "", List.of(
            own("pvs", Kind.LIST, "required", "at least one; device paths under `/dev/`",
                    "the physical volumes to create the VG on")));

    /** Every section, in the order the reference shows them. */
    public static final List<Section> SECTIONS = List.of(TOP, DOMAIN, VIF, DISK, VOLUME_GROUP);

    /** The YAML reference as Markdown tables, one per section, as README.md carries it. */
    public static String markdown() {
        StringBuilder b = new StringBuilder();
        for (Section s : SECTIONS) {
            b.append("#### ").append(s.title()).append("\n\n");
            if (!s.intro().isEmpty()) {
                b.append(s.intro()).append("\n\n");
            }
            b.append("| ").append(s.keyHeader()).append(" | type | default | constraint | meaning |\n");
            b.append("|---|---|---|---|---|\n");
            for (Field f : s.fields()) {
                String type = f.kind() == Kind.CHOICE ? "choice" : f.kind().type;
                b.append("| `").append(f.name()).append("` | ").append(type).append(" | ").append(f.defaultDoc())
                        .append(" | ").append(cell(f.constraintText())).append(" | ").append(f.doc()).append(" |\n");
            }
            b.append('\n');
        }
        return b.toString();
    }

    private static String cell(String s) {
        return s.isEmpty() ? "—" : s;
    }
}
