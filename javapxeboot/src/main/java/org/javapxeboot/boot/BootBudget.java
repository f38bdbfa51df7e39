package org.javapxeboot.boot;

import java.io.FilterOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.time.Duration;
import java.util.function.LongSupplier;

/**
 * What one boot may spend, whatever the network sends: a deadline for the whole boot
 * (--boot-timeout), a cap on the bytes fetched in total (--max-total-size: configs, kernel and every
 * initrd; --max-file-size caps each file on its own) and a cap on the TFTP requests
 * (--max-requests: every config name tried, every INCLUDE, found or not, every kernel and initrd).
 * Without them an {@code INITRD a,a,a,...} line fills the host's disk, a chain of missing INCLUDEs
 * makes a million requests, and a server that sends one block per retransmission holds the guest's
 * start for hours.
 *
 * <p>Time comes from an injected clock (nanoseconds, as {@link System#nanoTime}) so that tests move
 * it instead of sleeping. The first limit hit is remembered: the boot reports that one line even
 * when the TFTP client wraps the failure in its own message.
 */
final class BootBudget {
    private final LongSupplier clock;
    private final long deadline;
    private final Duration timeout;
    private final long maxBytes;
    private final int maxRequests;
    private long bytes;
    private int requests;
    private String exceeded;

    BootBudget(LongSupplier clock, Duration timeout, long maxBytes, int maxRequests) {
        this.clock = clock;
        this.timeout = timeout;
        this.deadline = clock.getAsLong() + Math.min(timeout.toNanos(), Long.MAX_VALUE / 4);
        this.maxBytes = maxBytes;
        this.maxRequests = maxRequests;
    }

    /** Thrown when a limit is hit; its message is the one line the admin sees. */
    static final class Exceeded extends IOException {
        Exceeded(String message) { super(message); }
    }

    /** The message of the first limit hit, or null. */
    String exceeded() { return exceeded; }

    /** Counts one TFTP request for {@code url}; refuses it past the request cap or the deadline. */
    void request(String url) throws Exceeded {
        checkTime();
        if (requests >= maxRequests) {
            throw fail("the boot made " + maxRequests + " TFTP requests, the limit (--max-requests=" + maxRequests
                    + "); refusing " + url);
        }
        requests++;
    }

    void checkTime() throws Exceeded {
        if (clock.getAsLong() - deadline >= 0) throw fail("the boot did not finish within " + seconds() + " (--boot-timeout)");
    }

    /** Time left before the deadline (zero once it has passed). */
    Duration timeLeft() {
        return Duration.ofNanos(Math.max(0, deadline - clock.getAsLong()));
    }

    /** {@code out}, counting every byte against the total and checking the deadline on every write. */
    OutputStream count(OutputStream out) {
        return new FilterOutputStream(out) {
            @Override public void write(int b) throws IOException {
                charge(1);
                out.write(b);
            }

            @Override public void write(byte[] b, int off, int len) throws IOException {
                charge(len);
                out.write(b, off, len);
            }
        };
    }

    private void charge(int n) throws Exceeded {
        checkTime();
        if (n > maxBytes - bytes) {
            throw fail("the boot fetched more than " + maxBytes + " bytes in total, the limit (--max-total-size)");
        }
        bytes += n;
    }

    private String seconds() {
        long ms = timeout.toMillis();
        return ms % 1000 == 0 ? ms / 1000 + " s" : ms / 1000.0 + " s";
    }

    private Exceeded fail(String message) {
        if (exceeded == null) exceeded = message;
        return new Exceeded(exceeded);
    }
}
