package org.javapxeboot.pxelinux;

/** A place in a config file: the TFTP path and the 1-based line. */
record Loc(String file, int line) {
    PxelinuxException error(String what) { return new PxelinuxException(file, line, what); }

    @Override public String toString() { return file + ":" + line; }
}
