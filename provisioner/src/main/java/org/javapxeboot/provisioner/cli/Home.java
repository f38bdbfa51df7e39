package org.javapxeboot.provisioner.cli;

import java.io.IOException;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Finds the installation's own folders (kickstart-templates/, lvm-scripts/), and checks that root
 * takes nothing from a place a user can write.
 *
 * <p>Where: the system property {@value #HOME_PROPERTY} if set (a launcher or an embedding program
 * sets it), else from where this code was loaded: {@code ROOT/provisioner/target/provisioner.jar}
 * (or {@code target/classes}) in a checkout gives {@code ROOT/FOLDER}; a jar under
 * {@value #PACKAGED} gives {@code /usr/share/provisioner/FOLDER} (the Debian package provisioner). Never the working folder or its
 * parents: {@code provision apply} run as root from a user's folder would otherwise run that user's
 * {@code lvm-scripts/lv-ensure} as root.
 */
final class Home {
    static final String HOME_PROPERTY = "javapxeboot.home";
    static final String PACKAGED = "/usr/share/provisioner";

    private Home() {
    }

    static Path find(String folder) throws IOException {
        String prop = System.getProperty(HOME_PROPERTY);
        if (prop != null && !prop.isEmpty()) {
            Path p = Path.of(prop, folder).toAbsolutePath().normalize();
            if (!Files.isDirectory(p)) {
                throw new IOException("cannot find " + folder + "/: " + p + " (from -D" + HOME_PROPERTY + ") is not a folder");
            }
            return p;
        }
        Path root = installation();
        if (root == null) {
            throw new IOException("cannot find " + folder + "/: this code was not loaded from an installation"
                    + " (a checkout's provisioner/target or " + PACKAGED + "); pass the option or -D" + HOME_PROPERTY + "=DIR");
        }
        Path p = root.resolve(folder);
        if (!Files.isDirectory(p)) {
            throw new IOException("cannot find " + folder + "/: " + p + " is not a folder; pass the option");
        }
        return p;
    }

    /** The installation root from the code's location, or null. */
    static Path installation() {
        Path code;
        try {
            code = Path.of(Home.class.getProtectionDomain().getCodeSource().getLocation().toURI()).toAbsolutePath().normalize();
        } catch (URISyntaxException | SecurityException | NullPointerException | IllegalArgumentException e) {
            return null; // no code source (jlink image): only the property or the option
        }
        if (code.startsWith(PACKAGED)) {
            return Path.of(PACKAGED);
        }
        // ROOT/provisioner/target/provisioner.jar or ROOT/provisioner/target/classes
        Path target = code.getParent();
        if (target != null && target.getFileName() != null && target.getFileName().toString().equals("target")
                && target.getParent() != null && target.getParent().getParent() != null) {
            return target.getParent().getParent();
        }
        return null;
    }

    /** Whether this process runs as root (the effective uid owns /proc/self). */
    static boolean runningAsRoot() {
        try {
            return ((Integer) Files.getAttribute(Path.of("/proc/self"), "unix:uid")) == 0;
        } catch (IOException | UnsupportedOperationException | IllegalArgumentException e) {
            return "root".equals(System.getProperty("user.name"));
        }
    }

    /**
     * For root: why {@code dir} (a template or script folder), one of its parents, or a file in it
     * could be changed by someone other than root; null when none can. Owned by another user,
     * writable by a group other than root's, or by everyone (a parent that is world-writable and
     * sticky, such as /tmp, is fine: others cannot rename what root owns there).
     */
    static String untrusted(Path dir) throws IOException {
        Path abs = dir.toAbsolutePath().normalize();
        List<Path> check = new ArrayList<>();
        for (Path p = abs; p != null; p = p.getParent()) {
            check.add(p);
        }
        try (java.nio.file.DirectoryStream<Path> files = Files.newDirectoryStream(abs)) {
            for (Path f : files) {
                check.add(f);
            }
        } catch (NoSuchFileException e) {
            return null; // a missing folder is reported where it is used
        }
        for (Path p : check) {
            String why = writableByOthers(p, !p.startsWith(abs) || p.equals(abs));
            if (why != null) {
                return p + " " + why;
            }
        }
        return null;
    }

    private static String writableByOthers(Path p, boolean folder) throws IOException {
        java.util.Map<String, Object> a = Files.readAttributes(p, "unix:uid,gid,mode", LinkOption.NOFOLLOW_LINKS);
        int uid = (Integer) a.get("uid");
        int gid = (Integer) a.get("gid");
        int mode = (Integer) a.get("mode");
        boolean link = (mode & 0170000) == 0120000; // S_IFLNK, from the same lstat
        if (link) {
            if (uid != 0) {
                return "is a symbolic link owned by uid " + uid;
            }
            Path real = p.toRealPath();
            String why = writableByOthers(real, Files.isDirectory(real));
            return why == null ? null : "points to " + real + ", which " + why;
        }
        if (uid != 0) {
            return "is owned by uid " + uid + ", not root";
        }
        boolean sticky = (mode & 01000) != 0;
        if ((mode & 0002) != 0 && !(folder && sticky)) {
            return "is writable by everyone (mode " + String.format("%04o", mode & 07777) + ")";
        }
        if ((mode & 0020) != 0 && gid != 0 && !(folder && sticky)) {
            return "is writable by group " + gid + " (mode " + String.format("%04o", mode & 07777) + ")";
        }
        return null;
    }
}
