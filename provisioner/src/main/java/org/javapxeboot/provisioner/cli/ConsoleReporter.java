package org.javapxeboot.provisioner.cli;

import java.io.PrintWriter;
import org.javapxeboot.provisioner.plan.Action;

/** Prints steps as they are done (stdout) and progress of long loops (stderr). */
final class ConsoleReporter implements org.javapxeboot.provisioner.plan.Reporter {
    private final PrintWriter out;
    private final PrintWriter err;
    private long lastBytesPrint;

    ConsoleReporter(PrintWriter out, PrintWriter err) {
        this.out = out;
        this.err = err;
    }

    @Override
    public void done(Action a) {
        out.println(a);
    }

    @Override
    public void progress(String phase, int done, int total) {
        // every guest for small files, every 5 % for large ones
        int step = Math.max(1, total / 20);
        if (total >= 20 && (done % step == 0 || done == total)) {
            err.println(phase + ": " + done + "/" + total + " guests");
            err.flush();
        }
    }

    @Override
    public void bytes(String what, long done, long total) {
        long now = System.nanoTime();
        if (done == total || now - lastBytesPrint > 1_000_000_000L) {
            lastBytesPrint = now;
            err.println("preallocating " + what + ": " + (total == 0 ? 100 : done * 100 / total) + "% ("
                    + (done >> 20) + "/" + (total >> 20) + " MiB)");
            err.flush();
        }
    }
}
