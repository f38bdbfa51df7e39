package org.javapxeboot.http;

import java.io.IOException;
import java.io.InputStream;

/**
 * Decodes a chunked body (RFC 7230 section 4.1): size lines in hex (extensions ignored), data, CRLF,
 * a last chunk of size 0 and optional trailers. Bounded: a size line of at most
 * {@link ResponseHead#MAX_LINE} bytes and at most 15 hex digits, trailers within {@link ResponseHead#MAX_HEAD}.
 * The end of the stream before the last chunk is an error, never a short file.
 */
final class ChunkedInputStream extends InputStream {
    private final InputStream in;
    private final String what;
    private long left; // bytes left in the current chunk
    private boolean done;
    private boolean started;

    ChunkedInputStream(InputStream in, String what) {
        this.in = in;
        this.what = what;
    }

    @Override public int read() throws IOException {
        byte[] one = new byte[1];
        int n = read(one, 0, 1);
        return n < 0 ? -1 : one[0] & 0xff;
    }

    @Override public int read(byte[] b, int off, int len) throws IOException {
        if (done) return -1;
        if (left == 0) {
            if (started) endOfChunk();
            started = true;
            left = chunkSize();
            if (left == 0) {
                trailers();
                done = true;
                return -1;
            }
        }
        int n = in.read(b, off, (int) Math.min(len, left));
        if (n < 0) throw new HttpException(what + ": the server closed the connection in the middle of a chunk");
        left -= n;
        return n;
    }

    private void endOfChunk() throws IOException {
        String crlf = ResponseHead.line(in, what, new int[] {ResponseHead.MAX_LINE}, false);
        if (!crlf.isEmpty()) throw new HttpException(what + ": chunk data longer than its size line says");
    }

    private long chunkSize() throws IOException {
        String line = ResponseHead.line(in, what, new int[] {ResponseHead.MAX_LINE}, false);
        int semi = line.indexOf(';');
        String hex = (semi < 0 ? line : line.substring(0, semi)).trim();
        if (hex.isEmpty() || hex.length() > 15) throw new HttpException(what + ": bad chunk size line '" + ResponseHead.clip(line) + "'");
        long v = 0;
        for (int i = 0; i < hex.length(); i++) {
            int d = Character.digit(hex.charAt(i), 16);
            if (d < 0) throw new HttpException(what + ": bad chunk size line '" + ResponseHead.clip(line) + "'");
            v = v * 16 + d;
        }
        return v;
    }

    private void trailers() throws IOException {
        int[] budget = {ResponseHead.MAX_HEAD};
        while (!ResponseHead.line(in, what, budget, false).isEmpty()) {
            // trailer fields: nothing in them matters for a file download
        }
    }
}
