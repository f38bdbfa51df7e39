package org.javapxeboot.xman.auth;

import org.ietf.jgss.GSSContext;
import org.ietf.jgss.GSSException;
import org.ietf.jgss.GSSManager;
import org.ietf.jgss.GSSName;
import org.ietf.jgss.Oid;

import javax.security.auth.Subject;
import javax.security.auth.login.AppConfigurationEntry;
import javax.security.auth.login.Configuration;
import javax.security.auth.login.LoginContext;
import javax.security.auth.login.LoginException;
import java.nio.file.Path;
import java.security.PrivilegedActionException;
import java.security.PrivilegedExceptionAction;
import java.util.HashMap;
import java.util.Map;

/**
 * Kerberos 5 through the JDK's GSS-API, SPNEGO-wrapped (RFC 4559, what {@code curl --negotiate}
 * sends). Both ends log in through JAAS so that credentials live in a {@link Subject}: the
 * initiator then caches its service ticket there (one KDC round trip per host, not per request).
 */
public final class Kerberos {
    public static final Oid SPNEGO = oid("1.3.6.1.5.5.2");
    public static final Oid KRB5 = oid("1.2.840.113554.1.2.2");
    /** GSS_KRB5_NT_PRINCIPAL_NAME (RFC 1964 section 2.1.1). */
    public static final Oid KRB5_PRINCIPAL_NAME = oid("1.2.840.113554.1.2.2.1");

    private Kerberos() {}

    private static Oid oid(String s) {
        try {
            return new Oid(s);
        } catch (GSSException e) {
            throw new IllegalStateException(e);
        }
    }

    /**
     * Java ignores KRB5_CONFIG (DESIGN.md, library notes): honour it the way the MIT tools do,
     * unless -Djava.security.krb5.conf was given explicitly.
     */
    public static void useKrb5ConfigEnv() {
        String env = System.getenv("KRB5_CONFIG");
        if (env != null && !env.isEmpty() && System.getProperty("java.security.krb5.conf") == null) {
            // MIT allows a colon-separated list; the JDK takes one file: the first.
            System.setProperty("java.security.krb5.conf", env.split(":")[0]);
        }
    }

    /**
     * Why a keytab cannot serve, or null. The acceptor's JAAS login succeeds even on a missing
     * keytab (keys are read at the first request), so check before listening.
     */
    public static String checkKeytab(Path keytab, String principal) {
        if (!java.nio.file.Files.isReadable(keytab)) return "keytab " + keytab + " does not exist or is not readable";
        if (principal == null || principal.equals("*")) return null;
        javax.security.auth.kerberos.KerberosPrincipal kp;
        try {
            kp = new javax.security.auth.kerberos.KerberosPrincipal(principal);
        } catch (IllegalArgumentException e) {
            // No realm in the name and no default realm in krb5.conf.
            return "service principal " + principal + ": " + e.getMessage();
        }
        javax.security.auth.kerberos.KeyTab kt = javax.security.auth.kerberos.KeyTab.getInstance(kp, keytab.toFile());
        if (kt.getKeys(kp).length == 0) return "keytab " + keytab + " has no key for " + kp.getName();
        return null;
    }

    /** JAAS login from a keytab (acceptor or initiator), or from the ticket cache (initiator). */
    public static Subject login(Path keytab, String principal, boolean initiator) throws LoginException {
        Map<String, String> opts = new HashMap<>();
        opts.put("doNotPrompt", "true");
        opts.put("refreshKrb5Config", "true");
        opts.put("isInitiator", Boolean.toString(initiator));
        if (keytab != null) {
            opts.put("useKeyTab", "true");
            opts.put("keyTab", keytab.toString());
            opts.put("storeKey", "true");
            opts.put("principal", principal == null ? "*" : principal);
        } else {
            opts.put("useTicketCache", "true");
            String cc = System.getenv("KRB5CCNAME");
            if (cc != null && cc.startsWith("FILE:")) cc = cc.substring(5);
            if (cc != null && !cc.isEmpty() && !cc.contains(":")) opts.put("ticketCache", cc);
            if (principal != null) opts.put("principal", principal);
        }
        AppConfigurationEntry entry = new AppConfigurationEntry("com.sun.security.auth.module.Krb5LoginModule",
                AppConfigurationEntry.LoginModuleControlFlag.REQUIRED, opts);
        Configuration conf = new Configuration() {
            @Override
            public AppConfigurationEntry[] getAppConfigurationEntry(String name) {
                return new AppConfigurationEntry[] {entry};
            }
        };
        LoginContext lc = new LoginContext("xman", new Subject(), null, conf);
        lc.login();
        return lc.getSubject();
    }

    public static <T> T doAs(Subject subject, PrivilegedExceptionAction<T> action) throws GSSException {
        try {
            return Subject.doAs(subject, action);
        } catch (PrivilegedActionException e) {
            Exception cause = e.getException();
            if (cause instanceof GSSException) throw (GSSException) cause;
            throw new IllegalStateException(cause);
        }
    }

    /** A GSS failure as one line: the major status and the Kerberos reason ("Request is a replay (34)"). */
    public static String describe(GSSException e) {
        String minor = e.getMinorString();
        String major = e.getMajorString();
        return minor == null || minor.isEmpty() ? major : major + ": " + minor;
    }

    /** The server side: accepts one token per request (a complete Kerberos AP exchange). */
    public static final class Acceptor {
        private final Subject subject;
        private final GSSManager manager = GSSManager.getInstance();

        public Acceptor(Subject subject) {
            this.subject = subject;
        }

        /** Who, the reply token, and how many more seconds the client's ticket is valid ({@code Integer.MAX_VALUE}: no bound known). */
        public record Accepted(String principal, byte[] replyToken, int lifetimeSeconds) {}

        /**
         * Accepts a SPNEGO or raw Kerberos token. The JDK acceptor checks the authenticator against
         * its replay cache (sun.security.krb5.rcache, in-memory by default) and the clock skew.
         */
        public Accepted accept(byte[] token) throws GSSException {
            return doAs(subject, () -> {
                GSSContext ctx = manager.createContext((org.ietf.jgss.GSSCredential) null);
                try {
                    byte[] out = ctx.acceptSecContext(token, 0, token.length);
                    if (!ctx.isEstablished()) {
                        // SPNEGO would need a second round trip (the client offered no Kerberos
                        // token first); HTTP Negotiate is stateless per request, so refuse.
                        throw new GSSException(GSSException.DEFECTIVE_TOKEN, 0,
                                "the token does not carry a Kerberos 5 AP-REQ (a second SPNEGO round trip is not supported)");
                    }
                    int life = ctx.getLifetime();
                    return new Accepted(ctx.getSrcName().toString(), out, life == GSSContext.INDEFINITE_LIFETIME ? Integer.MAX_VALUE : life);
                } finally {
                    ctx.dispose();
                }
            });
        }
    }

    /** The client side: one context per request, mutual authentication required. */
    public static final class Initiator {
        private final Subject subject;
        private final GSSManager manager = GSSManager.getInstance();

        public Initiator(Subject subject) {
            this.subject = subject;
        }

        public Subject subject() { return subject; }

        /** Starts a context to {@code service} ("HTTP/host@REALM" or "HTTP@host"); returns it with its first token. */
        public Pending start(String service) throws GSSException {
            return doAs(subject, () -> {
                GSSName name = service.contains("/")
                        ? manager.createName(service, KRB5_PRINCIPAL_NAME)
                        : manager.createName(service, GSSName.NT_HOSTBASED_SERVICE);
                GSSContext ctx = manager.createContext(name, SPNEGO, null, GSSContext.DEFAULT_LIFETIME);
                ctx.requestMutualAuth(true);
                ctx.requestCredDeleg(false);
                byte[] token = ctx.initSecContext(new byte[0], 0, 0);
                return new Pending(ctx, token);
            });
        }

        public final class Pending {
            private final GSSContext ctx;
            public final byte[] token;

            Pending(GSSContext ctx, byte[] token) {
                this.ctx = ctx;
                this.token = token;
            }

            /** Checks the server's reply token: the server proved it holds the service key. */
            public void verify(byte[] reply) throws GSSException {
                try {
                    if (reply == null) {
                        throw new GSSException(GSSException.DEFECTIVE_TOKEN, 0, "the server sent no Negotiate token (mutual authentication failed)");
                    }
                    doAs(subject, () -> ctx.initSecContext(reply, 0, reply.length));
                    if (!ctx.isEstablished() || !ctx.getMutualAuthState()) {
                        throw new GSSException(GSSException.FAILURE, 0, "the server did not complete mutual authentication");
                    }
                } finally {
                    dispose();
                }
            }

            public void dispose() {
                try {
                    ctx.dispose();
                } catch (GSSException ignored) {
                    // Nothing to release that matters.
                }
            }
        }
    }
}
