package org.javapxeboot.boot;

/** A boot that cannot go on. The message is the one line the admin sees: what failed, where, why. */
public final class BootException extends Exception {
    public BootException(String message) { super(message); }

    public BootException(String message, Throwable cause) { super(message, cause); }
}
