package org.javapxeboot.provisioner.model;

/** One finding about the input: where, how bad, and a sentence a person can act on. */
public record Problem(Location where, Severity severity, String message) {

    public enum Severity { ERROR, WARNING }

    public boolean isError() {
        return severity == Severity.ERROR;
    }

    /** {@code file:line:col: error: message}, the format compilers use and editors jump to. */
    @Override
    public String toString() {
        return where + ": " + severity.name().toLowerCase(java.util.Locale.ROOT) + ": " + message;
    }
}
