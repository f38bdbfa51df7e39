package org.javapxeboot.xman.transport;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;

/**
 * --no-tls and --insecure-no-auth are for loopback testing: a request in clear text, or one nobody
 * authenticated, must not leave or enter the host. Both daemon and client refuse them elsewhere.
 */
public final class Loopback {
    private Loopback() {}

    /** True if xmand would listen only on a loopback address (127.0.0.0/8, ::1); 0.0.0.0 and :: are every address. */
    public static boolean only(InetSocketAddress listen) {
        return listen.getAddress() != null && listen.getAddress().isLoopbackAddress();
    }

    /** True if every address {@code host} resolves to is a loopback address; false if it does not resolve. */
    public static boolean only(String host) {
        try {
            InetAddress[] all = InetAddress.getAllByName(host);
            for (InetAddress a : all) if (!a.isLoopbackAddress()) return false;
            return all.length > 0;
        } catch (UnknownHostException e) {
            return false;
        }
    }

    /** The refusal, naming the flags and the address. */
    public static String refusal(String program, String flags, String where) {
        return program + ": " + flags + " refused for " + where + ": it is not a loopback address (127.0.0.1, ::1, localhost). "
                + "Without TLS or Kerberos anyone on the network could read or send requests; use TLS and Kerberos there";
    }

    /** The flags a refusal names: "--no-tls", "--insecure-no-auth" or both. */
    public static String flags(boolean noTls, boolean noAuth) {
        return noTls && noAuth ? "--no-tls and --insecure-no-auth" : noTls ? "--no-tls" : "--insecure-no-auth";
    }
}
