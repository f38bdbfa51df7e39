package org.javapxeboot.xman.daemon;

import org.junit.jupiter.api.extension.Extension;

/**
 * The JDK HTTP server's limits for every server this test JVM makes, fixed before the first test
 * runs (JUnit loads this extension first: src/test/resources/junit-platform.properties).
 *
 * <p>The JDK reads its limits once per JVM, when its first server is made, from whichever test
 * came first. With xmand's defaults (10 s to read a request, 30 s idle), a machine that stalled
 * for longer in the middle of an exchange had the server's timer close the connection under the
 * test: its POST then failed with "header parser received no bytes" (the JDK client retries no
 * POST), and a session cookie, which is bound to its TLS connection, would be refused on a new one.
 * Here every deadline outlasts each test's own timeout, so no test depends on how fast the
 * machine runs. The daemon's real deadlines are tested in a process of its own
 * (XmanProcessTest), and what Xmand and Portal set is tested by reading the properties.
 */
public final class ServerTimersOfTheTestJvm implements Extension {
    /** Longer than any test's @Timeout. */
    static final int SECONDS = 3600;

    static {
        Xmand.serverLimits(4096, SECONDS, SECONDS);
        try {
            // Initialising the JDK's configuration class reads the properties now, before any test sets its own.
            Class.forName("sun.net.httpserver.ServerConfig", true, ClassLoader.getSystemClassLoader());
        } catch (ClassNotFoundException e) {
            throw new ExceptionInInitializerError(e);
        }
    }
}
