package org.javapxeboot.xman.wire;

import org.javapxeboot.xman.wire.Protocol.ProtocolException;
import org.w3c.dom.Document;
import org.xml.sax.InputSource;

import javax.xml.XMLConstants;
import javax.xml.parsers.DocumentBuilder;
import javax.xml.parsers.DocumentBuilderFactory;
import java.io.StringReader;

/** What xmand reads from libvirt domain XML before libvirt sees it: the name, to check and to lock. */
public final class DomainXml {
    private DomainXml() {}

    /** The domain name inside libvirt XML, read with a parser that refuses DOCTYPEs (no XXE, no entity bombs). */
    public static String nameOf(String xml) throws ProtocolException {
        try {
            Document d = parse(xml);
            if (!"domain".equals(d.getDocumentElement().getTagName())) {
                throw new ProtocolException(400, "INVALID_ARGUMENT", "the XML's root element is <" + d.getDocumentElement().getTagName() + ">, not <domain>");
            }
            org.w3c.dom.NodeList names = d.getDocumentElement().getElementsByTagName("name");
            for (int i = 0; i < names.getLength(); i++) {
                // Not trimmed: the name xmand checks must be the name libvirt will define.
                if (names.item(i).getParentNode() == d.getDocumentElement()) return names.item(i).getTextContent();
            }
            throw new ProtocolException(400, "INVALID_ARGUMENT", "the domain XML has no <name>");
        } catch (ProtocolException e) {
            throw e;
        } catch (org.xml.sax.SAXParseException e) {
            throw new ProtocolException(400, "INVALID_ARGUMENT", "domain XML " + e.getLineNumber() + ":" + e.getColumnNumber() + ": " + e.getMessage());
        } catch (Exception e) {
            throw new ProtocolException(400, "INVALID_ARGUMENT", "domain XML: " + e.getMessage());
        }
    }

    /** Parses domain XML namespace-aware, refusing DOCTYPEs (no XXE, no entity bombs). */
    static Document parse(String xml) throws Exception {
        DocumentBuilderFactory f = DocumentBuilderFactory.newInstance();
        f.setNamespaceAware(true);
        f.setFeature("http://apache.org/xml/features/disallow-doctype-decl", true);
        f.setFeature(XMLConstants.FEATURE_SECURE_PROCESSING, true);
        f.setXIncludeAware(false);
        f.setExpandEntityReferences(false);
        DocumentBuilder b = f.newDocumentBuilder();
        b.setErrorHandler(null);
        return b.parse(new InputSource(new StringReader(xml)));
    }
}
