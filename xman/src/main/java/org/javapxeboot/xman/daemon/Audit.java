package org.javapxeboot.xman.daemon;

import org.javapxeboot.xman.text.Escape;

import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Clock;
import java.time.Instant;
import java.time.format.DateTimeFormatter;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The audit trail: every connection and every request, with the principal, operation, domain and
 * result, as one line in the daemon's log and one RFC 5424 message to syslog (facility authpriv).
 *
 * <p>A request never waits for syslog: messages go to a bounded queue that one writer thread
 * drains into the transport. When the queue is full, or the socket would block (a syslog daemon
 * that stopped reading), or the send fails, the message is dropped and counted
 * ({@link #syslogDropped()}, also in {@code info}); the daemon log says so once per outage and
 * still has every line.
 */
public final class Audit implements AutoCloseable {
    private final PrintStream log;
    private final Syslog.Transport syslog;
    private final Clock clock;
    private final String host;
    private final long pid = ProcessHandle.current().pid();
    /** Messages waiting for the writer thread. */
    private final java.util.concurrent.BlockingQueue<byte[]> pending;
    private final Thread writer;
    private final java.util.concurrent.atomic.AtomicLong dropped = new java.util.concurrent.atomic.AtomicLong();
    private boolean syslogFailed;
    private boolean queueFull;
    private volatile boolean closing;
    private static final byte[] STOP = new byte[0];
    /** Syslog messages that may wait for the writer. */
    public static final int SYSLOG_QUEUE = 1024;

    public Audit(OutputStream log, Syslog.Transport syslog, Clock clock, String host) {
        this(log, syslog, clock, host, SYSLOG_QUEUE);
    }

    /** With a syslog queue of {@code queued} messages. */
    public Audit(OutputStream log, Syslog.Transport syslog, Clock clock, String host, int queued) {
        this.log = new PrintStream(log, true, StandardCharsets.UTF_8);
        this.syslog = syslog;
        this.clock = clock;
        this.host = host;
        this.pending = new java.util.concurrent.ArrayBlockingQueue<>(queued);
        if (syslog != null) {
            writer = new Thread(this::drain, "xmand-syslog");
            writer.setDaemon(true);
            writer.start();
        } else {
            writer = null;
        }
    }

    /** Audit messages syslog did not get since start: queue full, socket would block, or send failed. */
    public long syslogDropped() {
        return dropped.get();
    }

    private void drain() {
        while (true) {
            byte[] m;
            try {
                m = pending.take();
            } catch (InterruptedException e) {
                return;
            }
            if (m == STOP) return;
            try {
                syslog.send(m);
                synchronized (this) {
                    syslogFailed = false;
                }
            } catch (IOException e) {
                long n = dropped.incrementAndGet();
                // Say it once per outage in the daemon log; the log file still has every line.
                synchronized (this) {
                    if (!syslogFailed) log.println(DateTimeFormatter.ISO_INSTANT.format(clock.instant()) + " WARNING syslog: "
                            + Escape.line(e.getMessage()) + " (" + n + " audit message(s) not sent to syslog so far)");
                    syslogFailed = true;
                }
            }
        }
    }

    public static OutputStream openLog(Path file) throws IOException {
        if (file.toString().equals("-")) return System.err;
        if (file.getParent() != null) Files.createDirectories(file.getParent());
        return Files.newOutputStream(file, StandardOpenOption.CREATE, StandardOpenOption.APPEND, StandardOpenOption.WRITE);
    }

    /** One audit event. {@code result} is "ok", "refused" or "failed"; msgid is CONNECT or REQUEST. */
    public void event(String msgid, String from, String principal, String op, String domain, String result,
                      int status, String detail) {
        event(msgid, from, principal, null, op, domain, result, status, detail);
    }

    /**
     * The same for a request a trusted proxy made for a user: {@code principal} is the user,
     * {@code via} the proxy's own principal (null: the principal made it himself).
     */
    public void event(String msgid, String from, String principal, String via, String op, String domain, String result,
                      int status, String detail) {
        event(msgid, from, principal, via, op, domain, result, status, null, detail);
    }

    /**
     * The same, saying how the request was authenticated, or tried to be: {@code auth} is
     * "negotiate" (a Kerberos token), "session" (a session cookie), "other" (an Authorization header
     * of another scheme), "none" (a daemon started with --insecure-no-auth), or null when the request
     * brought no credentials (the field is left out). For a request a trusted proxy made for a user,
     * it is how the proxy authenticated. It comes after status, so a reader matching the fields
     * before it still matches.
     */
    public void event(String msgid, String from, String principal, String via, String op, String domain, String result,
                      int status, String auth, String detail) {
        Map<String, String> p = new LinkedHashMap<>();
        p.put("from", from);
        p.put("principal", principal == null ? "-" : principal);
        if (via != null) p.put("via", via);
        if (op != null) p.put("op", op);
        if (domain != null) p.put("domain", domain);
        p.put("result", result);
        if (status > 0) p.put("status", Integer.toString(status));
        if (auth != null) p.put("auth", auth);
        Instant now = clock.instant();
        StringBuilder line = new StringBuilder(DateTimeFormatter.ISO_INSTANT.format(now)).append(' ').append(msgid);
        for (Map.Entry<String, String> e : p.entrySet()) line.append(' ').append(e.getKey()).append('=').append(quoteIfNeeded(e.getValue()));
        if (detail != null && !detail.isEmpty()) line.append(" detail=").append(quoteIfNeeded(detail));
        synchronized (this) {
            log.println(line);
        }
        if (syslog != null && !closing) {
            int severity = "ok".equals(result) ? Syslog.SEVERITY_NOTICE : Syslog.SEVERITY_WARNING;
            byte[] m = Syslog.format(Syslog.FACILITY_AUTHPRIV, severity, now, host, "xmand", pid, msgid, p, detail);
            boolean queued = pending.offer(m);
            synchronized (this) {
                if (!queued) {
                    long n = dropped.incrementAndGet();
                    if (!queueFull) log.println(DateTimeFormatter.ISO_INSTANT.format(now) + " WARNING syslog: " + pending.size()
                            + " messages wait for syslog, the most kept; dropping (" + n + " audit message(s) not sent to syslog so far)");
                }
                queueFull = !queued;
            }
        }
    }

    /** A daemon message (start, stop, configuration) in the log only. */
    public synchronized void note(String message) {
        log.println(DateTimeFormatter.ISO_INSTANT.format(clock.instant()) + " " + Escape.line(message));
    }

    static String quoteIfNeeded(String v) {
        boolean plain = !v.isEmpty();
        for (char c : v.toCharArray()) if (c <= ' ' || c == '"' || c == '\\' || c == '=' || Escape.control(c)) { plain = false; break; }
        if (plain) return v;
        StringBuilder sb = new StringBuilder("\"");
        for (char c : v.toCharArray()) {
            if (c == '"' || c == '\\') sb.append('\\').append(c);
            else if (Escape.control(c)) sb.append(String.format("\\x%02x", (int) c));
            else sb.append(c);
        }
        return sb.append('"').toString();
    }

    /**
     * Stops taking syslog messages, lets the writer send what is queued (it never blocks on the
     * socket, so this ends), then closes the transport and the log.
     */
    @Override
    public void close() {
        closing = true;
        if (writer != null) {
            // Behind every queued message. The transports never block, so room comes soon; a
            // writer still stuck after that is interrupted and what it holds is lost.
            try {
                if (pending.offer(STOP, 10, java.util.concurrent.TimeUnit.SECONDS)) writer.join(java.util.concurrent.TimeUnit.SECONDS.toMillis(10));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            writer.interrupt();
        }
        if (syslog != null) syslog.close();
        if (log != System.err) log.close();
    }
}
