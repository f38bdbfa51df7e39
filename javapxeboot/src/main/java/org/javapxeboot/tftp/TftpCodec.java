package org.javapxeboot.tftp;

import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/**
 * Encodes and decodes TFTP packets (RFC 1350, RFC 2347). Pure: bytes in, {@link TftpPacket} out, and
 * back. Strings are netascii/octet bytes taken as ISO-8859-1 so that any byte survives a round trip.
 *
 * <p>Unlike Commons Net 3.13 it reads OACK, and a request whose last option value lacks its NUL is
 * reported as malformed rather than throwing ArrayIndexOutOfBoundsException.
 */
public final class TftpCodec {
    private TftpCodec() {}

    /** Decodes a DATA packet without copying its payload: the returned record points into {@code buf}. */
    public static TftpPacket decode(byte[] buf, int offset, int length) throws TftpProtocolException {
        if (length < 2) throw new TftpProtocolException("packet of " + length + " bytes is shorter than an opcode");
        int op = u16(buf, offset);
        int p = offset + 2, end = offset + length;
        switch (op) {
            case TftpPacket.RRQ, TftpPacket.WRQ -> {
                String[] fields = strings(buf, p, end, op == TftpPacket.RRQ ? "RRQ" : "WRQ");
                if (fields.length < 2) throw new TftpProtocolException("request without filename and mode");
                if ((fields.length & 1) != 0) throw new TftpProtocolException("request option '" + fields[fields.length - 1] + "' has no value");
                Map<String, String> opts = new LinkedHashMap<>();
                for (int i = 2; i < fields.length; i += 2) {
                    // RFC 2347: option names are case-insensitive; a repeated option keeps its first value.
                    opts.putIfAbsent(fields[i].toLowerCase(Locale.ROOT), fields[i + 1]);
                }
                return new TftpPacket.Request(op, fields[0], fields[1].toLowerCase(Locale.ROOT), opts);
            }
            case TftpPacket.DATA -> {
                if (length < 4) throw new TftpProtocolException("DATA packet of " + length + " bytes has no block number");
                return new TftpPacket.Data(u16(buf, p), buf, p + 2, end - p - 2);
            }
            case TftpPacket.ACK -> {
                // Some servers and clients pad ACKs; only the first four bytes matter.
                if (length < 4) throw new TftpProtocolException("ACK packet of " + length + " bytes has no block number");
                return new TftpPacket.Ack(u16(buf, p));
            }
            case TftpPacket.ERROR -> {
                if (length < 4) throw new TftpProtocolException("ERROR packet of " + length + " bytes has no error code");
                int code = u16(buf, p);
                int q = p + 2, z = q;
                while (z < end && buf[z] != 0) z++;
                // A missing NUL after the message is tolerated: the error is what matters.
                return new TftpPacket.Error(code, new String(buf, q, z - q, StandardCharsets.ISO_8859_1));
            }
            case TftpPacket.OACK -> {
                String[] fields = strings(buf, p, end, "OACK");
                if ((fields.length & 1) != 0) throw new TftpProtocolException("OACK option '" + fields[fields.length - 1] + "' has no value");
                Map<String, String> opts = new LinkedHashMap<>();
                for (int i = 0; i < fields.length; i += 2) opts.putIfAbsent(fields[i].toLowerCase(Locale.ROOT), fields[i + 1]);
                return new TftpPacket.OptionAck(opts);
            }
            default -> throw new TftpProtocolException("unknown opcode " + op);
        }
    }

    public static TftpPacket decode(byte[] buf) throws TftpProtocolException {
        return decode(buf, 0, buf.length);
    }

    /** Encodes into a new array. For DATA on a hot path use {@link #encodeDataHeader}. */
    public static byte[] encode(TftpPacket packet) {
        if (packet instanceof TftpPacket.Request r) {
            Buf b = new Buf();
            b.u16(r.opcode()).str(r.filename()).str(r.mode());
            for (Map.Entry<String, String> o : r.options().entrySet()) b.str(o.getKey()).str(o.getValue());
            return b.bytes();
        }
        if (packet instanceof TftpPacket.Data d) {
            byte[] out = new byte[4 + d.length()];
            encodeDataHeader(out, 0, d.block());
            System.arraycopy(d.buf(), d.offset(), out, 4, d.length());
            return out;
        }
        if (packet instanceof TftpPacket.Ack a) {
            return new byte[] {0, TftpPacket.ACK, (byte) (a.block() >> 8), (byte) a.block()};
        }
        if (packet instanceof TftpPacket.Error e) {
            return new Buf().u16(TftpPacket.ERROR).u16(e.code()).str(e.message()).bytes();
        }
        TftpPacket.OptionAck o = (TftpPacket.OptionAck) packet;
        Buf b = new Buf().u16(TftpPacket.OACK);
        for (Map.Entry<String, String> e : o.options().entrySet()) b.str(e.getKey()).str(e.getValue());
        return b.bytes();
    }

    /** Writes the 4-byte DATA header at {@code offset}, so a sender can read file bytes right after it. */
    public static void encodeDataHeader(byte[] buf, int offset, int block) {
        buf[offset] = 0;
        buf[offset + 1] = TftpPacket.DATA;
        buf[offset + 2] = (byte) (block >> 8);
        buf[offset + 3] = (byte) block;
    }

    /** Writes an ACK into {@code buf} (4 bytes) and returns 4. */
    public static int encodeAck(byte[] buf, int block) {
        buf[0] = 0;
        buf[1] = TftpPacket.ACK;
        buf[2] = (byte) (block >> 8);
        buf[3] = (byte) block;
        return 4;
    }

    /** The opcode of a datagram, or -1 if it is too short: lets a hot loop skip a full decode. */
    public static int peekOpcode(byte[] buf, int offset, int length) {
        return length < 2 ? -1 : u16(buf, offset);
    }

    /** The block number of a DATA or ACK datagram (caller checks opcode and length >= 4). */
    public static int peekBlock(byte[] buf, int offset) {
        return u16(buf, offset + 2);
    }

    private static int u16(byte[] b, int i) {
        return ((b[i] & 0xFF) << 8) | (b[i + 1] & 0xFF);
    }

    private static String[] strings(byte[] buf, int p, int end, String what) throws TftpProtocolException {
        java.util.List<String> out = new java.util.ArrayList<>();
        while (p < end) {
            int z = p;
            while (z < end && buf[z] != 0) z++;
            if (z == end) throw new TftpProtocolException(what + " field at offset " + p + " is not NUL-terminated");
            out.add(new String(buf, p, z - p, StandardCharsets.ISO_8859_1));
            p = z + 1;
        }
        return out.toArray(new String[0]);
    }

    private static final class Buf {
        private final java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream(64);

        Buf u16(int v) { out.write(v >> 8); out.write(v); return this; }

        Buf str(String s) {
            byte[] b = s.getBytes(StandardCharsets.ISO_8859_1);
            out.write(b, 0, b.length);
            out.write(0);
            return this;
        }

        byte[] bytes() { return out.toByteArray(); }
    }
}
