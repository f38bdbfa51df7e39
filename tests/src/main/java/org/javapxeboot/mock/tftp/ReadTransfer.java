package org.javapxeboot.mock.tftp;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedByInterruptException;
import org.javapxeboot.mock.fault.ErrorFault;
import org.javapxeboot.mock.fault.FaultInjector;
import org.javapxeboot.mock.fault.Faults;
import org.javapxeboot.tftp.Negotiation;
import org.javapxeboot.tftp.TftpCodec;
import org.javapxeboot.tftp.TftpError;
import org.javapxeboot.tftp.TftpPacket;

/**
 * Serves one RRQ. Lock-step (RFC 1350) or windowed (RFC 7440). The acknowledgement rules:
 * <ul>
 *   <li>An ACK of a block in the outstanding window moves the window's start past it; if it is not
 *       the window's last block the client saw a gap, so the next window starts right after it
 *       (RFC 7440 section 4: restart from the first unacknowledged block).</li>
 *   <li>A duplicate ACK of the block just before the window (the client repeating "I still wait")
 *       resends the window at once, so clients that re-ACK on their own timer (busybox after 100 ms,
 *       our client on a gap) recover without waiting for our timeout, unless (a) it is accounted for
 *       by an extra copy of that block we sent ourselves (each copy draws one ACK: ignoring exactly
 *       those is what prevents the sorcerer's apprentice doubling of RFC 1123 4.2.3.1), or (b) it
 *       arrives less than half a smoothed RTT (at least 50 us) after the window went out, when it
 *       cannot be an answer to it (a burst of gap ACKs for the same hole). Only the first repeat after
 *       progress is answered at once; later repeats of the same ACK resend only when the window went
 *       out at least max(2 RTT, 10 ms) ago (atftp answers every stale block with an "extra ACK", which
 *       would otherwise become a storm of whole windows). Such resends count against the retry
 *       limit like timeouts do.</li>
 *   <li>Without any ACK for the timeout (negotiated, else the server's default) the window from its
 *       first unacknowledged block is resent, at most {@code maxRetries} times in a row.</li>
 *   <li>Block numbers roll over from 65535 to 0.</li>
 * </ul>
 */
final class ReadTransfer extends Transfer {
    private static final long MIN_DUP_GUARD_NANOS = 50_000;
    private static final long MIN_REPEAT_NANOS = 10_000_000;

    ReadTransfer(TftpServer server, TftpRequestRecord record, TftpPacket.Request request, FaultInjector faults) {
        super(server, record, request, faults);
    }

    @Override TransferRecord exchange(Link link) throws IOException {
        Faults f = faults.faults();
        RootResolver.Resolution where = server.resolver().forRead(request.filename());
        if (!where.ok()) return error(link, where.errorCode(), where.error());
        ErrorFault errorFault = f.errorFor(request.filename());
        try (FileSource source = FileSource.open(where.path(), request.mode().equals("netascii"), server.netasciiBudget())) {
            Negotiation.Limits limits = new Negotiation.Limits(config.maxBlksize(), config.maxWindowsize(), config.timeoutMillis() * 1000, config.maxWriteBytes());
            Negotiation n = f.refuseOptions() ? Negotiation.none(limits) : Negotiation.negotiate(request.options(), true, source.size(), limits);
            if (!n.ok()) return error(link, TftpError.OPTION_REFUSED.code(), "Option refused: " + n.error());
            if (errorFault != null && errorFault.afterBlocks() == 0) return error(link, errorFault.code(), errorFault.message());
            negotiated = n.oack();
            return new Sender(link, source, n, errorFault).run();
        } catch (FileSource.Refused e) {
            return error(link, TftpError.NOT_DEFINED.code(), e.getMessage());
        } catch (IOException e) {
            if (e instanceof ClosedByInterruptException) throw e;
            return error(link, TftpError.ACCESS_VIOLATION.code(), "Access violation: cannot read file");
        }
    }

    /** The send loop; fields are its state. */
    private final class Sender {
        private final Link link;
        private final FileSource source;
        private final int blksize, window;
        private final long timeoutNanos;
        private final long last, limit;
        private final ErrorFault errorFault;
        private final ByteBuffer out;
        private final ByteBuffer batchOut;
        private int batch;
        private final byte[] in = new byte[65536];
        private final int[] copies;
        private long base = 1, next = 1, highestSent;
        private long windowSentAt;
        private boolean windowIsResend;
        private long srtt;
        private int expectedDups;
        private boolean fastResent;
        private int retries;
        private boolean errorDue;

        Sender(Link link, FileSource source, Negotiation n, ErrorFault errorFault) {
            this.link = link;
            this.source = source;
            this.blksize = n.blksize();
            this.window = n.windowsize();
            this.timeoutNanos = n.timeoutMicros() * 1000;
            this.last = source.size() / blksize + 1;
            long stall = faults.faults().stallAfter();
            this.limit = stall > 0 ? Math.min(last, stall) : last;
            this.errorFault = errorFault;
            this.out = ByteBuffer.allocateDirect(blksize + 4);
            this.copies = new int[window];
            // Whole windows (or 64 blocks) per system call when the kernel can cut them (UDP GSO).
            this.batch = window > 1 ? Math.min(window, link.enableBatches(blksize + 4)) : 1;
            this.batchOut = batch > 1 ? ByteBuffer.allocateDirect(batch * (blksize + 4)) : null;
        }

        TransferRecord run() throws IOException {
            if (!negotiated.isEmpty() && !optionAck()) return outcome;
            sendWindow();
            if (errorDue) return error(link, errorFault.code(), errorFault.message());
            while (base <= last) {
                int len = receiveUntil(link, in, windowSentAt + timeoutNanos);
                if (len < 0) {
                    if (++retries > config.maxRetries()) {
                        return end(base > limit ? TransferRecord.Outcome.STALLED : TransferRecord.Outcome.TIMED_OUT, -1,
                            "no ACK for block " + base + " after " + config.maxRetries() + " retransmissions");
                    }
                    resend();
                } else {
                    int op = TftpCodec.peekOpcode(in, 0, len);
                    if (op == TftpPacket.ERROR) return clientError(len);
                    if (op != TftpPacket.ACK || len < 4) continue; // stray packet: RFC 1350 lets the transfer go on
                    onAck(TftpCodec.peekBlock(in, 0));
                }
                if (errorDue) return error(link, errorFault.code(), errorFault.message());
            }
            return end(TransferRecord.Outcome.COMPLETED, -1, "");
        }

        private TransferRecord outcome;

        /** Sends the OACK and waits for ACK 0 (RFC 2347); false with {@link #outcome} set when the transfer ends. */
        private boolean optionAck() throws IOException {
            ByteBuffer oack = ByteBuffer.wrap(TftpCodec.encode(new TftpPacket.OptionAck(negotiated)));
            int attempts = 0, delivered = 0;
            while (true) {
                if (attempts > config.maxRetries()) {
                    outcome = end(TransferRecord.Outcome.TIMED_OUT, -1, "no ACK for the OACK");
                    return false;
                }
                if (attempts > 0) {
                    retransmissions++;
                    server.stats().retransmissions.incrementAndGet();
                }
                attempts++;
                long sentAt = now();
                delivered += link.send(oack.duplicate(), 0);
                while (true) {
                    int len = receiveUntil(link, in, sentAt + timeoutNanos);
                    if (len < 0) break;
                    int op = TftpCodec.peekOpcode(in, 0, len);
                    if (op == TftpPacket.ERROR) {
                        // Typically error 8: the client does not like the values we chose.
                        outcome = clientError(len);
                        return false;
                    }
                    if (op == TftpPacket.ACK && len >= 4 && TftpCodec.peekBlock(in, 0) == 0) {
                        expectedDups = Math.max(0, delivered - 1);
                        return true;
                    }
                }
            }
        }

        private TransferRecord clientError(int len) {
            String message;
            int code;
            try {
                TftpPacket.Error e = (TftpPacket.Error) TftpCodec.decode(in, 0, len);
                code = e.code();
                message = e.message();
            } catch (org.javapxeboot.tftp.TftpProtocolException ex) {
                code = 0;
                message = "malformed ERROR";
            }
            return end(TransferRecord.Outcome.CLIENT_ERROR, code, message);
        }

        private void onAck(int wire) throws IOException {
            long ref = base - 1;
            long abs = ref + ((wire - (ref & 0xFFFF)) & 0xFFFF);
            long now = now();
            if (abs >= base && abs < next) {
                if (!windowIsResend && abs == next - 1) {
                    long sample = now - windowSentAt;
                    srtt = srtt == 0 ? sample : (7 * srtt + sample) / 8;
                }
                expectedDups = Math.max(0, copies[(int) (abs % window)] - 1);
                boolean gap = abs < next - 1;
                base = abs + 1;
                next = base;
                retries = 0;
                fastResent = false;
                if (gap) {
                    retransmissions++;
                    server.stats().retransmissions.incrementAndGet();
                }
                if (base <= last) sendWindow();
            } else if (abs == ref) {
                if (expectedDups > 0) {
                    expectedDups--;
                    return;
                }
                if (base > limit) return; // stalled on purpose
                long since = now - windowSentAt;
                // The first repeat after progress is answered at once (fast retransmit); later ones only
                // when the window has had time to arrive, so a burst of repeats (atftp sends an "extra
                // ACK" for every stale block it sees) cannot turn into a storm of whole windows.
                boolean fast = !fastResent && since >= Math.max(srtt / 2, MIN_DUP_GUARD_NANOS);
                boolean slow = since >= Math.max(2 * srtt, MIN_REPEAT_NANOS);
                if (!fast && !slow) return;
                if (++retries > config.maxRetries()) return; // the timeout path ends the transfer
                fastResent = true;
                resend();
            }
            // Any other block number is an old or impossible ACK: ignored.
        }

        private void resend() throws IOException {
            if (base <= limit) {
                next = base;
                retransmissions++;
                server.stats().retransmissions.incrementAndGet();
                sendWindow();
            } else {
                windowSentAt = now(); // stalled: keep waiting silently
            }
        }

        private void sendWindow() throws IOException {
            windowIsResend = next <= highestSent;
            // The clock is read before the first block leaves: a peer that answers at once (or a test that
            // moves a manual clock as soon as it sees the block) must find the timeout already running.
            long sentAt = now();
            long end = Math.min(limit, base + window - 1);
            while (next <= end) {
                if (errorFault != null && next == errorFault.afterBlocks() + 1) {
                    errorDue = true;
                    break;
                }
                long stop = Math.min(end, next + batch - 1);
                if (errorFault != null && errorFault.afterBlocks() >= next) stop = Math.min(stop, errorFault.afterBlocks());
                if (stop > next) {
                    sendBatch(next, stop);
                    next = stop + 1;
                } else {
                    sendBlock(next++);
                }
            }
            link.flush();
            server.stats().windowsSent.incrementAndGet();
            windowSentAt = sentAt;
        }

        private void sendBlock(long abs) throws IOException {
            out.clear();
            putBlock(abs, out);
            out.flip();
            // Count the copies that really left (a duplicate fault draws a second ACK too).
            copies[(int) (abs % window)] += link.send(out, abs);
        }

        /** Sends blocks from..to in one system call (UDP GSO); each leaves exactly once. */
        private void sendBatch(long from, long to) throws IOException {
            batchOut.clear();
            for (long abs = from; abs <= to; abs++) {
                putBlock(abs, batchOut);
                copies[(int) (abs % window)]++;
            }
            batchOut.flip();
            if (link.sendBatch(batchOut)) {
                server.stats().batchesSent.incrementAndGet();
                server.stats().batchedPackets.addAndGet(to - from + 1);
            } else {
                batch = 1;
            }
        }

        /** Appends DATA block {@code abs} to {@code dst} and counts it as sent. */
        private void putBlock(long abs, ByteBuffer dst) throws IOException {
            long pos = (abs - 1) * blksize;
            int len = (int) Math.min(blksize, source.size() - pos);
            dst.put((byte) 0).put((byte) TftpPacket.DATA).put((byte) (abs >> 8)).put((byte) abs);
            source.read(pos, len, dst);
            int slot = (int) (abs % window);
            if (abs > highestSent) {
                highestSent = abs;
                copies[slot] = 0;
                bytes += len;
            } else {
                server.stats().dataPacketsResent.incrementAndGet();
            }
            server.stats().dataPacketsSent.incrementAndGet();
            server.stats().bytesSent.addAndGet(len);
        }
    }
}
