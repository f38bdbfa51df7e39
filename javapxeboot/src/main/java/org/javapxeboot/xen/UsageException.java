package org.javapxeboot.xen;

/** A command line the bootloader cannot run with. The message is one line that quotes the offending value. */
public final class UsageException extends Exception {
    public UsageException(String message) { super(message); }
}
