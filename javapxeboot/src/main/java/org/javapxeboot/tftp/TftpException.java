package org.javapxeboot.tftp;

import java.io.IOException;

/**
 * A TFTP transfer that failed. The message names the server, the path and what happened, e.g.
 * {@code tftp://10.0.0.1/pxelinux.cfg/default: server error 2 (Access violation)}.
 */
public final class TftpException extends IOException {
    private static final long serialVersionUID = 1L;

    private final transient TftpError error;
    private final int serverCode;

    /** A failure on our side (timeout, cap, refused options, local I/O): {@link #error()} is null. */
    public TftpException(String message) {
        this(message, null, -1, null);
    }

    public TftpException(String message, Throwable cause) {
        this(message, null, -1, cause);
    }

    /** The server sent ERROR {@code serverCode}. */
    public static TftpException fromServer(String url, int serverCode, String serverMessage) {
        TftpError e = TftpError.of(serverCode);
        String text = serverMessage == null || serverMessage.isBlank() ? defaultText(e) : serverMessage.strip();
        return new TftpException(url + ": server error " + serverCode + " (" + text + ")", e, serverCode, null);
    }

    private TftpException(String message, TftpError error, int serverCode, Throwable cause) {
        super(message, cause);
        this.error = error;
        this.serverCode = serverCode;
    }

    /** The error the server sent, or null when the failure is not a server-sent ERROR packet. */
    public TftpError error() { return error; }

    /** The raw code of the server's ERROR packet (codes above 8 map to NOT_DEFINED in {@link #error()}), or -1. */
    public int serverCode() { return serverCode; }

    /** True when the server answered ERROR 1 (File not found): pxelinux's config search goes on to the next name. */
    public boolean isFileNotFound() { return error == TftpError.FILE_NOT_FOUND; }

    private static String defaultText(TftpError e) {
        switch (e) {
            case FILE_NOT_FOUND: return "File not found";
            case ACCESS_VIOLATION: return "Access violation";
            case DISK_FULL: return "Disk full or allocation exceeded";
            case ILLEGAL_OPERATION: return "Illegal TFTP operation";
            case UNKNOWN_TID: return "Unknown transfer ID";
            case FILE_EXISTS: return "File already exists";
            case NO_SUCH_USER: return "No such user";
            case OPTION_REFUSED: return "Option negotiation refused";
            default: return "Not defined";
        }
    }
}
