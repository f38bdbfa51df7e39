package org.javapxeboot.tftp;

import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;

/**
 * The TFTP packets of RFC 1350 and the option acknowledgement of RFC 2347, as plain values.
 * {@link TftpCodec} turns them into bytes and back; nothing here touches a socket.
 */
public sealed interface TftpPacket {

    /** Opcodes, RFC 1350 section 5 and RFC 2347 (OACK). */
    int RRQ = 1, WRQ = 2, DATA = 3, ACK = 4, ERROR = 5, OACK = 6;

    int opcode();

    /**
     * RRQ or WRQ. Option names are kept lower-case (RFC 2347: case-insensitive), in the order sent;
     * values are kept as sent.
     */
    record Request(int opcode, String filename, String mode, Map<String, String> options) implements TftpPacket {
        public Request {
            if (opcode != RRQ && opcode != WRQ) throw new IllegalArgumentException("not a request opcode: " + opcode);
            Objects.requireNonNull(filename, "filename");
            Objects.requireNonNull(mode, "mode");
            options = unmodifiableCopy(options);
        }

        public static Request read(String filename, Map<String, String> options) {
            return new Request(RRQ, filename, "octet", options);
        }
    }

    /** A data block; {@code block} is the 16-bit wire number (0..65535), it rolls over. */
    record Data(int block, byte[] buf, int offset, int length) implements TftpPacket {
        public Data {
            checkBlock(block);
            Objects.checkFromIndexSize(offset, length, buf.length);
        }

        public Data(int block, byte[] payload) {
            this(block, payload, 0, payload.length);
        }

        public int opcode() { return DATA; }

        public byte[] payload() { return Arrays.copyOfRange(buf, offset, offset + length); }

        @Override public boolean equals(Object o) {
            return o instanceof Data d && d.block == block
                && Arrays.equals(buf, offset, offset + length, d.buf, d.offset, d.offset + d.length);
        }

        @Override public int hashCode() { return 31 * block + length; }

        @Override public String toString() { return "DATA(block=" + block + ", " + length + " bytes)"; }
    }

    record Ack(int block) implements TftpPacket {
        public Ack { checkBlock(block); }
        public int opcode() { return ACK; }
    }

    record Error(int code, String message) implements TftpPacket {
        public Error { Objects.requireNonNull(message, "message"); }
        public Error(TftpError code, String message) { this(code.code(), message); }
        public int opcode() { return ERROR; }
    }

    /** RFC 2347 option acknowledgement: the options the server accepted, with the values it chose. */
    record OptionAck(Map<String, String> options) implements TftpPacket {
        public OptionAck { options = unmodifiableCopy(options); }
        public int opcode() { return OACK; }
    }

    private static void checkBlock(int block) {
        if (block < 0 || block > 0xFFFF) throw new IllegalArgumentException("block number out of range: " + block);
    }

    private static Map<String, String> unmodifiableCopy(Map<String, String> options) {
        return options == null ? Map.of() : java.util.Collections.unmodifiableMap(new LinkedHashMap<>(options));
    }
}
