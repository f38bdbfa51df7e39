package org.javapxeboot.mock;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.util.LinkedHashMap;
import java.util.Map;
import org.javapxeboot.tftp.TftpPacket;

/**
 * A small windowed TFTP reader for tests (RFC 7440 receiver rules): it ACKs every full window,
 * ACKs the last in-order block once when it sees a gap, and re-ACKs on a short timer. It stands in
 * for a client that recovers quickly, so fault tests run in seconds.
 */
public final class MiniClient {
    private MiniClient() {}

    public static byte[] get(InetSocketAddress server, String file, int blksize, int window) throws IOException {
        Map<String, String> options = new LinkedHashMap<>();
        options.put("blksize", Integer.toString(blksize));
        options.put("windowsize", Integer.toString(window));
        try (RawTftp c = new RawTftp(server)) {
            c.request(file, options);
            RawTftp.Received first = null;
            for (int i = 0; i < 20 && first == null; i++) {
                first = c.receive(200);
                if (first == null) c.request(file, options);
            }
            if (first == null) throw new IOException("no answer to the request");
            if (first.packet() instanceof TftpPacket.Error e) throw new IOException("error " + e.code() + ": " + e.message());
            if (!(first.packet() instanceof TftpPacket.OptionAck)) throw new IOException("expected OACK, got " + first.packet());
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            long expected = 1;
            int sinceAck = 0, idle = 0;
            boolean gapAcked = false;
            c.ack(0);
            while (true) {
                RawTftp.Received r = c.receive(30);
                if (r == null) {
                    if (++idle > 200) throw new IOException("gave up waiting for block " + expected);
                    c.ack((int) (expected - 1));
                    sinceAck = 0;
                    continue;
                }
                idle = 0;
                if (r.packet() instanceof TftpPacket.Error e) throw new IOException("error " + e.code() + ": " + e.message());
                if (!(r.packet() instanceof TftpPacket.Data d)) continue;
                if (d.block() == (int) (expected & 0xFFFF)) {
                    out.write(d.buf(), d.offset(), d.length());
                    expected++;
                    gapAcked = false;
                    if (d.length() < blksize) {
                        c.ack(d.block());
                        return out.toByteArray();
                    }
                    if (++sinceAck == window) {
                        c.ack(d.block());
                        sinceAck = 0;
                    }
                } else if (!gapAcked && ((d.block() - expected) & 0xFFFF) < 0x8000) {
                    // A block from the future: one was lost or overtaken. Ask for a restart once.
                    c.ack((int) (expected - 1));
                    gapAcked = true;
                    sinceAck = 0;
                }
            }
        }
    }
}
