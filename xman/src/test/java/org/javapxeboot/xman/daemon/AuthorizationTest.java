package org.javapxeboot.xman.daemon;

import org.javapxeboot.xman.auth.K5Login;
import org.javapxeboot.xman.wire.DomainMetadata;
import org.javapxeboot.xman.wire.Op;
import org.javapxeboot.xman.wire.Protocol.ProtocolException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The rules of {@link Authorization} without a network: who a request acts as, and the column of the table. */
class AuthorizationTest {
    static final String PORTAL = "HTTP/portal.example.org@EXAMPLE.ORG", ALICE = "alice@EXAMPLE.ORG";

    final Authorization authz = new Authorization(List.of(PORTAL), null, "h1");

    @Test
    void withoutTheHeaderARequestIsItsOwnPrincipal() throws Exception {
        assertEquals(new Authorization.Caller(ALICE, null), authz.caller(ALICE, null));
        assertEquals(new Authorization.Caller(PORTAL, null), authz.caller(PORTAL, List.of()));
    }

    @Test
    void onlyATrustedProxyMayNameAUser() throws Exception {
        assertEquals(new Authorization.Caller(ALICE, PORTAL), authz.caller(PORTAL, List.of(ALICE)));
        ProtocolException e = assertThrows(ProtocolException.class, () -> authz.caller(ALICE, List.of("root@EXAMPLE.ORG")));
        assertEquals(403, e.status);
        // Whatever the header says, even nonsense: the refusal comes first.
        assertEquals(403, assertThrows(ProtocolException.class, () -> authz.caller(ALICE, List.of("<x>"))).status);
        assertEquals(403, assertThrows(ProtocolException.class, () -> authz.caller("(unauthenticated)", List.of(ALICE))).status);
    }

    @Test
    void theProxyMustNameExactlyOnePrincipal() {
        for (List<String> bad : List.of(List.of("alice"), List.of(""), List.of(" " + ALICE), List.of(ALICE + ",bob@EXAMPLE.ORG"),
                List.of(ALICE, ALICE), List.of("a".repeat(Authorization.MAX_PRINCIPAL_CHARS) + "@R"), List.of("alice@EXAMPLE.ORG\n"))) {
            ProtocolException e = assertThrows(ProtocolException.class, () -> authz.caller(PORTAL, bad), bad.toString());
            assertEquals(400, e.status, bad.toString());
            assertFalse(e.getMessage().contains("\n"), e.getMessage());
        }
    }

    @Test
    void trustedProxiesMustBePrincipals() {
        assertThrows(IllegalArgumentException.class, () -> new Authorization(List.of("portal"), null, "h1"));
        assertThrows(IllegalArgumentException.class, () -> new Authorization(List.of("a b@R"), null, "h1"));
    }

    @Test
    void ownershipIsByExactPrincipal() {
        Authorization.Caller alice = new Authorization.Caller(ALICE, null);
        assertTrue(Authorization.owns(alice, new DomainMetadata(0, List.of("bob@EXAMPLE.ORG", ALICE))));
        assertFalse(Authorization.owns(alice, new DomainMetadata(0, List.of("ALICE@EXAMPLE.ORG"))));
        assertFalse(Authorization.owns(alice, new DomainMetadata(0, List.of("alice@EXAMPLE.ORG.evil"))));
        assertFalse(Authorization.owns(alice, DomainMetadata.NONE));
        assertFalse(Authorization.owns(alice, null));
    }

    @Test
    void k5loginDecidesWhoIsAnAdministrator(@TempDir Path dir) throws Exception {
        Path f = Files.writeString(dir.resolve("k5login"), ALICE + "\n");
        Authorization a = new Authorization(List.of(), new K5Login(f), "h1");
        assertTrue(a.admin(ALICE));
        assertFalse(a.admin("bob@EXAMPLE.ORG"));
        Files.setPosixFilePermissions(f, java.nio.file.attribute.PosixFilePermissions.fromString("rw-rw-rw-"));
        assertEquals(403, assertThrows(ProtocolException.class, () -> a.admin(ALICE)).status);
    }

    private static String read(String doc) {
        try {
            return Files.readString(Path.of("..", "docs", doc));
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    /**
     * The table's column as docs/xman.md states it: what acts on the host, or could hand a guest to
     * someone else, is for administrators; the lifecycle of an existing guest is for its owners too.
     */
    @Test
    void theCallerColumn() {
        Set<Op> admin = EnumSet.noneOf(Op.class);
        for (Op op : Op.values()) if (op.caller == Op.Caller.ADMIN) admin.add(op);
        assertEquals(EnumSet.of(Op.CREATE, Op.DEFINE, Op.UNDEFINE, Op.AUTOSTART, Op.MIGRATE, Op.DMESG, Op.INFO), admin);
        // docs/xman.md and docs/xman-protocol.md state the column: one row per operation, as the table has it.
        String guide = read("xman.md"), protocol = read("xman-protocol.md");
        for (Op op : Op.values()) {
            String level = op.caller == Op.Caller.ADMIN ? "admin" : "owner";
            assertTrue(guide.contains("\n| `" + op.wire + "` | " + level + " |"), "docs/xman.md: " + op.wire + " is " + level);
            assertTrue(protocol.matches("(?s).*\\n\\| [^\\n]*`" + java.util.regex.Pattern.quote(op.wire) + "`[^\\n]*\\| " + level + " \\|.*"),
                    "docs/xman-protocol.md: " + op.wire + " is " + level);
        }
        // An owner operation either names its domain or has its own rule for non-administrators.
        for (Op op : Op.values()) {
            if (op.caller == Op.Caller.OWNER) assertTrue(op.needsDomain || op == Op.LIST || op == Op.HELP, op.wire);
        }
    }
}
