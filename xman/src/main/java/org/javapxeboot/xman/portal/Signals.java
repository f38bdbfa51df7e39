package org.javapxeboot.xman.portal;

/** SIGHUP re-reads the hosts file (as daemons do); where the JVM does not allow it, the file's mtime still does. */
final class Signals {
    private Signals() {}

    @SuppressWarnings("removal")
    static void onHangup(Runnable r) {
        try {
            sun.misc.Signal.handle(new sun.misc.Signal("HUP"), s -> r.run());
        } catch (IllegalArgumentException | UnsupportedOperationException e) {
            // Not on this platform or taken by the JVM (-Xrs): the hosts file is re-read when it changes.
        }
    }
}
