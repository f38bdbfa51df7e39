package org.javapxeboot.xman.auth;

import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.util.Base64;

/**
 * The session an xmand hands out after a successful Negotiate, so that a client on the same TLS
 * session need not send (and the daemon need not decrypt and replay-check) a new Kerberos
 * authenticator with every request. Pure logic: no I/O, the clock and key are given.
 *
 * <p>A value is {@code v1.EXPIRY.PRINCIPAL.MAC}: EXPIRY in epoch seconds, PRINCIPAL base64url, MAC
 * the base64url HMAC-SHA256, under a key only this daemon process holds, of the version, expiry,
 * principal and a binding of the TLS session (a random secret the daemon keeps in its session
 * object, never sent). So a value is refused when it was altered, made by another daemon (or this
 * one before a restart), presented on another TLS session, or expired. The JDK's acceptor does not
 * tell the ticket's end time, so a session lasts its lifetime even if the ticket ends sooner:
 * --session-lifetime bounds how long a revoked or expired ticket keeps working.
 */
public final class SessionCookie {
    private static final String BINDING = "org.javapxeboot.xman.session-binding";
    private static final java.security.SecureRandom RANDOM = new java.security.SecureRandom();

    /**
     * What a session cookie is bound to: a random secret of this TLS session, kept in the server's
     * session object and never sent; null without a session. Not the session id: TLS 1.2 sends that
     * in clear, and a client resuming with its own ticket may name any id it likes, so a stolen
     * cookie plus an observed id would pass. A resumed session (ticket or PSK) is a new object
     * without the secret, so its cookie is refused and the client authenticates again.
     */
    public static byte[] binding(javax.net.ssl.SSLSession s) {
        if (s == null) return null;
        synchronized (s) {
            if (s.getValue(BINDING) instanceof byte[] b) return b;
            byte[] b = new byte[32];
            RANDOM.nextBytes(b);
            s.putValue(BINDING, b);
            return b;
        }
    }

    /** The cookie's name. */
    public static final String NAME = "xman_session";
    /** Longest value read (a principal is at most a few hundred bytes); longer is refused unread. */
    public static final int MAX_VALUE_CHARS = 1024;
    private static final String VERSION = "v1";

    /** Why a value is not a session here: the message says which check failed. */
    public static final class Refused extends Exception {
        public Refused(String message) {
            super(message);
        }
    }

    private final byte[] key;
    private final Clock clock;
    private final Duration lifetime;

    /** With a fresh random key: sessions of another daemon or of an earlier start are refused. */
    public SessionCookie(Clock clock, Duration lifetime) {
        this(randomKey(), clock, lifetime);
    }

    public SessionCookie(byte[] key, Clock clock, Duration lifetime) {
        if (key.length < 32) throw new IllegalArgumentException("session key shorter than 256 bits");
        if (lifetime.isNegative() || lifetime.isZero()) throw new IllegalArgumentException("session lifetime must be positive");
        this.key = key.clone();
        this.clock = clock;
        this.lifetime = lifetime;
    }

    private static byte[] randomKey() {
        byte[] k = new byte[32];
        new SecureRandom().nextBytes(k);
        return k;
    }

    public Duration lifetime() { return lifetime; }

    /**
     * A value for {@code principal} on the TLS session {@code binding}, valid for the configured
     * lifetime or {@code ticketSeconds}, whichever is shorter; with the seconds it lives.
     */
    public Issued issue(String principal, byte[] binding, long ticketSeconds) {
        long seconds = Math.max(0, Math.min(lifetime.toSeconds(), ticketSeconds));
        long expiry = clock.instant().getEpochSecond() + seconds;
        String p = Base64.getUrlEncoder().withoutPadding().encodeToString(principal.getBytes(StandardCharsets.UTF_8));
        String body = VERSION + "." + expiry + "." + p;
        return new Issued(body + "." + Base64.getUrlEncoder().withoutPadding().encodeToString(mac(body, binding)), seconds);
    }

    /** An issued value and how many seconds it lives (the cookie's Max-Age). */
    public record Issued(String value, long seconds) {}

    /** The principal {@code value} names, if it is a live session of this daemon on TLS session {@code binding}. */
    public String verify(String value, byte[] binding) throws Refused {
        if (value == null || value.isEmpty() || value.length() > MAX_VALUE_CHARS) throw new Refused("the session cookie is empty or too long");
        String[] parts = value.split("\\.", -1);
        if (parts.length != 4 || !parts[0].equals(VERSION)) throw new Refused("the session cookie is not an xmand " + VERSION + " session");
        String body = parts[0] + "." + parts[1] + "." + parts[2];
        byte[] given;
        try {
            given = Base64.getUrlDecoder().decode(parts[3]);
        } catch (IllegalArgumentException e) {
            throw new Refused("the session cookie's signature is not base64url");
        }
        // The signature first, in constant time: nothing of an unsigned value is believed.
        if (!MessageDigest.isEqual(given, mac(body, binding))) {
            throw new Refused("the session cookie's signature does not match (altered, issued by another daemon or an earlier start, or for another TLS session)");
        }
        long expiry;
        try {
            expiry = Long.parseLong(parts[1]);
        } catch (NumberFormatException e) {
            throw new Refused("the session cookie's expiry is not a number");
        }
        if (clock.instant().getEpochSecond() >= expiry) throw new Refused("the session has expired");
        try {
            return new String(Base64.getUrlDecoder().decode(parts[2]), StandardCharsets.UTF_8);
        } catch (IllegalArgumentException e) {
            throw new Refused("the session cookie's principal is not base64url");
        }
    }

    private byte[] mac(String body, byte[] binding) {
        try {
            Mac m = Mac.getInstance("HmacSHA256");
            m.init(new SecretKeySpec(key, "HmacSHA256"));
            m.update(body.getBytes(StandardCharsets.US_ASCII));
            m.update((byte) 0);
            m.update(binding);
            return m.doFinal();
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("HmacSHA256 is part of every JDK", e);
        }
    }

    /**
     * The value of the first {@link #NAME} cookie in a Cookie request header ({@code a=1; b=2}),
     * or null.
     */
    public static String fromHeader(String header) {
        if (header == null) return null;
        for (String part : header.split(";")) {
            String p = part.trim();
            if (p.startsWith(NAME + "=")) return p.substring(NAME.length() + 1);
        }
        return null;
    }

    /** The Set-Cookie header value for an issued session: TLS only, out of scripts' reach, same site only. */
    public static String setCookie(Issued issued, String path) {
        return NAME + "=" + issued.value() + "; Max-Age=" + issued.seconds() + "; Path=" + path + "; Secure; HttpOnly; SameSite=Strict";
    }

    /** The Set-Cookie header value that makes a client forget its session. */
    public static String clearCookie(String path) {
        return NAME + "=; Max-Age=0; Path=" + path + "; Secure; HttpOnly; SameSite=Strict";
    }
}
