package org.javapxeboot.dhcp;

import java.io.ByteArrayOutputStream;
import java.util.Map;

/**
 * The code-length-value layout DHCP uses in three places (RFC 2132 §2): the options field, the
 * {@code file} and {@code sname} fields when option 52 overloads them (RFC 2131 §4.1), and the PXE
 * sub-options inside option 43 (PXE 2.1 §2.4). One codec for all three, used by the bootloader's
 * client (reading) and pxe-mock's server (writing). Pure: bytes in, bytes out.
 */
public final class DhcpTlv {
    private DhcpTlv() {}

    /** RFC 2132 §3.1 and §3.2: PAD (skipped, no length) and END (stops the walk). */
    public static final int PAD = 0, END = 255;

    /** Receives each option of a walk: its code and its value at {@code buf[at, at + len)}. */
    @FunctionalInterface
    public interface Visitor<X extends Exception> {
        void option(int code, byte[] buf, int at, int len) throws X;
    }

    /**
     * Walks {@code buf[from, to)}: PAD skipped, END (or the end of the range) stops. Returns -1 when every
     * option fitted, else the code of the first option whose length runs past {@code to} (nothing after it
     * is visited).
     */
    public static <X extends Exception> int walk(byte[] buf, int from, int to, Visitor<X> v) throws X {
        int i = from;
        while (i < to) {
            int code = buf[i] & 0xff;
            if (code == PAD) { i++; continue; }
            if (code == END) return -1;
            if (i + 1 >= to || i + 2 + (buf[i + 1] & 0xff) > to) return code;
            int len = buf[i + 1] & 0xff;
            v.option(code, buf, i + 2, len);
            i += 2 + len;
        }
        return -1;
    }

    public static <X extends Exception> int walk(byte[] buf, Visitor<X> v) throws X {
        return walk(buf, 0, buf.length, v);
    }

    /** Appends one option (a value of at most 255 bytes) to {@code out}. */
    public static void put(ByteArrayOutputStream out, int code, byte[] value) {
        if (value.length > 255) throw new IllegalArgumentException("option " + code + " value of " + value.length + " bytes exceeds 255");
        out.write(code);
        out.write(value.length);
        out.write(value, 0, value.length);
    }

    /** {@code options} in order, then END: an option 43 body or a whole overloaded field. */
    public static byte[] encode(Map<Integer, byte[]> options) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (Map.Entry<Integer, byte[]> e : options.entrySet()) put(out, e.getKey(), e.getValue());
        out.write(END);
        return out.toByteArray();
    }

    /**
     * Packs options into the overloaded fields: {@code file} (128 bytes) first when mode has bit 1
     * ({@link DhcpOptions#OVERLOAD_FILE}), then {@code sname} (64 bytes) when mode has bit 2
     * ({@link DhcpOptions#OVERLOAD_SNAME}). Each field holds whole options and ends with END (RFC 2132
     * §9.3). Returns {file, sname} (null: field not used), or null if they do not fit.
     */
    public static byte[][] pack(Map<Integer, byte[]> options, int mode) {
        int[] sizes = {(mode & DhcpOptions.OVERLOAD_FILE) != 0 ? 128 : 0, (mode & DhcpOptions.OVERLOAD_SNAME) != 0 ? 64 : 0};
        ByteArrayOutputStream[] fields = {new ByteArrayOutputStream(), new ByteArrayOutputStream()};
        int f = sizes[0] > 0 ? 0 : 1;
        for (Map.Entry<Integer, byte[]> e : options.entrySet()) {
            int need = e.getValue().length + 2;
            while (f < 2 && fields[f].size() + need + 1 > sizes[f]) f++;
            if (f == 2) return null;
            put(fields[f], e.getKey(), e.getValue());
        }
        byte[][] out = new byte[2][];
        for (int i = 0; i < 2; i++) {
            if (sizes[i] == 0) continue;
            fields[i].write(END);
            out[i] = fields[i].toByteArray();
        }
        return out;
    }
}
