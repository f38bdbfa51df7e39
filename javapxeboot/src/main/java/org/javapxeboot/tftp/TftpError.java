package org.javapxeboot.tftp;

/** TFTP error codes, RFC 1350 appendix and RFC 2347 (code 8). */
public enum TftpError {
    NOT_DEFINED(0),
    FILE_NOT_FOUND(1),
    ACCESS_VIOLATION(2),
    DISK_FULL(3),
    ILLEGAL_OPERATION(4),
    UNKNOWN_TID(5),
    FILE_EXISTS(6),
    NO_SUCH_USER(7),
    /** RFC 2347: the option negotiation was refused; the transfer ends. */
    OPTION_REFUSED(8);

    private final int code;

    TftpError(int code) { this.code = code; }

    public int code() { return code; }

    public static TftpError of(int code) {
        for (TftpError e : values()) if (e.code == code) return e;
        return NOT_DEFINED;
    }
}
