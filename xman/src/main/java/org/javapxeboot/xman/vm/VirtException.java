package org.javapxeboot.xman.vm;

/** A failed VM operation: what was tried, on which domain (if any), and why. */
public class VirtException extends Exception {
    public enum Kind { NO_DOMAIN, INVALID_STATE, INVALID_ARGUMENT, UNSUPPORTED, DENIED, UNAVAILABLE, FAILED }

    private final Kind kind;
    private final String domain;
    private final String operation;

    public VirtException(Kind kind, String operation, String domain, String message, Throwable cause) {
        super((domain == null ? operation : operation + " " + domain) + ": " + message, cause);
        this.kind = kind;
        this.domain = domain;
        this.operation = operation;
    }

    public VirtException(Kind kind, String operation, String domain, String message) {
        this(kind, operation, domain, message, null);
    }

    public Kind kind() { return kind; }

    /** The domain the operation was on, or null for host-wide operations. */
    public String domain() { return domain; }

    public String operation() { return operation; }
}
