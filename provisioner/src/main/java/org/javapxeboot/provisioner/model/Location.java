package org.javapxeboot.provisioner.model;

/** Where a value came from: file, 1-based line and column. Prints as {@code file:line:col}. */
public record Location(String file, int line, int column) {

    /** For values that come from built-in defaults rather than a file. */
    public static final Location BUILTIN = new Location("<built-in>", 0, 0);

    @Override
    public String toString() {
        return line == 0 ? file : file + ":" + line + ":" + column;
    }
}
