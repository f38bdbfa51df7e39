package org.javapxeboot.mock.tftp;

import java.net.InetAddress;
import java.nio.file.Path;
import java.util.Objects;
import java.util.function.Consumer;
import java.util.function.LongSupplier;
import org.javapxeboot.mock.fault.Faults;
import org.javapxeboot.tftp.TftpOptions;

/**
 * Settings of a {@link TftpServer}. Defaults (see {@link #of}): port 0 (ephemeral), 64 concurrent
 * transfers, writes refused, write cap 256 MiB, blksize up to 65464, windowsize up to 256, a 1 s
 * retransmission timeout unless the client negotiates one, 5 retransmissions, 4 MiB socket buffers.
 *
 * @param root              the served directory
 * @param bindAddress       the address to listen on (also the source of each transfer's new port)
 * @param port              the request port; 0 picks a free one
 * @param maxTransfers      concurrent transfers; more requests get ERROR 0 "server busy"
 * @param allowWrites       accept WRQ (written atomically: a temp file renamed into place)
 * @param maxWriteBytes     the size cap of a written file (ERROR 3 beyond it)
 * @param maxBlksize        the largest blksize granted
 * @param maxWindowsize     the largest windowsize granted
 * @param timeoutMillis     retransmission timeout when the client negotiates none
 * @param maxRetries        retransmissions of one window before the transfer is abandoned
 * @param socketBufferBytes SO_SNDBUF/SO_RCVBUF asked for each transfer socket
 * @param faults            misbehaviour switches
 * @param log               one line per finished transfer (the CLI prints them to stderr); may be null
 * @param maxRecords        request and transfer records kept (the newest; counters go on counting)
 * @param clock             nanoseconds, as {@link System#nanoTime}: when windows went out, when a timeout is due, how
 *                          long ago a repeated ACK's window left. Tests pass a manual clock, so a retransmission
 *                          happens only when the test moves time on, never because the machine was busy.
 */
public record TftpServerConfig(Path root, InetAddress bindAddress, int port, int maxTransfers, boolean allowWrites,
                               long maxWriteBytes, int maxBlksize, int maxWindowsize, long timeoutMillis,
                               int maxRetries, int socketBufferBytes, Faults faults, Consumer<String> log,
                               int maxRecords, LongSupplier clock) {
    public TftpServerConfig {
        Objects.requireNonNull(root, "root");
        Objects.requireNonNull(bindAddress, "bindAddress");
        Objects.requireNonNull(faults, "faults");
        Objects.requireNonNull(clock, "clock");
        if (maxRecords < 1) throw new IllegalArgumentException("maxRecords " + maxRecords + " must be >= 1");
        if (port < 0 || port > 65535) throw new IllegalArgumentException("TFTP port " + port + " is outside 0..65535");
        if (maxTransfers < 1) throw new IllegalArgumentException("maxTransfers is " + maxTransfers + ", must be >= 1");
        if (maxBlksize < TftpOptions.MIN_BLKSIZE || maxBlksize > TftpOptions.MAX_BLKSIZE) {
            throw new IllegalArgumentException("maxBlksize " + maxBlksize + " is outside 8..65464");
        }
        if (maxWindowsize < 1 || maxWindowsize > TftpOptions.MAX_WINDOWSIZE) throw new IllegalArgumentException("maxWindowsize " + maxWindowsize + " is outside 1..65535");
        if (timeoutMillis < 1) throw new IllegalArgumentException("timeoutMillis " + timeoutMillis + " must be >= 1");
        if (maxRetries < 0) throw new IllegalArgumentException("maxRetries " + maxRetries + " must be >= 0");
        if (maxWriteBytes < 0) throw new IllegalArgumentException("maxWriteBytes " + maxWriteBytes + " must be >= 0");
    }

    /** The default clock. */
    public static final LongSupplier SYSTEM_CLOCK = System::nanoTime;

    public static TftpServerConfig of(Path root, InetAddress bindAddress) {
        return new TftpServerConfig(root, bindAddress, 0, 64, false, 256L << 20, TftpOptions.MAX_BLKSIZE, 256, 1000, 5,
            4 << 20, Faults.none(), null, org.javapxeboot.mock.record.RecordLog.DEFAULT_CAPACITY, SYSTEM_CLOCK);
    }

    public TftpServerConfig withPort(int p) { return new TftpServerConfig(root, bindAddress, p, maxTransfers, allowWrites, maxWriteBytes, maxBlksize, maxWindowsize, timeoutMillis, maxRetries, socketBufferBytes, faults, log, maxRecords, clock); }
    public TftpServerConfig withMaxTransfers(int n) { return new TftpServerConfig(root, bindAddress, port, n, allowWrites, maxWriteBytes, maxBlksize, maxWindowsize, timeoutMillis, maxRetries, socketBufferBytes, faults, log, maxRecords, clock); }
    public TftpServerConfig withAllowWrites(boolean w) { return new TftpServerConfig(root, bindAddress, port, maxTransfers, w, maxWriteBytes, maxBlksize, maxWindowsize, timeoutMillis, maxRetries, socketBufferBytes, faults, log, maxRecords, clock); }
    public TftpServerConfig withMaxWriteBytes(long n) { return new TftpServerConfig(root, bindAddress, port, maxTransfers, allowWrites, n, maxBlksize, maxWindowsize, timeoutMillis, maxRetries, socketBufferBytes, faults, log, maxRecords, clock); }
    public TftpServerConfig withMaxBlksize(int n) { return new TftpServerConfig(root, bindAddress, port, maxTransfers, allowWrites, maxWriteBytes, n, maxWindowsize, timeoutMillis, maxRetries, socketBufferBytes, faults, log, maxRecords, clock); }
    public TftpServerConfig withMaxWindowsize(int n) { return new TftpServerConfig(root, bindAddress, port, maxTransfers, allowWrites, maxWriteBytes, maxBlksize, n, timeoutMillis, maxRetries, socketBufferBytes, faults, log, maxRecords, clock); }
    public TftpServerConfig withTimeoutMillis(long ms) { return new TftpServerConfig(root, bindAddress, port, maxTransfers, allowWrites, maxWriteBytes, maxBlksize, maxWindowsize, ms, maxRetries, socketBufferBytes, faults, log, maxRecords, clock); }
    public TftpServerConfig withMaxRetries(int n) { return new TftpServerConfig(root, bindAddress, port, maxTransfers, allowWrites, maxWriteBytes, maxBlksize, maxWindowsize, timeoutMillis, n, socketBufferBytes, faults, log, maxRecords, clock); }
    public TftpServerConfig withFaults(Faults f) { return new TftpServerConfig(root, bindAddress, port, maxTransfers, allowWrites, maxWriteBytes, maxBlksize, maxWindowsize, timeoutMillis, maxRetries, socketBufferBytes, f, log, maxRecords, clock); }
    public TftpServerConfig withLog(Consumer<String> l) { return new TftpServerConfig(root, bindAddress, port, maxTransfers, allowWrites, maxWriteBytes, maxBlksize, maxWindowsize, timeoutMillis, maxRetries, socketBufferBytes, faults, l, maxRecords, clock); }
    public TftpServerConfig withClock(LongSupplier c) { return new TftpServerConfig(root, bindAddress, port, maxTransfers, allowWrites, maxWriteBytes, maxBlksize, maxWindowsize, timeoutMillis, maxRetries, socketBufferBytes, faults, log, maxRecords, c); }

    public TftpServerConfig withMaxRecords(int n) { return new TftpServerConfig(root, bindAddress, port, maxTransfers, allowWrites, maxWriteBytes, maxBlksize, maxWindowsize, timeoutMillis, maxRetries, socketBufferBytes, faults, log, n, clock); }

    /** True for the system clock: waits can then sleep until a deadline instead of re-reading the clock. */
    boolean systemClock() { return clock == SYSTEM_CLOCK; }
}
