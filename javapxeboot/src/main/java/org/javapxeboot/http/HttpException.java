package org.javapxeboot.http;

import java.io.IOException;

/** An HTTP fetch failed; the message is one line that names the URL. {@link #status()} is the HTTP status, or 0. */
public class HttpException extends IOException {
    private final int status;

    public HttpException(String message) { this(message, 0); }

    public HttpException(String message, int status) {
        super(message);
        this.status = status;
    }

    /** The HTTP status the server answered with, or 0 when the failure was not an HTTP status. */
    public int status() { return status; }

    /** 404 Not Found or 410 Gone: the config search moves on, as for TFTP's "file not found". */
    public boolean isFileNotFound() { return status == 404 || status == 410; }
}
