package org.javapxeboot.tftp;

/** Option names and limits of RFC 2347 (the rules are in {@link Negotiation}) (negotiation), 2348 (blksize), 2349 (timeout, tsize) and 7440 (windowsize). */
public final class TftpOptions {
    public static final String BLKSIZE = "blksize";
    public static final String TSIZE = "tsize";
    public static final String TIMEOUT = "timeout";
    public static final String WINDOWSIZE = "windowsize";
    /** tftp-hpa/atftp extension: the timeout in microseconds. */
    public static final String UTIMEOUT = "utimeout";

    /** RFC 1350 block size, used when the server ignores options. */
    public static final int DEFAULT_BLKSIZE = 512;
    /** RFC 2348: 8..65464 octets. */
    public static final int MIN_BLKSIZE = 8, MAX_BLKSIZE = 65464;
    /** RFC 2349: 1..255 seconds. */
    public static final int MIN_TIMEOUT = 1, MAX_TIMEOUT = 255;
    /** utimeout: 10 ms..255 s in microseconds. */
    public static final long MIN_UTIMEOUT = 10_000, MAX_UTIMEOUT = 255_000_000;
    /** RFC 7440: 1..65535 blocks. */
    public static final int MIN_WINDOWSIZE = 1, MAX_WINDOWSIZE = 65535;
    /** RFC 2347: a request with options must fit in 512 octets. */
    public static final int MAX_REQUEST_SIZE = 512;

    private TftpOptions() {}
}
