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
 * content is converted once into memory (RFC 764: LF becomes CR LF, a bare CR becomes CR NUL).
 */
abstract class FileSource implements AutoCloseable {
    abstract long size();

    /** Appends up to {@code length} bytes from {@code position} to {@code dst}. */
    abstract void read(long position, int length, ByteBuffer dst) throws IOException;

    @Override public void close() throws IOException {}

    static FileSource open(Path path, boolean netascii) throws IOException {
        FileChannel fc = FileChannel.open(path, StandardOpenOption.READ);
        try {
            long size = fc.size();
            if (netascii) {
                if (size > 256L << 20) throw new IOException("netascii transfers are limited to 256 MiB");
                ByteBuffer raw = ByteBuffer.allocate((int) size);
                while (raw.hasRemaining() && fc.read(raw) >= 0) { /* fill */ }
                fc.close();
                return new Heap(ByteBuffer.wrap(toNetascii(raw.array(), raw.position())));
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

        Heap(ByteBuffer content) { this.content = content; }

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
