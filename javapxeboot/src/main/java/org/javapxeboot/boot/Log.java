package org.javapxeboot.boot;

import java.io.PrintStream;

/**
 * Diagnostics to stderr, which the toolstack shows on the guest console. Only the stanza goes to
 * --output. No logging framework: it would cost start-up time on every guest boot.
 */
public final class Log {
    public enum Level { QUIET, NORMAL, VERBOSE }

    private final PrintStream err;
    private final Level level;
    private final long start = System.nanoTime();

    public Log(PrintStream err, Level level) {
        this.err = err;
        this.level = level;
    }

    public static Log silent() { return new Log(new PrintStream(java.io.OutputStream.nullOutputStream()), Level.QUIET); }

    /** A progress line, shown unless --quiet. */
    public void info(String msg) { if (level != Level.QUIET) err.println("javapxeboot: " + msg); }

    /** Detail, shown with -v, with the milliseconds since start so an admin sees where a boot spends its time. */
    public void debug(String msg) {
        if (level == Level.VERBOSE) err.println("javapxeboot: [" + (System.nanoTime() - start) / 1_000_000 + " ms] " + msg);
    }

    public void warn(String msg) { err.println("javapxeboot: warning: " + msg); }

    /** The one-line error of a failed boot; always shown. */
    public void error(String msg) { err.println("javapxeboot: error: " + msg); }

    public boolean verbose() { return level == Level.VERBOSE; }
}
