package org.javapxeboot.pxelinux;

/**
 * A config that cannot be parsed or booted. The message is one line, {@code file:line: what is wrong}
 * when a line is to blame, where {@code file} is the TFTP path of the config file.
 */
public final class PxelinuxException extends Exception {
    private final String file;
    private final int line;

    /** A located error: the message becomes {@code file:line: what}. */
    public PxelinuxException(String file, int line, String what) {
        super(file + ":" + line + ": " + what);
        this.file = file;
        this.line = line;
    }

    /** An error about a whole file: the message becomes {@code file: what}. */
    public PxelinuxException(String file, String what) {
        super(file + ": " + what);
        this.file = file;
        this.line = 0;
    }

    /** The TFTP path of the config file to blame. */
    public String file() { return file; }

    /** The 1-based line to blame, or 0 when the whole file is to blame. */
    public int line() { return line; }
}
