package org.javapxeboot.pxelinux;

/**
 * Which names from the network may lead to a TFTP path: INCLUDE and MENU INCLUDE names, and the
 * DHCP options 209 (config file) and 210 (path prefix). A name with a {@code ..} component, or an
 * absolute one ({@code /etc/...}), is refused: a TFTP server does not always confine names to its
 * tree (tftpd-hpa without {@code -s} serves any world-readable file by its absolute name), and a
 * forged DHCP answer or a hostile config must not steer the boot to files outside the tree.
 * pxelinux's own {@code ::name} ("no path prefix") stays allowed; what follows the {@code ::} is
 * checked the same way. Components are split at {@code /} and at {@code \} (Windows TFTP servers
 * take both).
 */
public final class ServerPaths {
    private ServerPaths() {}

    /** Why {@code name} is refused, as the end of a sentence ("... refused: it is absolute"), or null if it is fine. */
    public static String problem(String name) {
        if (name == null) return null;
        String bare = name.startsWith("::") ? name.substring(2) : name;
        if (bare.startsWith("/") || bare.startsWith("\\")) return "it is an absolute path (TFTP names are relative to the server's root)";
        for (String seg : bare.split("[/\\\\]", -1)) {
            if (seg.equals("..")) return "it contains a '..' component";
        }
        return null;
    }
}
