package org.javapxeboot.xen;

import java.util.Objects;

/**
 * The boot stanza handed back to the toolstack.
 *
 * @param kernel  local path of the fetched kernel
 * @param ramdisk local path of the fetched ramdisk, or null
 * @param args    kernel command line, possibly ""
 */
public record Stanza(String kernel, String ramdisk, String args) {
    public Stanza {
        Objects.requireNonNull(kernel, "kernel");
        if (args == null) args = "";
    }
}
