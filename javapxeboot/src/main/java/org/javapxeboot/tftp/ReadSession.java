package org.javapxeboot.tftp;

import java.util.Map;

/**
 * One attempt at a client's read (RRQ), as a pure state machine: the request and its retransmission,
 * the first answer (OACK, DATA or ERROR, RFC 2347), and then the data phase through a {@link Receiver}.
 * Fed packets from the server ({@link #onPacket}) and clock ticks ({@link #onTick}), with the time as an
 * argument; it answers through {@link Actions}. Failures are thrown: {@link TftpException} ends the
 * fetch, {@link Fallback} asks the caller to try again with fewer options (a new socket, a new TID).
 *
 * <p>What it does not do is the socket: {@link TftpClient} receives, drops packets from strangers
 * (locking the server's TID at the first answer, see {@link #isAnswer}), splits coalesced receives,
 * and keeps the total deadline.
 */
public final class ReadSession {
    /** Progress is reported at most this often (and at the end). */
    static final long PROGRESS_NANOS = 100_000_000L;

    /** The fallback ladder: all options; without windowsize (RFC 7440 refused); none (RFC 1350). */
    public enum Rung { ALL, NO_WINDOW, PLAIN }

    /** The server refused our options: try the next rung of the ladder. */
    public static final class Fallback extends Exception {
        private static final long serialVersionUID = 1L;
        private final transient Rung next;

        Fallback(String why, Rung next) {
            super(why, null, false, false);
            this.next = next;
        }

        public Rung next() { return next; }
    }

    /** What the session asks of the socket loop. ACKs and ERRORs go to the server's TID. */
    public interface Actions {
        /** Send the request (to the server's well-known port). */
        void sendRequest(byte[] rrq) throws TftpException;

        void ack(long block) throws TftpException;

        /** Send an ERROR; best effort (the transfer is ending). */
        void error(int code, String message);

        void deliver(byte[] buf, int off, int len) throws TftpException;

        /** @param expectedBytes the server's tsize, or -1 */
        void progress(long bytes, long expectedBytes);

        void log(String message);
    }

    /**
     * What to ask for.
     *
     * @param url           names the transfer in messages
     * @param blksize       the blksize to ask for
     * @param windowsize    the windowsize to ask for (1: none)
     * @param requestTsize  ask for tsize
     * @param timeoutSeconds the timeout option, and our longest timer
     * @param maxRetries    timers at the longest timeout without progress before giving up
     * @param maxBytes      the file size cap; negative for none
     */
    public record Params(String url, String path, Rung rung, int blksize, int windowsize, boolean requestTsize,
                         int timeoutSeconds, int maxRetries, long maxBytes) {}

    /** Our quickest retransmission timer: below it a loaded server or scheduler looks like loss. */
    static final long MIN_RTO_NANOS = 10_000_000L;
    /** First wait for an answer to the request: RFC 6298's spirit (no RTT known yet), shortened for LANs. */
    static final long INITIAL_RTO_NANOS = 500_000_000L;

    private final Params p;
    private final Actions actions;
    private final Receiver<TftpException> receiver;
    private final long cap;

    private byte[] request;
    private long sent, resendAt, wait;
    private boolean resent, answered, inData, optionsAccepted;
    private long requestRetransmissions;
    private int retriesAtCap, consecutive;
    private long tsize = -1;
    private long nextProgress;

    public ReadSession(Params p, Actions actions) {
        this.p = p.maxBytes() >= 0 ? p : new Params(p.url(), p.path(), p.rung(), p.blksize(), p.windowsize(), p.requestTsize(),
            p.timeoutSeconds(), p.maxRetries(), Long.MAX_VALUE);
        this.actions = actions;
        this.cap = p.timeoutSeconds() * 1_000_000_000L;
        this.receiver = new Receiver<>(new Receiver.Timing(MIN_RTO_NANOS, INITIAL_RTO_NANOS, cap, p.maxRetries(), false),
            this.p.maxBytes(), new Sink());
    }

    /** The request's bytes: RRQ with the rung's options. */
    public byte[] request() {
        Map<String, String> opts = p.rung() == Rung.PLAIN ? Map.of()
            : Negotiation.requestOptions(p.blksize(), p.requestTsize(), p.timeoutSeconds(), p.rung() == Rung.ALL ? p.windowsize() : 1);
        return TftpCodec.encode(TftpPacket.Request.read(p.path(), opts));
    }

    /** Sends the request at {@code now} and arms its retransmission timer. */
    public void start(long now) throws TftpException {
        request = request();
        actions.sendRequest(request);
        sent = now;
        wait = INITIAL_RTO_NANOS;
        resendAt = now + wait;
    }

    /** True for the packets that answer a request (OACK, DATA, ERROR): the first fixes the server's TID. */
    public static boolean isAnswer(byte[] buf, int off, int len) {
        int op = TftpCodec.peekOpcode(buf, off, len);
        return op == TftpPacket.OACK || op == TftpPacket.DATA || op == TftpPacket.ERROR;
    }

    /** When {@link #onTick} has work to do next. */
    public long wakeAt() {
        return inData ? receiver.wakeAt() : resendAt;
    }

    /** Fires what is due at {@code now}: a request retransmission, a re-ACK, giving up. */
    public void onTick(long now) throws TftpException {
        if (inData) {
            receiver.onTick(now);
            return;
        }
        if (now < resendAt) return;
        if (wait >= cap && ++retriesAtCap > p.maxRetries()) {
            throw new TftpException(p.url() + ": no answer after " + consecutive + " retransmissions of the request");
        }
        consecutive++;
        requestRetransmissions++;
        resent = true;
        actions.sendRequest(request);
        wait = Math.min(wait * 2, cap);
        resendAt = now + wait;
    }

    /**
     * Handles one packet from the server ({@code buf[off, off + len)}); true when the file is complete.
     * Before the first answer the caller checks the server's address, afterwards its TID.
     */
    public boolean onPacket(byte[] buf, int off, int len, long now) throws TftpException, Fallback {
        int op = TftpCodec.peekOpcode(buf, off, len);
        if (inData) {
            if (op == TftpPacket.DATA) return receiver.onData(buf, off, len, now) == Receiver.Status.DONE;
            if (op == TftpPacket.ERROR) throw serverError(buf, off, len);
            if (op == TftpPacket.OACK) receiver.onRepeatedOack(now);
            // Anything else from the server (ACK, request) is meaningless to a reader: ignore it.
            return false;
        }
        if (!isAnswer(buf, off, len)) return false; // an ACK or a request from the server's address: not an answer to our RRQ
        answered = true;
        if (!resent) receiver.sampleRtt(now - sent);
        if (op == TftpPacket.ERROR) {
            TftpPacket.Error e = decodeError(buf, off, len);
            if (p.rung() != Rung.PLAIN && (e.code() == TftpError.OPTION_REFUSED.code()
                    || e.code() == TftpError.NOT_DEFINED.code() || e.code() == TftpError.ILLEGAL_OPERATION.code())) {
                // RFC 2347: ERROR 8 refuses the options. Some old servers answer an unknown option with
                // ERROR 0 or 4 instead; a retry with fewer options costs one round trip.
                throw new Fallback("server error " + e.code() + " (" + e.message() + ") to our options", nextRung());
            }
            throw TftpException.fromServer(p.url(), e.code(), e.message());
        }
        inData = true;
        if (op == TftpPacket.DATA) {
            if (p.rung() != Rung.PLAIN) actions.log(p.url() + ": server ignored the options; RFC 1350 lock-step with 512-byte blocks");
            receiver.begin(TftpOptions.DEFAULT_BLKSIZE, 1, now);
            return receiver.onData(buf, off, len, now) == Receiver.Status.DONE; // the first packet of the data phase
        }
        acceptOack(buf, off, len, now);
        return false;
    }

    private void acceptOack(byte[] buf, int off, int len, long now) throws TftpException, Fallback {
        TftpPacket.OptionAck oack;
        try {
            oack = (TftpPacket.OptionAck) TftpCodec.decode(buf, off, len);
        } catch (TftpProtocolException e) {
            throw refuse("malformed OACK: " + e.getMessage());
        }
        int askedWindow = p.rung() == Rung.ALL ? p.windowsize() : 1;
        Negotiation.Accepted a = Negotiation.acceptOack(oack.options(), p.blksize(), askedWindow, p.requestTsize());
        if (!a.ok()) throw refuse(a.refusal());
        tsize = a.tsize();
        if (tsize > p.maxBytes()) {
            actions.error(TftpError.DISK_FULL.code(), "file of " + tsize + " bytes exceeds the cap of " + p.maxBytes());
            throw new TftpException(p.url() + ": file of " + tsize + " bytes (tsize) exceeds the cap of " + p.maxBytes() + " bytes");
        }
        // atftpd 0.8 with every option switched off answers an empty OACK instead of DATA 1 (RFC 2347
        // says DATA); it still wants ACK 0, but nothing was negotiated.
        optionsAccepted = !a.empty();
        int b = a.blksize(), w = a.windowsize();
        if (b != p.blksize()) actions.log(p.url() + ": server lowered blksize " + p.blksize() + " -> " + b);
        if (w != askedWindow) actions.log(p.url() + ": server " + (w == 1 ? "does not do windowsize; lock-step" : "lowered windowsize " + askedWindow + " -> " + w));
        receiver.beginWithAck(b, w, now);
    }

    private Fallback refuse(String why) {
        actions.error(TftpError.OPTION_REFUSED.code(), why);
        return new Fallback("refused the server's " + why, Rung.PLAIN);
    }

    private Rung nextRung() {
        return p.rung() == Rung.ALL ? Rung.NO_WINDOW : Rung.PLAIN;
    }

    private TftpException serverError(byte[] buf, int off, int len) {
        TftpPacket.Error e = decodeError(buf, off, len);
        return TftpException.fromServer(p.url(), e.code(), e.message());
    }

    private static TftpPacket.Error decodeError(byte[] buf, int off, int len) {
        try {
            return (TftpPacket.Error) TftpCodec.decode(buf, off, len);
        } catch (TftpProtocolException e) {
            return new TftpPacket.Error(0, "malformed error packet");
        }
    }

    /** The server answered (its TID is fixed from now on). */
    public boolean answered() { return answered; }
    /** The data phase has begun (OACK acknowledged, or DATA 1 came). */
    public boolean inData() { return inData; }
    public long bytes() { return receiver.bytes(); }
    public int blksize() { return receiver.blksize(); }
    public int windowsize() { return receiver.window(); }
    public boolean optionsAccepted() { return optionsAccepted; }
    public long tsize() { return tsize; }
    public long retransmissions() { return requestRetransmissions + receiver.retransmissions(); }
    public long duplicates() { return receiver.duplicates(); }

    /** The client's wording of the receiver's refusals. */
    private final class Sink implements Receiver.Actions<TftpException> {
        @Override public void ack(long block) throws TftpException { actions.ack(block); }

        @Override public void deliver(byte[] buf, int off, int len) throws TftpException { actions.deliver(buf, off, len); }

        @Override public void refuse(Receiver.Refusal r) throws TftpException {
            switch (r.why()) {
                case OVERSIZED:
                    actions.error(TftpError.ILLEGAL_OPERATION.code(), "block of " + r.size() + " bytes exceeds blksize " + r.limit());
                    throw new TftpException(p.url() + ": server sent block " + r.block() + " of " + r.size() + " bytes, more than blksize " + r.limit());
                case TOO_BIG:
                    actions.error(TftpError.DISK_FULL.code(), "file exceeds the cap of " + r.limit() + " bytes");
                    throw new TftpException(p.url() + ": file exceeds the cap of " + r.limit() + " bytes (block " + r.block() + ")");
                default:
                    actions.error(TftpError.NOT_DEFINED.code(), "client gave up: no data");
                    int b = receiver.blksize();
                    String of = tsize > 0 ? " of ~" + ((tsize + b) / b) : "";
                    throw new TftpException(p.url() + ": no answer after " + r.retries() + " retransmissions (block " + r.block() + of + ")");
            }
        }

        @Override public void windowAcked(long bytes, long now, boolean last) {
            if (!last && now < nextProgress) return;
            nextProgress = now + PROGRESS_NANOS;
            actions.progress(bytes, tsize);
        }
    }
}
