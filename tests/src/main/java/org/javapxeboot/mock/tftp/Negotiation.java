package org.javapxeboot.mock.tftp;

import java.util.LinkedHashMap;
import java.util.Map;
import org.javapxeboot.tftp.TftpOptions;

/**
 * RFC 2347 option negotiation on the server side. Pure: the request's options and the server's
 * limits in, the values to use and the OACK to send (or an error 8 reason) out.
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
                case "utimeout" -> {
                    Long v = number(value);
                    if (v == null || v < 10_000 || v > 255_000_000) return error("utimeout '" + value + "' is not 10000..255000000 microseconds");
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

    private static Negotiation error(String why) {
        return new Negotiation(0, 0, 0, Map.of(), why);
    }

    private static Long number(String s) {
        if (s.isEmpty() || s.length() > 18) return null;
        for (int i = 0; i < s.length(); i++) if (s.charAt(i) < '0' || s.charAt(i) > '9') return null;
        return Long.parseLong(s);
    }
}
