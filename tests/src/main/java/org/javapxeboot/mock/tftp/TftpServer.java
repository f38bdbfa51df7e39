package org.javapxeboot.mock.tftp;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.StandardProtocolFamily;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.DatagramChannel;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.javapxeboot.mock.fault.DelayLine;
import org.javapxeboot.mock.fault.FaultCounters;
import org.javapxeboot.mock.fault.FaultInjector;
import org.javapxeboot.mock.record.RecordLog;
import org.javapxeboot.tftp.TftpCodec;
import org.javapxeboot.tftp.TftpError;
import org.javapxeboot.tftp.TftpPacket;
import org.javapxeboot.tftp.TftpProtocolException;

/**
 * A read-only (unless writes are enabled) TFTP server for one directory: RFC 1350 with the options
 * of RFC 2347/2348/2349/7440. One thread listens on the request port; each transfer runs on its own
 * thread with its own socket (a new TID). Requests and outcomes are logged for tests to assert on.
 */
public final class TftpServer implements AutoCloseable {
    private final TftpServerConfig config;
    private final RootResolver resolver;
    private final DatagramChannel listen;
    private final Thread listener;
    private final TftpStats stats = new TftpStats();
    private final FaultCounters faultCounters = new FaultCounters();
    private final DelayLine delayLine;
    private final Object lock = new Object();
    private final RecordLog<TftpRequestRecord> requests;
    private final RecordLog<TransferRecord> transfers;
    private final java.util.concurrent.Semaphore netasciiBudget = new java.util.concurrent.Semaphore(FileSource.NETASCII_BUDGET);
    private final Set<String> activeKeys = new HashSet<>();
    private final Set<Thread> activeThreads = new HashSet<>();
    private long sequence;
    private volatile boolean closed;

    private TftpServer(TftpServerConfig config) throws IOException {
        this.config = config;
        this.resolver = new RootResolver(config.root());
        this.requests = new RecordLog<>(config.maxRecords());
        this.transfers = new RecordLog<>(config.maxRecords());
        this.delayLine = config.faults().delayMillis() > 0 || config.faults().jitterMillis() > 0 ? new DelayLine("pxe-mock-tftp-delay") : null;
        listen = DatagramChannel.open(config.bindAddress() instanceof java.net.Inet6Address ? StandardProtocolFamily.INET6 : StandardProtocolFamily.INET);
        try {
            listen.bind(new InetSocketAddress(config.bindAddress(), config.port()));
        } catch (IOException e) {
            listen.close();
            if (delayLine != null) delayLine.close();
            throw new IOException("cannot bind TFTP to " + config.bindAddress().getHostAddress() + ":" + config.port() + ": " + e.getMessage(), e);
        }
        listener = new Thread(this::listen, "pxe-mock-tftp-listener");
        listener.setDaemon(true);
    }

    /** Binds and starts serving. */
    public static TftpServer start(TftpServerConfig config) throws IOException {
        TftpServer s = new TftpServer(config);
        s.listener.start();
        return s;
    }

    public InetSocketAddress address() {
        try {
            return (InetSocketAddress) listen.getLocalAddress();
        } catch (IOException e) {
            throw new IllegalStateException("the TFTP server is closed", e);
        }
    }

    public TftpServerConfig config() { return config; }

    public TftpStats stats() { return stats; }

    public FaultCounters faultCounters() { return faultCounters; }

    /** The requests received, in arrival order (a copy; the newest {@code maxRecords}). */
    public List<TftpRequestRecord> requests() { return requests.snapshot(); }

    /** The finished requests, in the order they finished (a copy; the newest {@code maxRecords}). */
    public List<TransferRecord> transfers() { return transfers.snapshot(); }

    /** Request and transfer records dropped to stay within {@code maxRecords}. */
    public long recordsDropped() { return requests.dropped() + transfers.dropped(); }

    /**
     * Waits until no transfer is running (a client may return before the server has seen its last
     * ACK). Returns false if transfers were still running at the deadline.
     */
    public boolean awaitIdle(Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        synchronized (lock) {
            while (!activeThreads.isEmpty()) {
                long left = deadline - System.nanoTime();
                if (left <= 0) return false;
                lock.wait(Math.max(1, left / 1_000_000));
            }
            return true;
        }
    }

    private void listen() {
        ByteBuffer buf = ByteBuffer.allocate(65536);
        while (!closed) {
            InetSocketAddress client;
            buf.clear();
            try {
                client = (InetSocketAddress) listen.receive(buf);
            } catch (ClosedChannelException e) {
                return;
            } catch (IOException e) {
                if (closed) return;
                continue;
            }
            buf.flip();
            try {
                handle(buf.array(), buf.limit(), client);
            } catch (RuntimeException | OutOfMemoryError e) {
                // One request must not end the server (e.g. no thread could be started): say so, go on.
                if (config.log() != null) config.log().accept("tftp: cannot handle a request from " + client + ": " + e);
            }
        }
    }

    private void handle(byte[] data, int length, InetSocketAddress client) {
        TftpPacket packet;
        try {
            packet = TftpCodec.decode(data, 0, length);
        } catch (TftpProtocolException e) {
            TftpRequestRecord r = log(client, false, "", "", Map.of());
            refuse(r, TftpError.ILLEGAL_OPERATION.code(), "Malformed request: " + e.getMessage());
            return;
        }
        if (!(packet instanceof TftpPacket.Request req)) return; // stray DATA/ACK on the request port: not ours
        boolean write = req.opcode() == TftpPacket.WRQ;
        TftpRequestRecord record = log(client, write, req.filename(), req.mode(), req.options());
        if (!req.mode().equals("octet") && !req.mode().equals("netascii")) {
            // "mail" is obsolete (RFC 1350 says so); a NUL inside a file name also lands here, since the
            // wire format ends the name at the NUL and the rest is read as the mode.
            refuse(record, TftpError.ILLEGAL_OPERATION.code(), "Unsupported transfer mode '" + req.mode() + "'");
            return;
        }
        if (write && !config.allowWrites()) {
            refuse(record, TftpError.ACCESS_VIOLATION.code(), "Access violation: writes are disabled");
            return;
        }
        String key = req.opcode() + " " + client + " " + req.filename();
        Thread t;
        synchronized (lock) {
            // A client that retransmits its request before our first reply arrives is already being served.
            if (activeKeys.contains(key)) return;
            if (activeThreads.size() >= config.maxTransfers()) {
                stats.refusedBusy.incrementAndGet();
                refuse(record, TftpError.NOT_DEFINED.code(), "Server busy: " + config.maxTransfers() + " transfers running, try again");
                return;
            }
            FaultInjector injector = new FaultInjector(config.faults(), record.sequence(), faultCounters);
            Runnable body = write ? new WriteTransfer(this, record, req, injector) : new ReadTransfer(this, record, req, injector);
            t = new Thread(() -> runTransfer(key, body), "pxe-mock-tftp-" + record.sequence());
            t.setDaemon(true);
            activeKeys.add(key);
            activeThreads.add(t);
            stats.active.incrementAndGet();
        }
        stats.transfersStarted.incrementAndGet();
        t.start();
    }

    private void runTransfer(String key, Runnable body) {
        try {
            body.run();
        } finally {
            synchronized (lock) {
                activeKeys.remove(key);
                activeThreads.remove(Thread.currentThread());
                stats.active.decrementAndGet();
                lock.notifyAll();
            }
        }
    }

    private TftpRequestRecord log(InetSocketAddress client, boolean write, String filename, String mode, Map<String, String> options) {
        synchronized (lock) {
            TftpRequestRecord r = new TftpRequestRecord(++sequence, Instant.now(), client, write, filename, mode, options);
            requests.add(r);
            stats.requests.incrementAndGet();
            return r;
        }
    }

    /** Refuses a request from the request port (no transfer was started). */
    private void refuse(TftpRequestRecord record, int code, String message) {
        try {
            listen.send(ByteBuffer.wrap(TftpCodec.encode(new TftpPacket.Error(code, message))), record.client());
            stats.errorsSent.incrementAndGet();
        } catch (IOException e) {
            // The client will time out; nothing else to do.
        }
        finish(new TransferRecord(record, TransferRecord.Outcome.ERROR_SENT, code, message, 0, Map.of(), 0), 0);
    }

    RootResolver resolver() { return resolver; }

    /** Bytes of converted netascii text the running transfers may still take (see {@link FileSource}). */
    java.util.concurrent.Semaphore netasciiBudget() { return netasciiBudget; }

    DelayLine delayLine() { return delayLine; }

    boolean closed() { return closed; }

    void finish(TransferRecord r, long nanos) {
        transfers.add(r);
        if (r.completed()) stats.transfersCompleted.incrementAndGet();
        else stats.transfersFailed.incrementAndGet();
        if (config.log() != null) {
            TftpRequestRecord q = r.request();
            StringBuilder s = new StringBuilder("tftp ").append(q.write() ? "WRQ " : "RRQ ").append(q.filename().isEmpty() ? "(malformed)" : q.filename())
                .append(" from ").append(q.client().getAddress().getHostAddress()).append(':').append(q.client().getPort());
            r.negotiated().forEach((k, v) -> s.append(' ').append(k).append('=').append(v));
            s.append(": ").append(r.outcome().name().toLowerCase(java.util.Locale.ROOT).replace('_', ' '));
            if (r.errorCode() >= 0) s.append(" (error ").append(r.errorCode()).append(": ").append(r.message()).append(')');
            s.append(", ").append(r.bytes()).append(" bytes");
            if (nanos > 0) s.append(String.format(java.util.Locale.ROOT, " in %.1f ms", nanos / 1e6));
            if (r.retransmissions() > 0) s.append(", ").append(r.retransmissions()).append(" retransmissions");
            config.log().accept(s.toString());
        }
    }

    /** Stops listening, aborts running transfers and waits briefly for them to end. */
    @Override public void close() {
        closed = true;
        try {
            listen.close();
        } catch (IOException e) {
            // already closed
        }
        List<Thread> running;
        synchronized (lock) { running = new ArrayList<>(activeThreads); }
        for (Thread t : running) t.interrupt();
        for (Thread t : running) {
            try {
                t.join(2000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
        }
        try {
            listener.join(2000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        if (delayLine != null) delayLine.close();
    }
}
