package org.javapxeboot.provisioner.model;

import java.util.List;
import java.util.Optional;
import java.util.regex.Pattern;

/** Naming rules, each returning why a name is refused (empty when it is fine). */
public final class Names {
    private Names() {
    }

    // A domain name becomes a file name (NAME.ks, NAME.xml, NAME.cfg) and a URL path segment:
    // no separators, no leading dot (hidden, "." and "..") or dash (read as an option by tools).
    private static final Pattern DOMAIN = Pattern.compile("[A-Za-z0-9][A-Za-z0-9_.+-]*");
    public static final int DOMAIN_MAX = 64;

    // lvm(8), "VALID NAMES": [a-zA-Z0-9+_.-], not starting with '-', not "." or "..".
    private static final Pattern LVM = Pattern.compile("[A-Za-z0-9+_.][A-Za-z0-9+_.-]*");
    // lvm(8): an LV name may not start with these ...
    private static final List<String> LV_RESERVED_PREFIXES = List.of("snapshot", "pvmove");
    // ... nor contain these, which LVM uses for its hidden sub-volumes.
    private static final List<String> LV_RESERVED_PARTS = List.of("_cdata", "_cmeta", "_corig", "_cpool", "_cvol",
            "_imeta", "_iorig", "_mimage", "_mlog", "_pmspare", "_rimage", "_rmeta", "_tdata", "_tmeta", "_vdata",
            "_vorigin", "_wcorig");
    // lvm(8): "the maximum length of a VG or LV name is 127 characters"; the /dev/VG/LV path must also fit.
    public static final int LVM_MAX = 127;

    private static final Pattern TEMPLATE = Pattern.compile("[A-Za-z0-9][A-Za-z0-9_.+-]*");
    private static final Pattern GUEST_DEVICE = Pattern.compile("[a-z]{2,4}[a-z]{0,3}[0-9]{0,3}");

    public static Optional<String> domainProblem(String name) {
        if (name.isEmpty()) {
            return Optional.of("domain name is empty");
        }
        if (name.length() > DOMAIN_MAX) {
            return Optional.of("domain name is " + name.length() + " characters long; the limit is " + DOMAIN_MAX);
        }
        if (!DOMAIN.matcher(name).matches()) {
            return Optional.of("domain name '" + printable(name) + "' would not be a safe file name: use letters, digits"
                    + " and _ . + -, starting with a letter or digit (no '/', no leading '.' or '-')");
        }
        return Optional.empty();
    }

    public static Optional<String> vgProblem(String vg) {
        return lvmCommon("volume group", vg);
    }

    public static Optional<String> lvProblem(String lv) {
        Optional<String> common = lvmCommon("logical volume", lv);
        if (common.isPresent()) {
            return common;
        }
        for (String p : LV_RESERVED_PREFIXES) {
            if (lv.startsWith(p)) {
                return Optional.of("LVM refuses logical volume names starting with '" + p + "' ('" + lv + "')");
            }
        }
        for (String p : LV_RESERVED_PARTS) {
            if (lv.contains(p)) {
                return Optional.of("LVM reserves '" + p + "' for its internal volumes; rename '" + lv + "'");
            }
        }
        return Optional.empty();
    }

    private static Optional<String> lvmCommon(String what, String name) {
        if (name.isEmpty()) {
            return Optional.of(what + " name is empty");
        }
        if (name.equals(".") || name.equals("..")) {
            return Optional.of("LVM refuses '" + name + "' as a " + what + " name");
        }
        if (name.length() > LVM_MAX) {
            return Optional.of(what + " name is " + name.length() + " characters long; LVM allows " + LVM_MAX);
        }
        if (!LVM.matcher(name).matches()) {
            return Optional.of("LVM refuses " + what + " name '" + printable(name)
                    + "': only letters, digits and + _ . - are allowed, and it may not start with '-'");
        }
        return Optional.empty();
    }

    public static Optional<String> templateProblem(String name) {
        if (!TEMPLATE.matcher(name).matches()) {
            return Optional.of("kickstart template '" + printable(name)
                    + "' must be a file name in kickstart-templates/ (no '/', no leading '.' or '-')");
        }
        return Optional.empty();
    }

    public static Optional<String> guestDeviceProblem(String dev) {
        if (!GUEST_DEVICE.matcher(dev).matches()) {
            return Optional.of("guest device '" + printable(dev) + "' is not a disk device name like xvda, sda, vdb or hda3");
        }
        return Optional.empty();
    }

    /** The name with control characters shown as escapes, for error messages. */
    public static String printable(String s) {
        StringBuilder b = new StringBuilder();
        int shown = 0;
        for (int i = 0; i < s.length() && shown < 80; i++, shown++) {
            char c = s.charAt(i);
            if (c < 0x20 || c == 0x7f) {
                b.append(String.format("\\x%02x", (int) c));
            } else {
                b.append(c);
            }
        }
        if (s.length() > 80) {
            b.append("...");
        }
        return b.toString();
    }
}
