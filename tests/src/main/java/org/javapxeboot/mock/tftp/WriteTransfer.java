package org.javapxeboot.mock.tftp;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import org.javapxeboot.mock.fault.FaultInjector;
import org.javapxeboot.tftp.TftpCodec;
import org.javapxeboot.tftp.TftpError;
import org.javapxeboot.tftp.TftpPacket;

/**
 * Receives one WRQ (only when writes are enabled), lock-step. The data goes to a hidden temporary
 * file beside the target and is renamed over it when the last block arrives, so a reader never
 * sees half a file and a failed transfer leaves nothing behind. A duplicate DATA block is answered
 * by repeating its ACK (RFC 1350); the receiver cannot cause the sorcerer's apprentice bug.
 */
final class WriteTransfer extends Transfer {

    WriteTransfer(TftpServer server, TftpRequestRecord record, TftpPacket.Request request, FaultInjector faults) {
        super(server, record, request, faults);
    }

    @SuppressWarnings("try") // the file is closed before the rename, inside its try block, on purpose
    @Override TransferRecord exchange(Link link) throws IOException {
        RootResolver.Resolution where = server.resolver().forWrite(request.filename());
        if (!where.ok()) return error(link, where.errorCode(), where.error());
        Negotiation.Limits limits = new Negotiation.Limits(config.maxBlksize(), 1, config.timeoutMillis() * 1000, config.maxWriteBytes());
        Negotiation n = faults.faults().refuseOptions() ? Negotiation.none(limits) : Negotiation.negotiate(request.options(), false, 0, limits);
        if (!n.ok()) return error(link, TftpError.OPTION_REFUSED.code(), "Option refused: " + n.error());
        negotiated = n.oack();
        Path target = where.path();
        Path tmp = Files.createTempFile(target.getParent(), "." + target.getFileName() + ".", ".part");
        boolean done = false;
        try (FileChannel out = FileChannel.open(tmp, StandardOpenOption.WRITE)) {
            ByteBuffer reply = ByteBuffer.wrap(negotiated.isEmpty() ? TftpCodec.encode(new TftpPacket.Ack(0)) : TftpCodec.encode(new TftpPacket.OptionAck(negotiated)));
            long timeoutNanos = n.timeoutMicros() * 1000;
            byte[] in = new byte[65536];
            long expected = 1;
            int retries = 0;
            long sentAt = now();
            link.send(reply.duplicate(), 0);
            while (true) {
                int len = receiveUntil(link, in, sentAt + timeoutNanos);
                if (len < 0) {
                    if (++retries > config.maxRetries()) return end(TransferRecord.Outcome.TIMED_OUT, -1, "no DATA block " + expected);
                    retransmissions++;
                    server.stats().retransmissions.incrementAndGet();
                    sentAt = now();
                    link.send(reply.duplicate(), 0);
                    continue;
                }
                int op = TftpCodec.peekOpcode(in, 0, len);
                if (op == TftpPacket.ERROR) return end(TransferRecord.Outcome.CLIENT_ERROR, -1, "client sent an error");
                if (op != TftpPacket.DATA || len < 4) continue;
                int block = TftpCodec.peekBlock(in, 0);
                int size = len - 4;
                if (block == (int) (expected & 0xFFFF)) {
                    if (size > n.blksize()) return error(link, TftpError.ILLEGAL_OPERATION.code(), "DATA block " + expected + " is larger than blksize " + n.blksize());
                    if (bytes + size > config.maxWriteBytes()) return error(link, TftpError.DISK_FULL.code(), "Disk full: the server's write cap is " + config.maxWriteBytes() + " bytes");
                    out.write(ByteBuffer.wrap(in, 4, size));
                    bytes += size;
                    server.stats().bytesReceived.addAndGet(size);
                    reply = ByteBuffer.wrap(TftpCodec.encode(new TftpPacket.Ack(block)));
                    retries = 0;
                    if (size < n.blksize()) {
                        out.force(false);
                        out.close();
                        Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
                        done = true;
                        link.send(reply.duplicate(), 0);
                        return end(TransferRecord.Outcome.COMPLETED, -1, "");
                    }
                    expected++;
                    sentAt = now();
                    link.send(reply.duplicate(), 0);
                } else if (block == (int) ((expected - 1) & 0xFFFF)) {
                    // Our ACK was lost: repeat it.
                    link.send(reply.duplicate(), 0);
                }
            }
        } finally {
            if (!done) Files.deleteIfExists(tmp);
        }
    }
}
