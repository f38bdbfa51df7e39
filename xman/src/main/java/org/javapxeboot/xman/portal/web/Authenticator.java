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

    /** Not allowed in: 401 (not authenticated; the answer asks for Negotiate) or 403 (authenticated, not a user of the portal). */
    final class Refused extends Exception {
        public final int status;

        Refused(String message) {
            this(401, message);
        }

        Refused(int status, String message) {
            super(message);
            this.status = status;
        }
    }

    Identity authenticate(String authorizationHeader) throws Refused;

    /** No authentication: every request is the same anonymous user, and xmand is told no user. */
    Authenticator NONE = h -> new Identity(null, null);

    /**
     * Only the principals {@code k5login} lists may use the portal at all (--k5login); others get
     * 403. Without it every authenticated user may, and xmand decides what each may do.
     */
    static Authenticator listed(Authenticator inner, org.javapxeboot.xman.auth.K5Login k5login) {
        return h -> {
            Identity id = inner.authenticate(h);
            boolean ok;
            try {
                ok = id.principal() != null && k5login.allows(id.principal());
            } catch (java.io.IOException e) {
                throw new Refused(403, "cannot read " + k5login.path() + ": " + e.getMessage());
            }
            if (!ok) throw new Refused(403, id.principal() + " is not listed in " + k5login.path() + ", the portal's users");
            return id;
        };
    }

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
