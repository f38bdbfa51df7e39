package org.javapxeboot.xman.auth;

import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.Arrays;
import java.util.Base64;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class SessionCookieTest {
    static final byte[] KEY = new byte[32];
    static final byte[] OTHER_KEY = new byte[32];
    static final byte[] TLS_A = "tls-session-a".getBytes(StandardCharsets.US_ASCII);
    static final byte[] TLS_B = "tls-session-b".getBytes(StandardCharsets.US_ASCII);

    static {
        Arrays.fill(KEY, (byte) 1);
        Arrays.fill(OTHER_KEY, (byte) 2);
    }

    static final Instant T0 = Instant.parse("2026-12-05T00:00:00Z");

    static SessionCookie at(byte[] key, Instant now) {
        return new SessionCookie(key, Clock.fixed(now, ZoneOffset.UTC), Duration.ofSeconds(300));
    }

    @Test
    void aSessionNamesItsPrincipalOnItsTlsSessionUntilItExpires() throws Exception {
        SessionCookie.Issued s = at(KEY, T0).issue("admin@XMAN.TEST", TLS_A, Integer.MAX_VALUE);
        assertEquals(300, s.seconds());
        assertEquals("admin@XMAN.TEST", at(KEY, T0).verify(s.value(), TLS_A));
        assertEquals("admin@XMAN.TEST", at(KEY, T0.plusSeconds(299)).verify(s.value(), TLS_A));
        SessionCookie.Refused e = assertThrows(SessionCookie.Refused.class, () -> at(KEY, T0.plusSeconds(300)).verify(s.value(), TLS_A));
        assertEquals("the session has expired", e.getMessage());
    }

    @Test
    void aSessionNeverOutlivesItsTicket() throws Exception {
        SessionCookie.Issued s = at(KEY, T0).issue("admin@XMAN.TEST", TLS_A, 20);
        assertEquals(20, s.seconds());
        assertEquals("admin@XMAN.TEST", at(KEY, T0.plusSeconds(19)).verify(s.value(), TLS_A));
        assertThrows(SessionCookie.Refused.class, () -> at(KEY, T0.plusSeconds(20)).verify(s.value(), TLS_A));
    }

    @Test
    void anotherDaemonsOrAnotherTlsSessionsCookieIsRefused() {
        String v = at(KEY, T0).issue("admin@XMAN.TEST", TLS_A, Integer.MAX_VALUE).value();
        assertTrue(assertThrows(SessionCookie.Refused.class, () -> at(OTHER_KEY, T0).verify(v, TLS_A)).getMessage().contains("signature does not match"));
        assertTrue(assertThrows(SessionCookie.Refused.class, () -> at(KEY, T0).verify(v, TLS_B)).getMessage().contains("signature does not match"));
        // Two daemons started with their own random keys.
        String fresh = new SessionCookie(Clock.systemUTC(), Duration.ofSeconds(60)).issue("admin@XMAN.TEST", TLS_A, 60).value();
        assertThrows(SessionCookie.Refused.class, () -> new SessionCookie(Clock.systemUTC(), Duration.ofSeconds(60)).verify(fresh, TLS_A));
    }

    @Test
    void anAlteredCookieIsRefused() {
        String v = at(KEY, T0).issue("alice@XMAN.TEST", TLS_A, Integer.MAX_VALUE).value();
        String[] p = v.split("\\.");
        String admin = Base64.getUrlEncoder().withoutPadding().encodeToString("admin@XMAN.TEST".getBytes(StandardCharsets.UTF_8));
        String otherPrincipal = p[0] + "." + p[1] + "." + admin + "." + p[3];
        String longer = p[0] + "." + (Long.parseLong(p[1]) + 3600) + "." + p[2] + "." + p[3];
        char last = p[3].charAt(0);
        String flipped = p[0] + "." + p[1] + "." + p[2] + "." + (last == 'A' ? 'B' : 'A') + p[3].substring(1);
        for (String bad : new String[] {otherPrincipal, longer, flipped, p[0] + "." + p[1] + "." + p[2] + ".", "v2." + p[1] + "." + p[2] + "." + p[3],
                v + ".x", "", "x".repeat(SessionCookie.MAX_VALUE_CHARS + 1), p[0] + "." + p[1] + "." + p[2] + ".!!!"}) {
            assertThrows(SessionCookie.Refused.class, () -> at(KEY, T0).verify(bad, TLS_A), bad);
        }
    }

    @Test
    void theCookieHeaderIsParsedAndTheSetCookieIsNarrow() {
        assertEquals("abc", SessionCookie.fromHeader("a=1; xman_session=abc; b=2"));
        assertNull(SessionCookie.fromHeader("a=1; my_xman_session=abc"));
        assertNull(SessionCookie.fromHeader(null));
        String set = SessionCookie.setCookie(new SessionCookie.Issued("v", 300), "/v1/");
        assertEquals("xman_session=v; Max-Age=300; Path=/v1/; Secure; HttpOnly; SameSite=Strict", set);
        assertTrue(SessionCookie.clearCookie("/v1/").startsWith("xman_session=; Max-Age=0;"));
    }

    @Test
    void aShortKeyIsRefused() {
        assertThrows(IllegalArgumentException.class, () -> new SessionCookie(new byte[16], Clock.systemUTC(), Duration.ofSeconds(1)));
        assertThrows(IllegalArgumentException.class, () -> new SessionCookie(KEY, Clock.systemUTC(), Duration.ZERO));
    }
}
