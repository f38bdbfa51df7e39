package org.javapxeboot.xman.wire;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.javapxeboot.xman.wire.Protocol.ProtocolException;
import org.junit.jupiter.api.Test;

class DomainMetadataTest {
    static String domain(String metadata) {
        return "<domain type='test'><name>vm1</name><metadata>" + metadata + "</metadata><memory>1024</memory></domain>";
    }

    @Test
    void roundTrip() throws Exception {
        DomainMetadata m = new DomainMetadata(10, List.of("alice@EXAMPLE.ORG", "bob/admin@EXAMPLE.ORG"));
        assertEquals(m, DomainMetadata.of(domain(m.element("    "))));
        assertEquals("  <xman:guest xmlns:xman=\"urn:javapxeboot:xman:1\">\n    <xman:priority>10</xman:priority>\n"
                + "    <xman:owner>alice@EXAMPLE.ORG</xman:owner>\n    <xman:owner>bob/admin@EXAMPLE.ORG</xman:owner>\n"
                + "  </xman:guest>\n", m.element("  "));
    }

    @Test
    void noneOfOursIsNone() throws Exception {
        assertEquals(DomainMetadata.NONE, DomainMetadata.of("<domain><name>vm1</name></domain>"));
        assertEquals(DomainMetadata.NONE, DomainMetadata.of(domain("<other:x xmlns:other='urn:other'><other:owner>eve@X</other:owner></other:x>")));
        // Our element names in another namespace are not ours either: nobody gains ownership by a look-alike.
        assertEquals(DomainMetadata.NONE, DomainMetadata.of(domain("<guest xmlns='urn:evil'><owner>eve@X</owner></guest>")));
    }

    @Test
    void badValuesAreLocatedErrors() {
        ProtocolException e = assertThrows(ProtocolException.class, () -> DomainMetadata.of(domain(
                "<xman:guest xmlns:xman='urn:javapxeboot:xman:1'><xman:priority>high</xman:priority></xman:guest>")));
        assertEquals("xman:priority 'high' is not a whole number", e.getMessage());
        e = assertThrows(ProtocolException.class, () -> DomainMetadata.of(domain(
                "<xman:guest xmlns:xman='urn:javapxeboot:xman:1'><xman:owner>a b@X</xman:owner></xman:guest>")));
        assertTrue(e.getMessage().contains("is not a Kerberos principal"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> new DomainMetadata(0, List.of("<script>@X")));
        assertThrows(ProtocolException.class, () -> DomainMetadata.of("<!DOCTYPE d [<!ENTITY x 'y'>]><domain/>"));
    }
}
