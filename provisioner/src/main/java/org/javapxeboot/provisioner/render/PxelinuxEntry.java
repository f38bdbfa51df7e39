package org.javapxeboot.provisioner.render;

import org.javapxeboot.provisioner.model.Guest;

/**
 * The guest's own pxelinux config, {@code pxelinux.cfg/01-<mac>} (pxelinux's per-MAC name:
 * hardware type 01, lowercase, dash separated). Two states: {@link #install} boots the installer
 * with the kickstart URL; {@link #localBoot} (written when the installer acknowledges) boots the
 * installed disk, so a guest never reinstalls in a loop.
 *
 * <p>pxelinux has no quoting: a value with a space splits into two arguments and a newline would
 * start a new directive. Such values are refused, not escaped.
 */
public final class PxelinuxEntry {
    public static final String MARK_INSTALL = "# state: install";
    public static final String MARK_LOCAL = "# state: localboot";

    private PxelinuxEntry() {
    }

    /** {@code pxelinux.cfg/01-aa-00-86-e2-35-72}, relative to the TFTP root. */
    public static String fileName(Guest g) {
        return "pxelinux.cfg/01-" + g.vifs().get(0).macDashed();
    }

    public static String install(String server, Guest g) throws RenderException {
        StringBuilder b = new StringBuilder();
        b.append("# pxelinux entry for ").append(single("name", g.name())).append(" (").append(g.bootMac())
                .append("), written by javapxeboot provisioner\n");
        b.append(MARK_INSTALL).append(" (switched to local boot by ").append(single("ack URL", Install.ackUrl(server, g)))
                .append(")\n");
        b.append("DEFAULT install\nPROMPT 0\nTIMEOUT 0\n\nLABEL install\n");
        b.append("  KERNEL ").append(word("install_kernel", g.installKernel())).append('\n');
        b.append("  APPEND initrd=").append(word("install_initrd", g.installInitrd()));
        for (String a : Install.kernelArgs(server, g)) {
            b.append(' ').append(single("install_options", a));
        }
        b.append('\n');
        return b.toString();
    }

    public static String localBoot(Guest g) throws RenderException {
        return "# pxelinux entry for " + single("name", g.name()) + " (" + g.bootMac() + "), written by javapxeboot provisioner\n"
                + MARK_LOCAL + " (the installer acknowledged; boot the installed disk)\n"
                + "DEFAULT local\nPROMPT 0\nTIMEOUT 0\n\nLABEL local\n  LOCALBOOT 0\n";
    }

    private static String word(String field, String v) throws RenderException {
        single(field, v);
        if (v.isEmpty() || v.contains(" ")) {
            throw new RenderException(field + " '" + v + "' cannot be written to a pxelinux entry: it must be one word");
        }
        return v;
    }

    private static String single(String field, String v) throws RenderException {
        for (int i = 0; i < v.length(); i++) {
            char c = v.charAt(i);
            if (c < 0x20 || c == 0x7f) {
                throw new RenderException(field + " cannot be written to a pxelinux entry: it contains a control"
                        + " character (\\x" + String.format("%02x", (int) c) + "), and pxelinux has no quoting");
            }
        }
        return v;
    }
}
