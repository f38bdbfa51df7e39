package org.javapxeboot.xman.portal.web;

import java.security.MessageDigest;
import java.security.SecureRandom;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Sessions for CSRF: each browser gets a random session cookie (HttpOnly, SameSite=Strict) and
 * the session a random token that every form carries; a POST is accepted only when the form's
 * token is its session's and the session belongs to the user who is authenticated now. The table
 * is bounded (the oldest session goes first). Nothing here authenticates: Negotiate does that on
 * every request.
 */
final class Sessions {
    static final String COOKIE = "xman_portal_session";
    private static final int MAX = 10_000;
    private final SecureRandom random = new SecureRandom();
    private final Map<String, Session> byId = new LinkedHashMap<>(16, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<String, Session> e) {
            return size() > MAX;
        }
    };

    record Session(String id, String user, String csrf) {}

    private String token() {
        byte[] b = new byte[32];
        random.nextBytes(b);
        return Base64.getUrlEncoder().withoutPadding().encodeToString(b);
    }

    /** The caller's session if its cookie names one of {@code user}'s, else a new one (the caller sets its cookie). */
    synchronized Session get(String cookieHeader, String user) {
        Session s = byId.get(cookie(cookieHeader));
        if (s != null && s.user().equals(user)) return s;
        s = new Session(token(), user, token());
        byId.put(s.id(), s);
        return s;
    }

    /** True only if the cookie names a session of {@code user} whose token is {@code csrf}. */
    synchronized boolean check(String cookieHeader, String user, String csrf) {
        Session s = byId.get(cookie(cookieHeader));
        if (s == null || csrf == null || !s.user().equals(user)) return false;
        return MessageDigest.isEqual(s.csrf().getBytes(StandardCharsets.UTF_8), csrf.getBytes(StandardCharsets.UTF_8));
    }

    static String cookie(String header) {
        if (header == null) return null;
        for (String part : header.split(";")) {
            String p = part.trim();
            if (p.startsWith(COOKIE + "=")) return p.substring(COOKIE.length() + 1);
        }
        return null;
    }

    static String setCookie(Session s, boolean secure) {
        return COOKIE + "=" + s.id() + "; Path=/; HttpOnly; SameSite=Strict" + (secure ? "; Secure" : "");
    }
}
