package org.javapxeboot.tftp;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * RFC 2347 option negotiation, both sides, in one place. Pure: no socket, no clock.
 *
 * <ul>
 *   <li>Client: {@link #requestOptions} writes the options of an RRQ; {@link #acceptOack} checks the
 *       server's OACK against what was asked and gives the values to use, or the reason for an ERROR 8.</li>
 *   <li>Server: {@link #negotiate} takes a request's options and the server's limits and gives the values
 *       to use and the OACK to send, or the reason for an ERROR 8. This record is its answer.</li>
 * </ul>
 *
 * <p>Server side:
 *
 * <p>Accepted: {@code blksize} (RFC 2348; above the server's maximum it is lowered, below 8 it is
 * an error), {@code tsize} (RFC 2349; a read answers the file size, a write checks the announced
 * size against the cap), {@code timeout} (RFC 2349, whole seconds 1..255), {@code utimeout}
 * (tftp-hpa/atftp extension, microseconds 10000..255000000), {@code windowsize} (RFC 7440; lowered
 * to the server's maximum; writes are lock-step, so a write does not acknowledge it). Unknown options
 * are ignored, as RFC 2347 says. A value that is not a number, or out of range, is an error 8.
 */
public record Negotiation(int blksize, int windowsize, long timeoutMicros, Map<String, String> oack, String error) {

    /** Server-side limits. */
    public record Limits(int maxBlksize, int maxWindowsize, long defaultTimeoutMicros, long maxWriteBytes) {}

    public boolean ok() { return error == null; }

    public static Negotiation none(Limits limits) {
        return new Negotiation(TftpOptions.DEFAULT_BLKSIZE, 1, limits.defaultTimeoutMicros(), Map.of(), null);
    }

    /**
     * @param fileSize the size to report for tsize on a read (the converted size for netascii); ignored for writes
     */
    public static Negotiation negotiate(Map<String, String> requested, boolean read, long fileSize, Limits limits) {
        int blksize = TftpOptions.DEFAULT_BLKSIZE, windowsize = 1;
        long timeout = limits.defaultTimeoutMicros();
        Map<String, String> oack = new LinkedHashMap<>();
        for (Map.Entry<String, String> e : requested.entrySet()) {
            String name = e.getKey(), value = e.getValue();
            switch (name) {
                case TftpOptions.BLKSIZE -> {
                    Long v = number(value);
                    if (v == null || v < TftpOptions.MIN_BLKSIZE) return error("blksize '" + value + "' is not a number >= 8");
                    blksize = (int) Math.min(v, limits.maxBlksize());
                    oack.put(name, Integer.toString(blksize));
                }
                case TftpOptions.TSIZE -> {
                    Long v = number(value);
                    if (v == null) return error("tsize '" + value + "' is not a number");
                    if (read) oack.put(name, Long.toString(fileSize));
                    else if (v > limits.maxWriteBytes()) return error("tsize " + v + " exceeds the server's write cap of " + limits.maxWriteBytes() + " bytes");
                    else oack.put(name, Long.toString(v));
                }
                case TftpOptions.TIMEOUT -> {
                    Long v = number(value);
                    if (v == null || v < TftpOptions.MIN_TIMEOUT || v > TftpOptions.MAX_TIMEOUT) return error("timeout '" + value + "' is not 1..255 seconds");
                    timeout = v * 1_000_000;
                    oack.put(name, Long.toString(v));
                }
                case TftpOptions.UTIMEOUT -> {
                    Long v = number(value);
                    if (v == null || v < TftpOptions.MIN_UTIMEOUT || v > TftpOptions.MAX_UTIMEOUT) return error("utimeout '" + value + "' is not 10000..255000000 microseconds");
                    timeout = v;
                    oack.put(name, Long.toString(v));
                }
                case TftpOptions.WINDOWSIZE -> {
                    Long v = number(value);
                    if (v == null || v < TftpOptions.MIN_WINDOWSIZE || v > TftpOptions.MAX_WINDOWSIZE) return error("windowsize '" + value + "' is not 1..65535");
                    if (read) {
                        windowsize = (int) Math.min(v, limits.maxWindowsize());
                        oack.put(name, Integer.toString(windowsize));
                    }
                }
                default -> { /* RFC 2347: unknown options are ignored */ }
            }
        }
        // If both timeout and utimeout were asked, the later one wins; both are echoed as accepted.
        return new Negotiation(blksize, windowsize, timeout, oack, null);
    }

    /**
     * The options of a client's RRQ, in the order sent: {@code blksize}, {@code tsize} (when asked),
     * {@code timeout}, and {@code windowsize} when above 1 (lock-step needs no option).
     */
    public static Map<String, String> requestOptions(int blksize, boolean tsize, int timeoutSeconds, int windowsize) {
        Map<String, String> opts = new LinkedHashMap<>();
        opts.put(TftpOptions.BLKSIZE, Integer.toString(blksize));
        if (tsize) opts.put(TftpOptions.TSIZE, "0");
        opts.put(TftpOptions.TIMEOUT, Integer.toString(timeoutSeconds));
        if (windowsize > 1) opts.put(TftpOptions.WINDOWSIZE, Integer.toString(windowsize));
        return opts;
    }

    /**
     * What a client takes from an OACK: the values to use, or {@code refusal}, the reason for an ERROR 8.
     *
     * @param tsize the server's file size, or -1 when it did not say
     * @param empty the OACK named no option at all (nothing was negotiated)
     */
    public record Accepted(int blksize, int windowsize, long tsize, boolean empty, String refusal) {
        public boolean ok() { return refusal == null; }

        static Accepted refused(String why) { return new Accepted(0, 0, -1, false, why); }
    }

    /**
     * RFC 2347 on the client side: the server may accept fewer options or lower the values; anything else
     * (an option we did not ask for, blksize or windowsize above what we asked, garbage) is refused.
     *
     * @param askedWindow the windowsize asked, 1 when none was
     */
    public static Accepted acceptOack(Map<String, String> oack, int askedBlksize, int askedWindow, boolean askedTsize) {
        int b = TftpOptions.DEFAULT_BLKSIZE, w = 1;
        long tsize = -1;
        for (Map.Entry<String, String> o : oack.entrySet()) {
            String name = o.getKey(), value = o.getValue().trim();
            long v;
            try {
                v = Long.parseLong(value);
            } catch (NumberFormatException e) {
                return Accepted.refused("OACK option " + name + "=" + value + " is not a number");
            }
            switch (name) {
                case TftpOptions.BLKSIZE:
                    if (v < TftpOptions.MIN_BLKSIZE || v > askedBlksize) return Accepted.refused("OACK blksize " + v + " is outside 8.." + askedBlksize);
                    b = (int) v;
                    break;
                case TftpOptions.WINDOWSIZE:
                    if (askedWindow <= 1) return Accepted.refused("OACK answers windowsize, which we did not ask for");
                    if (v < 1 || v > askedWindow) return Accepted.refused("OACK windowsize " + v + " is outside 1.." + askedWindow);
                    w = (int) v;
                    break;
                case TftpOptions.TSIZE:
                    if (!askedTsize) return Accepted.refused("OACK answers tsize, which we did not ask for");
                    if (v < 0) return Accepted.refused("OACK tsize " + v + " is negative");
                    tsize = v;
                    break;
                case TftpOptions.TIMEOUT:
                    // RFC 2349: the server echoes our value; we run our own timers anyway.
                    if (v < TftpOptions.MIN_TIMEOUT || v > TftpOptions.MAX_TIMEOUT) return Accepted.refused("OACK timeout " + v + " is outside 1..255");
                    break;
                default:
                    return Accepted.refused("OACK answers option " + name + ", which we did not ask for");
            }
        }
        return new Accepted(b, w, tsize, oack.isEmpty(), null);
    }

    private static Negotiation error(String why) {
        return new Negotiation(0, 0, 0, Map.of(), why);
    }

    private static Long number(String s) {
        if (s.isEmpty() || s.length() > 18) return null;
        for (int i = 0; i < s.length(); i++) if (s.charAt(i) < '0' || s.charAt(i) > '9') return null;
        return Long.parseLong(s);
    }
}
