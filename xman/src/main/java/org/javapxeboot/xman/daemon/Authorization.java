package org.javapxeboot.xman.daemon;

import org.javapxeboot.xman.auth.K5Login;
import org.javapxeboot.xman.wire.DomainMetadata;
import org.javapxeboot.xman.wire.Op;
import org.javapxeboot.xman.wire.Protocol;
import org.javapxeboot.xman.wire.Protocol.ProtocolException;

import java.io.IOException;
import java.util.Collection;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;

/**
 * Who a request acts as, and the refusals: the rules of docs/xman.md ("Authorization") except the
 * per-operation level, which is the {@link Op.Caller} column of the operations table.
 *
 * <ul>
 *   <li>A request acts as the Kerberos principal that authenticated it, unless that principal is a
 *       trusted proxy ({@code --trust-proxy}) and names a user in {@link Protocol#ON_BEHALF_HEADER}:
 *       then it acts as that user, and the proxy is kept for the audit line ({@code via=}). The
 *       header from anyone else is refused (403) whatever it says; from a proxy, a header that is
 *       not exactly one principal name@REALM is refused (400).</li>
 *   <li>Whoever acts is an administrator if the host's .k5login lists him; an unusable .k5login
 *       refuses every request.</li>
 *   <li>Everyone else: {@link Op.Caller#ADMIN} operations are refused; {@link Op.Caller#OWNER}
 *       operations only on domains whose metadata names him (checked by the daemon, under the
 *       domain's lock); a domain that does not exist gets the same refusal as another's.</li>
 * </ul>
 */
final class Authorization {
    /** The longest principal the on-behalf header may name (a Kerberos name is far shorter). */
    static final int MAX_PRINCIPAL_CHARS = 256;

    /** Whom a request acts for: {@code principal}, named by the trusted proxy {@code via} (null: authenticated as itself). */
    record Caller(String principal, String via) {}

    private final Set<String> trustedProxies;
    private final K5Login k5login;
    private final String host;

    /**
     * @param trustedProxies principals allowed to send {@link Protocol#ON_BEHALF_HEADER}; each must be name@REALM
     * @param k5login        the administrators; null only without authentication (everyone is one)
     */
    Authorization(Collection<String> trustedProxies, K5Login k5login, String host) {
        for (String p : trustedProxies) {
            if (!DomainMetadata.validOwner(p)) throw new IllegalArgumentException("--trust-proxy " + Protocol.printable(p) + " is not a Kerberos principal name@REALM");
        }
        this.trustedProxies = Set.copyOf(new TreeSet<>(trustedProxies));
        this.k5login = k5login;
        this.host = host;
    }

    Set<String> trustedProxies() {
        return trustedProxies;
    }

    /**
     * True if {@code c} is a trusted proxy speaking for itself (no user named) and {@code op} only
     * reads what the overview shows: the front end's overview sees every domain (list, lookup,
     * describe) without being an administrator, and can change nothing without naming a user.
     */
    boolean overviewReader(Caller c, Op op) {
        return c.via() == null && trustedProxies.contains(c.principal()) && !op.mutates && op.caller == Op.Caller.OWNER;
    }

    /**
     * Whom the request acts for, given the principal that authenticated it and the values of the
     * on-behalf header (empty or null when it has none).
     */
    Caller caller(String authenticated, List<String> onBehalf) throws ProtocolException {
        if (onBehalf == null || onBehalf.isEmpty()) return new Caller(authenticated, null);
        if (!trustedProxies.contains(authenticated)) {
            throw new ProtocolException(403, "DENIED", authenticated + " may not act on behalf of another user on " + host
                    + ": it is not a trusted proxy (--trust-proxy); send no " + Protocol.ON_BEHALF_HEADER + " header");
        }
        if (onBehalf.size() != 1) {
            throw new ProtocolException(400, "BAD_REQUEST", Protocol.ON_BEHALF_HEADER + " given " + onBehalf.size() + " times; name one user");
        }
        String user = onBehalf.get(0);
        if (user.length() > MAX_PRINCIPAL_CHARS || !DomainMetadata.validOwner(user)) {
            throw new ProtocolException(400, "BAD_REQUEST", Protocol.ON_BEHALF_HEADER + " " + Protocol.printable(user)
                    + " is not a Kerberos principal name@REALM");
        }
        return new Caller(user, authenticated);
    }

    /** True if {@code principal} is an administrator here; an unusable .k5login refuses (403). */
    boolean admin(String principal) throws ProtocolException {
        if (k5login == null) return true;
        try {
            return k5login.allows(principal);
        } catch (IOException e) {
            throw new ProtocolException(403, "DENIED", "cannot use " + k5login.path() + " on " + host + ": " + e.getMessage());
        }
    }

    /** The refusal of a non-administrator: an {@link Op.Caller#ADMIN} operation, or an unknown one. */
    ProtocolException adminOnly(Caller c, String op) {
        return new ProtocolException(403, "DENIED", c.principal() + " is not listed in " + where() + " on " + host
                + (op != null ? ": " + Protocol.printable(op) + " is for administrators only" : ""));
    }

    /**
     * The refusal of a non-administrator on a domain he does not own. The same words whether the
     * domain exists or not, so that the answer tells nothing about other users' domains.
     */
    ProtocolException notOwner(Caller c, Op op, String domain) {
        return new ProtocolException(403, "DENIED", c.principal() + " may not " + op.wire + " " + Protocol.printable(domain) + " on " + host
                + ": not listed in " + where() + " and not an owner of a domain of that name");
    }

    /** Whether {@code c} may act on a domain with these owners (null: no such domain, or its metadata is unreadable). */
    static boolean owns(Caller c, DomainMetadata metadata) {
        return metadata != null && metadata.owners().contains(c.principal());
    }

    private String where() {
        return k5login == null ? ".k5login" : k5login.path().toString();
    }
}
