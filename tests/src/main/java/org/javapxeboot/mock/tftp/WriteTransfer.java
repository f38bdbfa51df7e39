package org.javapxeboot.mock.tftp;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import org.javapxeboot.mock.fault.FaultInjector;
import org.javapxeboot.tftp.Negotiation;
import org.javapxeboot.tftp.Receiver;
import org.javapxeboot.tftp.TftpCodec;
import org.javapxeboot.tftp.TftpError;
import org.javapxeboot.tftp.TftpPacket;

/**
 * Receives one WRQ (only when writes are enabled), lock-step. The data goes to a hidden temporary
 * file beside the target and is renamed over it when the last block arrives, so a reader never
 * sees half a file and a failed transfer leaves nothing behind. The protocol is the bootloader's
 * {@link Receiver} (lock-step, the negotiated timer): a duplicate DATA block is answered by repeating
 * its ACK (RFC 1350); the receiver cannot cause the sorcerer's apprentice bug.
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
            Replies replies = new Replies(link, out, n.blksize());
            Receiver<IOException> receiver = new Receiver<>(Receiver.Timing.fixed(n.timeoutMicros() * 1000, config.maxRetries(), true),
                config.maxWriteBytes(), replies);
            byte[] in = new byte[65536];
            receiver.begin(n.blksize(), 1, now());
            link.send(replies.opening.duplicate(), 0);
            while (true) {
                int len = receiveUntil(link, in, receiver.wakeAt());
                Receiver.Status status;
                if (len < 0) {
                    status = receiver.onTick(now());
                } else {
                    int op = TftpCodec.peekOpcode(in, 0, len);
                    if (op == TftpPacket.ERROR) return end(TransferRecord.Outcome.CLIENT_ERROR, -1, "client sent an error");
                    if (op != TftpPacket.DATA) continue;
                    status = receiver.onData(in, 0, len, now());
                }
                long resent = receiver.idleResends() - retransmissions;
                retransmissions += resent;
                server.stats().retransmissions.addAndGet(resent);
                if (status == Receiver.Status.FAILED) return replies.failure;
                if (status == Receiver.Status.DONE) {
                    out.force(false);
                    out.close();
                    Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
                    done = true;
                    link.send(replies.due, 0);
                    return end(TransferRecord.Outcome.COMPLETED, -1, "");
                }
                if (replies.due != null) {
                    link.send(replies.due, 0);
                    replies.due = null;
                }
            }
        } finally {
            if (!done) Files.deleteIfExists(tmp);
        }
    }

    /**
     * The server's side of the receiver's actions: blocks go to the file, ACKs wait in {@code due} until the
     * event is handled (the last one only after the file is in place), refusals become the ERROR that ends the
     * transfer. ACK 0 is the opening reply: the OACK when options were negotiated.
     */
    private final class Replies implements Receiver.Actions<IOException> {
        private final Link link;
        private final FileChannel out;
        private final int blksize;
        final ByteBuffer opening;
        ByteBuffer due;
        TransferRecord failure;

        Replies(Link link, FileChannel out, int blksize) {
            this.link = link;
            this.out = out;
            this.blksize = blksize;
            this.opening = ByteBuffer.wrap(negotiated.isEmpty() ? TftpCodec.encode(new TftpPacket.Ack(0)) : TftpCodec.encode(new TftpPacket.OptionAck(negotiated)));
        }

        @Override public void ack(long block) {
            due = block == 0 ? opening.duplicate() : ByteBuffer.wrap(TftpCodec.encode(new TftpPacket.Ack((int) (block & 0xFFFF))));
        }

        @Override public void deliver(byte[] buf, int off, int len) throws IOException {
            out.write(ByteBuffer.wrap(buf, off, len));
            bytes += len;
            server.stats().bytesReceived.addAndGet(len);
        }

        @Override public void refuse(Receiver.Refusal r) throws IOException {
            failure = switch (r.why()) {
                case OVERSIZED -> error(link, TftpError.ILLEGAL_OPERATION.code(), "DATA block " + r.block() + " is larger than blksize " + blksize);
                case TOO_BIG -> error(link, TftpError.DISK_FULL.code(), "Disk full: the server's write cap is " + config.maxWriteBytes() + " bytes");
                case GAVE_UP -> end(TransferRecord.Outcome.TIMED_OUT, -1, "no DATA block " + r.block());
            };
        }
    }
}
