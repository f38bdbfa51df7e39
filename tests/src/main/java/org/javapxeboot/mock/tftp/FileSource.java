package org.javapxeboot.mock.tftp;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.MappedByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * The bytes a read transfer serves. A file up to 2 GiB is memory-mapped (blocks are copied straight
 * from the page cache into the send buffer); a bigger one is read with positional reads. netascii
 * content is converted once into memory (RFC 764: LF becomes CR LF, a bare CR becomes CR NUL), so it is
 * bounded: a file of at most {@link #NETASCII_MAX_FILE} bytes, and all netascii transfers of a server together
 * hold at most {@link #NETASCII_BUDGET} bytes of converted text (without these, 64 clients asking for a
 * 256 MiB file in netascii made the server allocate 32 GiB).
 */
abstract class FileSource implements AutoCloseable {
    /** The largest file served in netascii mode: netascii is for text (configs), not for kernels. */
    static final long NETASCII_MAX_FILE = 16L << 20;
    /** Converted netascii bytes all running transfers of one server may hold at once. */
    static final int NETASCII_BUDGET = 64 << 20;

    /** A request refused for its size or the server's memory budget; the message is the ERROR sent. */
    static final class Refused extends IOException {
        Refused(String message) { super(message); }
    }

    abstract long size();

    /** Appends up to {@code length} bytes from {@code position} to {@code dst}. */
    abstract void read(long position, int length, ByteBuffer dst) throws IOException;

    @Override public void close() throws IOException {}

    /**
     * Opens {@code path}; netascii conversions take their worst-case size (twice the file) from {@code budget}
     * in bytes and give it back on {@link #close}.
     */
    static FileSource open(Path path, boolean netascii, java.util.concurrent.Semaphore budget) throws IOException {
        FileChannel fc = FileChannel.open(path, StandardOpenOption.READ);
        try {
            long size = fc.size();
            if (netascii) {
                if (size > NETASCII_MAX_FILE) {
                    throw new Refused("netascii transfers are limited to " + (NETASCII_MAX_FILE >> 20) + " MiB; ask in octet mode");
                }
                int held = (int) Math.max(1, 2 * size);
                if (!budget.tryAcquire(held)) throw new Refused("Server busy: too much netascii text in flight, try again");
                try {
                    ByteBuffer raw = ByteBuffer.allocate((int) size);
                    while (raw.hasRemaining() && fc.read(raw) >= 0) { /* fill */ }
                    fc.close();
                    return new Heap(ByteBuffer.wrap(toNetascii(raw.array(), raw.position())), () -> budget.release(held));
                } catch (IOException | RuntimeException e) {
                    budget.release(held);
                    throw e;
                }
            }
            if (size <= Integer.MAX_VALUE) {
                MappedByteBuffer map = fc.map(FileChannel.MapMode.READ_ONLY, 0, size);
                fc.close();
                return new Heap(map);
            }
            return new Channel(fc, size);
        } catch (IOException | RuntimeException e) {
            fc.close();
            throw e;
        }
    }

    static byte[] toNetascii(byte[] in, int length) {
        java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream(length + length / 16 + 16);
        for (int i = 0; i < length; i++) {
            byte b = in[i];
            if (b == '\n') { out.write('\r'); out.write('\n'); }
            else if (b == '\r') { out.write('\r'); out.write(0); }
            else out.write(b);
        }
        return out.toByteArray();
    }

    /** A mapped file or converted netascii bytes. */
    private static final class Heap extends FileSource {
        private final ByteBuffer content;
        private final Runnable onClose;
        private boolean closed;

        Heap(ByteBuffer content) { this(content, () -> { }); }

        Heap(ByteBuffer content, Runnable onClose) {
            this.content = content;
            this.onClose = onClose;
        }

        @Override public void close() {
            if (!closed) {
                closed = true;
                onClose.run();
            }
        }

        long size() { return content.capacity(); }

        void read(long position, int length, ByteBuffer dst) {
            dst.put(content.slice((int) position, length));
        }
    }

    private static final class Channel extends FileSource {
        private final FileChannel fc;
        private final long size;

        Channel(FileChannel fc, long size) { this.fc = fc; this.size = size; }

        long size() { return size; }

        void read(long position, int length, ByteBuffer dst) throws IOException {
            int limit = dst.limit();
            dst.limit(dst.position() + length);
            try {
                while (dst.hasRemaining()) {
                    if (fc.read(dst, position + length - dst.remaining()) < 0) throw new IOException("file shrank while being served");
                }
            } finally {
                dst.limit(limit);
            }
        }

        @Override public void close() throws IOException { fc.close(); }
    }
}
