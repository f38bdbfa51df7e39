package org.javapxeboot.tftp;

import java.io.IOException;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketTimeoutException;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * A lock-step TFTP server whose answer to each request is scripted, for the negotiation cases real
 * servers do not produce on demand (an OACK with options we did not ask for, ERROR 8, a stranger TID).
 * It serves one request at a time, each from a fresh socket (its TID).
 */
final class ScriptedServer implements AutoCloseable {
    /** How to answer one request: the first packet, then (if {@code serve}) the file in blocks of {@code blksize}. */
    record Reply(TftpPacket first, int blksize, boolean serve) {
        static Reply error(int code, String msg) { return new Reply(new TftpPacket.Error(code, msg), 0, false); }
        static Reply oack(Map<String, String> opts, int blksize) { return new Reply(new TftpPacket.OptionAck(opts), blksize, true); }
        /** RFC 1350: no options understood, DATA 1 answers the request. */
        static Reply plain() { return new Reply(null, 512, true); }
    }

    interface Script {
        Reply answer(TftpPacket.Request request, int index);
    }

    private final DatagramSocket listen;
    private final byte[] file;
    private final Script script;
    private final Thread thread;
    private volatile boolean running = true;
    /** A hook run after sending DATA block n (1-based), with the client's address: for stranger injection. */
    volatile java.util.function.BiConsumer<Integer, InetSocketAddress> afterBlock = (n, c) -> { };

    final List<TftpPacket.Request> requests = new CopyOnWriteArrayList<>();
    /** ERROR packets the client sent us. */
    final List<TftpPacket.Error> clientErrors = new CopyOnWriteArrayList<>();

    ScriptedServer(byte[] file, Script script) throws IOException {
        this.file = file;
        this.script = script;
        listen = new DatagramSocket(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
        listen.setSoTimeout(100);
        thread = new Thread(this::loop, "scripted-tftp");
        thread.setDaemon(true);
        thread.start();
    }

    InetSocketAddress address() {
        return new InetSocketAddress(InetAddress.getLoopbackAddress(), listen.getLocalPort());
    }

    private void loop() {
        byte[] buf = new byte[1024];
        while (running) {
            try {
                DatagramPacket p = new DatagramPacket(buf, buf.length);
                try {
                    listen.receive(p);
                } catch (SocketTimeoutException e) {
                    continue;
                }
                TftpPacket.Request r = (TftpPacket.Request) TftpCodec.decode(buf, 0, p.getLength());
                requests.add(r);
                Reply reply = script.answer(r, requests.size() - 1);
                serve((InetSocketAddress) p.getSocketAddress(), reply);
            } catch (IOException | TftpProtocolException | RuntimeException e) {
                if (running) e.printStackTrace();
            }
        }
    }

    private void serve(InetSocketAddress client, Reply reply) throws IOException, TftpProtocolException {
        try (DatagramSocket s = new DatagramSocket(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0))) {
            s.setSoTimeout(300);
            byte[] in = new byte[1024];
            if (reply.first() != null) {
                byte[] first = TftpCodec.encode(reply.first());
                if (!exchange(s, first, client, in, 0) || !reply.serve()) return;
            }
            if (!reply.serve()) return;
            int bs = reply.blksize();
            for (int n = 1; ; n++) {
                int off = (n - 1) * bs;
                int len = Math.max(0, Math.min(bs, file.length - off));
                byte[] data = new byte[4 + len];
                TftpCodec.encodeDataHeader(data, 0, n & 0xFFFF);
                System.arraycopy(file, off, data, 4, len);
                s.send(new DatagramPacket(data, data.length, client));
                afterBlock.accept(n, client);
                if (!awaitAck(s, data, client, in, n & 0xFFFF)) return;
                if (len < bs) return;
            }
        }
    }

    /** Sends {@code first}; waits for ACK 0 when it is an OACK. False when the client ended the transfer. */
    private boolean exchange(DatagramSocket s, byte[] first, InetSocketAddress client, byte[] in, int block)
            throws IOException, TftpProtocolException {
        s.send(new DatagramPacket(first, first.length, client));
        if (TftpCodec.peekOpcode(first, 0, first.length) != TftpPacket.OACK) return false;
        return awaitAck(s, first, client, in, block);
    }

    private boolean awaitAck(DatagramSocket s, byte[] last, InetSocketAddress client, byte[] in, int block)
            throws IOException, TftpProtocolException {
        for (int tries = 0; tries < 10 && running; ) {
            DatagramPacket p = new DatagramPacket(in, in.length);
            try {
                s.receive(p);
            } catch (SocketTimeoutException e) {
                tries++;
                s.send(new DatagramPacket(last, last.length, client));
                continue;
            }
            TftpPacket pk = TftpCodec.decode(in, 0, p.getLength());
            if (pk instanceof TftpPacket.Error e) {
                clientErrors.add(e);
                return false;
            }
            if (pk instanceof TftpPacket.Ack a && a.block() == block) return true;
        }
        return false;
    }

    @Override public void close() {
        running = false;
        try {
            thread.join(2000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        listen.close();
    }
}
