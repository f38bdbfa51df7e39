package org.javapxeboot.xman.portal.state;

import java.io.StringReader;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import javax.xml.XMLConstants;
import javax.xml.parsers.DocumentBuilder;
import javax.xml.parsers.DocumentBuilderFactory;
import org.w3c.dom.Document;
import org.w3c.dom.Element;
import org.w3c.dom.Node;
import org.xml.sax.ErrorHandler;
import org.xml.sax.InputSource;
import org.xml.sax.SAXException;
import org.xml.sax.SAXParseException;

/**
 * PBS/Torque: {@code pbsnodes -x}, the node list as XML:
 *
 * <pre>{@code
 * <Data><Node><name>skirit80-1.ics.muni.cz</name><state>job-exclusive</state><np>8</np>
 *   <jobs>0/1234.arien.ics.muni.cz,1/1234.arien.ics.muni.cz</jobs>...</Node>...</Data>
 * }</pre>
 *
 * Read: {@code name}; {@code state}, a comma-separated list ("down", "state-unknown" or "unknown":
 * down; else "offline": offline; else online, whether "free", "job-exclusive", "job-busy",
 * "job-sharing", "reserve" or "time-shared"); {@code jobs}, entries {@code CPU/JOBID} (Torque;
 * {@code 0-3/JOBID} in Torque 6) or {@code JOBID/CPU} (PBS Pro), counted once per job id;
 * {@code np}, the processors the node offers: 0 means it has no resources assigned (absent: it has).
 * Other elements are ignored. The XML parser refuses a DOCTYPE (no entities, no external files).
 */
public final class PbsJobSource extends CommandJobSource {
    public static final List<String> COMMAND = List.of("pbsnodes", "-x");
    public static final Duration DEADLINE = Duration.ofSeconds(20);

    public PbsJobSource(CommandRunner runner, List<String> argv, Duration deadline) {
        super(runner, argv, deadline);
    }

    /** {@code pbsnodes -x} from PATH, 20 s deadline. */
    public PbsJobSource() {
        this(new ProcessCommandRunner(), COMMAND, DEADLINE);
    }

    @Override
    Map<String, NodeView> parseOutput(String origin, String output) throws JobSourceException {
        return parse(origin, output);
    }

    /** Pure: {@code pbsnodes -x} output to nodes; {@code origin} starts every error message. */
    public static Map<String, NodeView> parse(String origin, String xml) throws JobSourceException {
        Text.checkSize(origin, xml);
        Document d;
        try {
            d = builder().parse(new InputSource(new StringReader(xml)));
        } catch (SAXParseException e) {
            throw new JobSourceException(origin + ": line " + e.getLineNumber() + ":" + e.getColumnNumber() + ": "
                    + Text.shown(e.getMessage()));
        } catch (Exception e) {
            throw new JobSourceException(origin + ": " + Text.shown(e.getMessage()));
        }
        Element root = d.getDocumentElement();
        if (!"Data".equals(root.getTagName())) {
            throw new JobSourceException(origin + ": the root element is <" + Text.shown(root.getTagName())
                    + ">, not pbsnodes' <Data>");
        }
        NodeNames out = new NodeNames(origin);
        int i = 0;
        for (Node n = root.getFirstChild(); n != null; n = n.getNextSibling()) {
            if (!(n instanceof Element e) || !"Node".equals(e.getTagName())) {
                continue;
            }
            i++;
            String name = child(e, "name");
            String where = "<Node> " + i + (name == null ? "" : " (" + Text.shown(name) + ")");
            String state = child(e, "state");
            if (name == null) {
                throw new JobSourceException(origin + ": " + where + ": no <name>");
            }
            if (state == null) {
                throw new JobSourceException(origin + ": " + where + ": no <state>");
            }
            out.add(where, name, new NodeView(availability(state), jobs(origin, where, child(e, "jobs")),
                    resources(origin, where, child(e, "np"))));
        }
        return out.result();
    }

    static NodeView.Availability availability(String stateList) {
        Set<String> states = new HashSet<>();
        for (String s : stateList.split(",")) {
            states.add(s.trim().toLowerCase(Locale.ROOT));
        }
        if (states.contains("down") || states.contains("state-unknown") || states.contains("unknown")) {
            return NodeView.Availability.DOWN;
        }
        return states.contains("offline") ? NodeView.Availability.OFFLINE : NodeView.Availability.ONLINE;
    }

    private static int jobs(String origin, String where, String jobs) throws JobSourceException {
        if (jobs == null || jobs.isBlank()) {
            return 0;
        }
        Set<String> ids = new HashSet<>();
        for (String entry : jobs.split(",")) {
            String j = entry.trim();
            if (j.isEmpty()) {
                continue;
            }
            String[] parts = j.split("/", -1);
            if (parts.length != 2 || parts[0].isEmpty() || parts[1].isEmpty()) {
                throw new JobSourceException(origin + ": " + where + ": <jobs> entry '" + Text.shown(j)
                        + "' is neither CPU/JOBID nor JOBID/CPU");
            }
            // Torque: "0/1234.server" or "0-3/1234.server"; PBS Pro: "1234.server/0"
            ids.add(parts[0].matches("[0-9]+(-[0-9]+)?") ? parts[1] : parts[0]);
            if (ids.size() > NodeView.MAX_JOBS) {
                throw new JobSourceException(origin + ": " + where + ": more than " + NodeView.MAX_JOBS + " jobs");
            }
        }
        return ids.size();
    }

    private static boolean resources(String origin, String where, String np) throws JobSourceException {
        if (np == null) {
            return true;
        }
        try {
            return Integer.parseInt(np.trim()) > 0;
        } catch (NumberFormatException e) {
            throw new JobSourceException(origin + ": " + where + ": <np> '" + Text.shown(np) + "' is not a whole number");
        }
    }

    private static String child(Element e, String tag) {
        for (Node n = e.getFirstChild(); n != null; n = n.getNextSibling()) {
            if (n instanceof Element c && tag.equals(c.getTagName())) {
                return c.getTextContent();
            }
        }
        return null;
    }

    /** No DOCTYPE (so no entity expansion, no external DTD or entity), no XInclude, JAXP's limits on. */
    private static DocumentBuilder builder() throws Exception {
        DocumentBuilderFactory f = DocumentBuilderFactory.newInstance();
        f.setFeature("http://apache.org/xml/features/disallow-doctype-decl", true);
        f.setFeature("http://xml.org/sax/features/external-general-entities", false);
        f.setFeature("http://xml.org/sax/features/external-parameter-entities", false);
        f.setFeature("http://apache.org/xml/features/nonvalidating/load-external-dtd", false);
        f.setFeature(XMLConstants.FEATURE_SECURE_PROCESSING, true);
        f.setXIncludeAware(false);
        f.setExpandEntityReferences(false);
        f.setNamespaceAware(false);
        DocumentBuilder b = f.newDocumentBuilder();
        b.setErrorHandler(new ErrorHandler() { // the default handler prints "[Fatal Error]" to stderr
            @Override
            public void warning(SAXParseException e) {
            }

            @Override
            public void error(SAXParseException e) throws SAXException {
                throw e;
            }

            @Override
            public void fatalError(SAXParseException e) throws SAXException {
                throw e;
            }
        });
        return b;
    }
}
