package org.javapxeboot.xman.portal.web;

import org.ietf.jgss.GSSException;
import org.javapxeboot.xman.auth.Kerberos;

import java.util.Base64;

/**
 * Who is asking: SPNEGO (HTTP Negotiate, RFC 4559) on every request, or nobody checked
 * (--insecure-no-auth, loopback only). Other schemes get 401 with {@code WWW-Authenticate: Negotiate}.
 */
public interface Authenticator {
    /** An authenticated user; {@code principal} null when authentication is off; {@code replyToken} for mutual authentication, or null. */
    record Identity(String principal, byte[] replyToken) {}

    final class Refused extends Exception {
        Refused(String message) {
            super(message);
        }
    }

    Identity authenticate(String authorizationHeader) throws Refused;

    /** No authentication: every request is the same anonymous user, and xmand is told no user. */
    Authenticator NONE = h -> new Identity(null, null);

    /** Negotiate through the portal's service key. */
    static Authenticator spnego(Kerberos.Acceptor acceptor) {
        return h -> {
            if (h == null) throw new Refused("Kerberos authentication required (Authorization: Negotiate); run kinit, and allow this site in the browser's Negotiate settings");
            if (!h.regionMatches(true, 0, "Negotiate ", 0, 10)) throw new Refused("only the Negotiate (SPNEGO/Kerberos 5) scheme is accepted");
            byte[] token;
            try {
                token = Base64.getDecoder().decode(h.substring(10).trim());
            } catch (IllegalArgumentException e) {
                throw new Refused("the Negotiate token is not base64");
            }
            try {
                Kerberos.Acceptor.Accepted a = acceptor.accept(token);
                return new Identity(a.principal(), a.replyToken());
            } catch (GSSException e) {
                throw new Refused("Kerberos authentication failed: " + Kerberos.describe(e));
            }
        };
    }
}
