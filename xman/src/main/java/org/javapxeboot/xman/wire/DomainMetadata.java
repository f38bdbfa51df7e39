package org.javapxeboot.xman.wire;

import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;
import org.javapxeboot.xman.wire.Protocol.ProtocolException;
import org.w3c.dom.Document;
import org.w3c.dom.Element;
import org.w3c.dom.Node;
import org.w3c.dom.NodeList;

/**
 * What we keep about a guest inside its own libvirt definition, in {@code <metadata>} under our
 * namespace, so that it travels with the domain (migrate, dumpxml, another xmand):
 *
 * <pre>{@code
 * <metadata>
 *   <xman:guest xmlns:xman="urn:javapxeboot:xman:1">
 *     <xman:priority>10</xman:priority>
 *     <xman:owner>alice@EXAMPLE.ORG</xman:owner>
 *   </xman:guest>
 * </metadata>
 * }</pre>
 *
 * {@code priority}: the batch system's preemption priority of the guest (higher preempts lower;
 * default 0). {@code owner}: Kerberos principals that may act on this guest without being host
 * administrators (none by default). {@code provision apply} writes it from the YAML's
 * {@code priority:} and {@code owners:}; xmand reads the owners, the portal the priority.
 */
public record DomainMetadata(int priority, List<String> owners) {
    public static final String NS = "urn:javapxeboot:xman:1";
    public static final DomainMetadata NONE = new DomainMetadata(0, List.of());
    /** A principal as an owner: name[/instance]@REALM, no spaces, quotes or markup. */
    private static final Pattern PRINCIPAL = Pattern.compile("[A-Za-z0-9._+-]+(/[A-Za-z0-9._+-]+)*@[A-Za-z0-9._-]+");

    public DomainMetadata {
        owners = List.copyOf(owners);
        for (String o : owners) {
            if (!validOwner(o)) {
                throw new IllegalArgumentException("owner '" + o + "' is not a Kerberos principal name@REALM");
            }
        }
    }

    public static boolean validOwner(String principal) {
        return principal != null && PRINCIPAL.matcher(principal).matches();
    }

    /** The metadata in a domain's XML; {@link #NONE} when it has none of ours. Bad values are errors. */
    public static DomainMetadata of(String domainXml) throws ProtocolException {
        Document d;
        try {
            d = DomainXml.parse(domainXml);
        } catch (Exception e) {
            throw new ProtocolException(400, "INVALID_ARGUMENT", "domain XML: " + e.getMessage());
        }
        Element guest = null;
        for (Node m = d.getDocumentElement().getFirstChild(); m != null; m = m.getNextSibling()) {
            if (m instanceof Element e && "metadata".equals(e.getLocalName())) {
                NodeList gs = e.getElementsByTagNameNS(NS, "guest");
                if (gs.getLength() > 0) guest = (Element) gs.item(0);
            }
        }
        if (guest == null) return NONE;
        int priority = 0;
        List<String> owners = new ArrayList<>();
        for (Node n = guest.getFirstChild(); n != null; n = n.getNextSibling()) {
            if (!(n instanceof Element e) || !NS.equals(e.getNamespaceURI())) continue;
            String v = e.getTextContent().trim();
            switch (e.getLocalName()) {
                case "priority" -> {
                    try {
                        priority = Integer.parseInt(v);
                    } catch (NumberFormatException x) {
                        throw new ProtocolException(400, "INVALID_ARGUMENT", "xman:priority '" + v + "' is not a whole number");
                    }
                }
                case "owner" -> {
                    if (!validOwner(v)) {
                        throw new ProtocolException(400, "INVALID_ARGUMENT", "xman:owner '" + v + "' is not a Kerberos principal name@REALM");
                    }
                    owners.add(v);
                }
                default -> { } // a later version's element: ignored, as libvirt ignores what it does not know
            }
        }
        return new DomainMetadata(priority, owners);
    }

    /** The {@code <xman:guest>} element for a domain's {@code <metadata>}, indented by {@code indent}. */
    public String element(String indent) {
        StringBuilder b = new StringBuilder();
        b.append(indent).append("<xman:guest xmlns:xman=\"").append(NS).append("\">\n");
        b.append(indent).append("  <xman:priority>").append(priority).append("</xman:priority>\n");
        for (String o : owners) {
            // validOwner admits no markup characters, so the name needs no escaping
            b.append(indent).append("  <xman:owner>").append(o).append("</xman:owner>\n");
        }
        b.append(indent).append("</xman:guest>\n");
        return b.toString();
    }
}
