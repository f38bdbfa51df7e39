package org.javapxeboot.xman.config;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** Who could change or read a settings file: its owner and mode, and its folder's. */
final class FileTrust {
    private FileTrust() {
    }

    /**
     * Why {@code file} (after symbolic links) or its folder could be changed by someone other than root or this
     * process's user; null when nobody else can. A world-writable sticky folder (such as /tmp) is fine for
     * the folder: others cannot rename what they do not own there.
     */
    static String untrusted(Path file) throws IOException {
        Path real = file.toRealPath();
        int self = (Integer) Files.getAttribute(Path.of("/proc/self"), "unix:uid");
        String why = check(real, false, self);
        return why != null ? why : check(real.getParent(), true, self);
    }

    private static String check(Path p, boolean folder, int self) throws IOException {
        int uid = (Integer) Files.getAttribute(p, "unix:uid");
        int mode = (Integer) Files.getAttribute(p, "unix:mode");
        if (uid != 0 && uid != self) {
            return p + " is owned by uid " + uid;
        }
        boolean sticky = folder && (mode & 01000) != 0;
        if ((mode & 0022) != 0 && !sticky) {
            return p + " is writable by " + ((mode & 0002) != 0 ? "everyone" : "its group") + " (mode " + String.format("%04o", mode & 07777) + ")";
        }
        return null;
    }

    /** Why everyone can read the file, or null. */
    static String readableByEveryone(Path file) throws IOException {
        int mode = (Integer) Files.getAttribute(file.toRealPath(), "unix:mode");
        return (mode & 0004) != 0 ? "it is readable by everyone (mode " + String.format("%04o", mode & 07777) + ")" : null;
    }
}
