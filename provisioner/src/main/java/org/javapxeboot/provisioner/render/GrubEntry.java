package org.javapxeboot.provisioner.render;

import java.util.ArrayList;
import java.util.List;
import org.javapxeboot.provisioner.model.Guest;

/**
 * A UEFI guest's own GRUB netboot config, {@code grub/grub.cfg-01-<mac>}: the first name GRUB 2.06's
 * net module looks up under a {@code (tftp)} prefix (then {@code grub.cfg-<hex IP>}, shrinking one
 * hex digit at a time, then {@code grub.cfg}). Two states, as {@link PxelinuxEntry}:
 * {@link #install} boots the installer kernel with {@link Install#kernelArgs}; {@link #localBoot}
 * (written when the installer acknowledges) leaves GRUB with {@code exit}, so the firmware goes on
 * to its next boot entry, the disk.
 *
 * <p>GRUB's script language expands {@code $}, splits on {@code ;} and reads quotes: every
 * installer argument is written as one single-quoted word (GRUB takes single-quoted text
 * literally), and a value holding a single quote, a control character or a space inside a
 * one-word field is refused, not escaped.
 */
public final class GrubEntry {
    public static final String MARK_INSTALL = PxelinuxEntry.MARK_INSTALL;
    public static final String MARK_LOCAL = PxelinuxEntry.MARK_LOCAL;

    private GrubEntry() {
    }

    /** {@code grub/grub.cfg-01-aa-00-86-e2-35-72}, relative to the TFTP root. */
    public static String fileName(Guest g) {
        return "grub/grub.cfg-01-" + g.vifs().get(0).macDashed();
    }

    /** {@code (tftp)} or, for {@code boot: http}, {@code (http)}: the next server's TFTP or HTTP (port 80) root. */
    static String device(Guest g) {
        return Guest.HTTP.equals(g.boot()) ? "(http)" : "(tftp)";
    }

    public static String install(String server, Guest g) throws RenderException {
        StringBuilder b = header(g);
        b.append(MARK_INSTALL).append(" (switched to local boot by ").append(comment("ack URL", Install.ackUrl(server, g)))
                .append(")\n");
        b.append("set default=install\nset timeout=0\n\nmenuentry 'install' --id install {\n");
        b.append("  echo 'Loading the installer of ").append(quotable("name", g.name())).append("'\n");
        b.append("  linux ").append(device(g)).append(path("install_kernel", g.installKernel()));
        List<String> words = new ArrayList<>();
        for (String a : Install.kernelArgs(server, g)) {
            for (String w : a.trim().split("\\s+")) {
                if (!w.isEmpty()) {
                    words.add(w);
                }
            }
        }
        for (String w : words) {
            b.append(" '").append(quotable("install_options", w)).append('\'');
        }
        b.append('\n');
        b.append("  initrd ").append(device(g)).append(path("install_initrd", g.installInitrd())).append('\n');
        b.append("}\n");
        return b.toString();
    }

    public static String localBoot(Guest g) throws RenderException {
        StringBuilder b = header(g);
        b.append(MARK_LOCAL).append(" (the installer acknowledged; the firmware boots the installed disk)\n");
        b.append("set default=local\nset timeout=0\n\nmenuentry 'local' --id local {\n  exit\n}\n");
        return b.toString();
    }

    private static StringBuilder header(Guest g) throws RenderException {
        return new StringBuilder("# GRUB netboot entry for ").append(comment("name", g.name())).append(" (")
                .append(g.bootMac()).append("), written by javapxeboot provisioner\n");
    }

    /** A path under the device: one word, no quote, no GRUB metacharacter, starting with '/'. */
    private static String path(String field, String v) throws RenderException {
        comment(field, v);
        if (!v.matches("[A-Za-z0-9._/+-]+") || v.contains("..")) {
            throw new RenderException(field + " '" + v + "' cannot be written to a GRUB entry: a path there is"
                    + " letters, digits and . _ / + - only, without '..'");
        }
        return v.startsWith("/") ? v : "/" + v;
    }

    private static String quotable(String field, String v) throws RenderException {
        comment(field, v);
        if (v.indexOf('\'') >= 0) {
            throw new RenderException(field + " '" + v + "' cannot be written to a GRUB entry: it contains a single"
                    + " quote, and GRUB's single-quoted words have no escape");
        }
        return v;
    }

    private static String comment(String field, String v) throws RenderException {
        for (int i = 0; i < v.length(); i++) {
            char c = v.charAt(i);
            if (c < 0x20 || c == 0x7f) {
                throw new RenderException(field + " cannot be written to a GRUB entry: it contains a control"
                        + " character (\\x" + String.format("%02x", (int) c) + ")");
            }
        }
        return v;
    }
}
