package org.javapxeboot.provisioner.xman;

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
 */
public final class Audit implements AutoCloseable {
    private final PrintStream log;
    private final Syslog.Transport syslog;
    private final Clock clock;
    private final String host;
    private final long pid = ProcessHandle.current().pid();
    private boolean syslogFailed;

    public Audit(OutputStream log, Syslog.Transport syslog, Clock clock, String host) {
        this.log = new PrintStream(log, true, StandardCharsets.UTF_8);
        this.syslog = syslog;
        this.clock = clock;
        this.host = host;
    }

    public static OutputStream openLog(Path file) throws IOException {
        if (file.toString().equals("-")) return System.err;
        if (file.getParent() != null) Files.createDirectories(file.getParent());
        return Files.newOutputStream(file, StandardOpenOption.CREATE, StandardOpenOption.APPEND, StandardOpenOption.WRITE);
    }

    /** One audit event. {@code result} is "ok", "refused" or "failed"; msgid is CONNECT or REQUEST. */
    public void event(String msgid, String from, String principal, String op, String domain, String result,
                      int status, String detail) {
        Map<String, String> p = new LinkedHashMap<>();
        p.put("from", from);
        p.put("principal", principal == null ? "-" : principal);
        if (op != null) p.put("op", op);
        if (domain != null) p.put("domain", domain);
        p.put("result", result);
        if (status > 0) p.put("status", Integer.toString(status));
        Instant now = clock.instant();
        StringBuilder line = new StringBuilder(DateTimeFormatter.ISO_INSTANT.format(now)).append(' ').append(msgid);
        for (Map.Entry<String, String> e : p.entrySet()) line.append(' ').append(e.getKey()).append('=').append(quoteIfNeeded(e.getValue()));
        if (detail != null && !detail.isEmpty()) line.append(" detail=").append(quoteIfNeeded(detail));
        synchronized (this) {
            log.println(line);
        }
        if (syslog != null) {
            int severity = "ok".equals(result) ? Syslog.SEVERITY_NOTICE : Syslog.SEVERITY_WARNING;
            byte[] m = Syslog.format(Syslog.FACILITY_AUTHPRIV, severity, now, host, "xmand", pid, msgid, p, detail);
            try {
                syslog.send(m);
                syslogFailed = false;
            } catch (IOException e) {
                // Say it once per outage in the daemon log; the log file still has every line.
                synchronized (this) {
                    if (!syslogFailed) log.println(DateTimeFormatter.ISO_INSTANT.format(now) + " WARNING syslog: " + Escape.line(e.getMessage()));
                    syslogFailed = true;
                }
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

    @Override
    public void close() {
        if (syslog != null) syslog.close();
        if (log != System.err) log.close();
    }
}
