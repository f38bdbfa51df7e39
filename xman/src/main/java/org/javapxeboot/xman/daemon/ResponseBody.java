package org.javapxeboot.xman.daemon;

import java.nio.charset.StandardCharsets;
import org.javapxeboot.xman.wire.Json;

/**
 * An answer's JSON body as UTF-8, written into buffers that each thread reuses: the text was built in
 * a growing StringBuilder, copied into a String, copied again with the final newline and encoded into
 * a new array, four copies of every {@code list} answer (~25 KB for 100 domains) and most of the
 * daemon's garbage per request with the maps behind them (BENCHMARKS.md section 4).
 *
 * <p>A thread keeps buffers up to {@link #KEEP} bytes; a larger answer gets buffers of its own, so a
 * rare huge answer does not pin its size on the thread. Not shared between threads.
 */
final class ResponseBody {
    /** The largest buffers a thread keeps between answers (characters, bytes). */
    static final int KEEP = 256 * 1024;

    private static final ThreadLocal<ResponseBody> MINE = ThreadLocal.withInitial(ResponseBody::new);

    private StringBuilder text = new StringBuilder(4096);
    private byte[] bytes = new byte[4096];
    private int length;

    private ResponseBody() {}

    /** {@code body} as JSON and a newline, in UTF-8, in this thread's buffers: valid until the thread's next call. */
    static ResponseBody of(Object body) {
        ResponseBody r = MINE.get();
        r.write(body);
        return r;
    }

    /** The encoded answer: {@link #length()} bytes from 0; the array is reused by the thread's next call. */
    byte[] bytes() {
        return bytes;
    }

    int length() {
        return length;
    }

    private void write(Object body) {
        if (text.capacity() > KEEP) text = new StringBuilder(4096);
        StringBuilder sb = text;
        sb.setLength(0);
        Json.write(sb, body);
        sb.append('\n');
        int n = sb.length();
        if (bytes.length < n || bytes.length > KEEP) bytes = new byte[Math.max(4096, n)];
        for (int i = 0; i < n; i++) {
            char c = sb.charAt(i);
            if (c >= 0x80) {
                // Not ASCII (a name or a message from libvirt): the JDK's encoder, lone surrogates as '?' as before.
                bytes = sb.toString().getBytes(StandardCharsets.UTF_8);
                length = bytes.length;
                return;
            }
            bytes[i] = (byte) c;
        }
        length = n;
    }
}
