package org.javapxeboot.mock.fault;

import java.util.Objects;

/**
 * Send TFTP ERROR {@code code} with {@code message} instead of serving: for requests of {@code file}
 * (any file when null), after {@code afterBlocks} DATA blocks were sent (0: instead of the first
 * reply, that is the OACK or DATA block 1).
 */
public record ErrorFault(int code, String message, String file, long afterBlocks) {
    public ErrorFault {
        if (code < 0 || code > 0xFFFF) throw new IllegalArgumentException("TFTP error code " + code + " is outside 0..65535");
        Objects.requireNonNull(message, "message");
        if (afterBlocks < 0) throw new IllegalArgumentException("afterBlocks is " + afterBlocks + ", must be >= 0");
    }

    /** True when this fault applies to a request for {@code filename} (as the client sent it). */
    public boolean appliesTo(String filename) {
        if (file == null) return true;
        return stripSlash(file).equals(stripSlash(filename));
    }

    private static String stripSlash(String s) {
        int i = 0;
        while (i < s.length() && s.charAt(i) == '/') i++;
        return s.substring(i);
    }

    /**
     * Parses the CLI form {@code CODE:MESSAGE[@FILE]} (the last {@code @} separates the file).
     *
     * @throws IllegalArgumentException quoting the text
     */
    public static ErrorFault parse(String text, long afterBlocks) {
        int colon = text.indexOf(':');
        if (colon <= 0) throw new IllegalArgumentException("'" + text + "' is not CODE:MESSAGE[@FILE] (e.g. 1:File not found@pxelinux.0)");
        int code;
        try {
            code = Integer.parseInt(text.substring(0, colon).trim());
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("'" + text + "': error code '" + text.substring(0, colon) + "' is not a number");
        }
        String rest = text.substring(colon + 1);
        int at = rest.lastIndexOf('@');
        String file = at >= 0 ? rest.substring(at + 1) : null;
        String message = at >= 0 ? rest.substring(0, at) : rest;
        if (file != null && file.isEmpty()) throw new IllegalArgumentException("'" + text + "': empty file name after '@'");
        return new ErrorFault(code, message, file, afterBlocks);
    }
}
