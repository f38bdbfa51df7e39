package org.javapxeboot.xman.wire;

import org.javapxeboot.xman.text.Escape;
import org.javapxeboot.xman.vm.VmControl;

import org.javapxeboot.xman.vm.VirtException;
import org.javapxeboot.xman.vm.VmControl.DomainInfo;
import org.javapxeboot.xman.vm.VmControl.DomainState;
import org.javapxeboot.xman.vm.VmControl.HostInfo;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * The xman wire protocol (docs/xman-protocol.md): one HTTP endpoint per operation,
 * {@code POST /v1/OP} with a JSON object body (read-only operations also answer {@code GET} with
 * the arguments as query parameters); answers are {@code {"ok":true,"host":..,"op":..,"result":..}}
 * or {@code {"ok":false,...,"error":{"kind":..,"message":..}}}. Pure: no sockets here.
 */
public final class Protocol {
    public static final String PREFIX = "/v1/";
    /** xmand's port unless told otherwise (--listen, rxm -H HOST:PORT). */
    public static final int DEFAULT_PORT = 8740;
    public static final String JSON_TYPE = "application/json; charset=utf-8";
    /**
     * Sent only by a front end that xmand trusts by name (the portal's principal, xmand
     * {@code --trust-proxy}): the Kerberos principal of the user the request is made for. xmand
     * authorises and audits that user; from any other principal the header is refused.
     */
    public static final String ON_BEHALF_HEADER = "X-Xman-On-Behalf-Of";

    /** Domain names xmand accepts: what libvirt tools and hostnames use; no shell or XML metacharacters. */
    private static final Pattern DOMAIN_NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._+-]{0,63}");

    private Protocol() {}

    /** A request that cannot be served as asked: carries the HTTP status and the error kind. */
    public static final class ProtocolException extends Exception {
        public final int status;
        public final String kind;

        public ProtocolException(int status, String kind, String message) {
            super(message);
            this.status = status;
            this.kind = kind;
        }
    }

    public static String checkDomainName(String name) throws ProtocolException {
        if (name == null || name.isEmpty()) throw new ProtocolException(400, "INVALID_ARGUMENT", "missing \"domain\"");
        if (!DOMAIN_NAME.matcher(name).matches()) {
            throw new ProtocolException(400, "INVALID_ARGUMENT", "domain name " + printable(name)
                    + " is not allowed: use 1-64 of A-Z a-z 0-9 . _ + - starting with a letter or digit");
        }
        return name;
    }

    /** A value quoted for messages and logs: control characters escaped, long values cut. */
    public static String printable(String s) {
        if (s == null) return "(none)";
        StringBuilder sb = new StringBuilder("'");
        for (int i = 0; i < s.length() && i < 80; i++) {
            char c = s.charAt(i);
            if (Escape.control(c)) sb.append(String.format("\\x%02x", (int) c));
            else sb.append(c);
        }
        if (s.length() > 80) sb.append("...");
        return sb.append('\'').toString();
    }

    public static int statusOf(VirtException.Kind kind) {
        switch (kind) {
            case NO_DOMAIN: return 404;
            case INVALID_STATE: return 409;
            case INVALID_ARGUMENT: return 400;
            case UNSUPPORTED: return 501;
            case DENIED: return 403;
            case UNAVAILABLE: return 503;
            default: return 500;
        }
    }

    public static Map<String, Object> ok(String host, Op op, Object result) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("ok", true);
        m.put("host", host);
        m.put("op", op.wire);
        m.put("result", result);
        return m;
    }

    public static Map<String, Object> error(String host, String op, String kind, String message) {
        Map<String, Object> e = new LinkedHashMap<>();
        e.put("kind", kind);
        e.put("message", message);
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("ok", false);
        m.put("host", host);
        m.put("op", op);
        m.put("error", e);
        return m;
    }

    /**
     * A domain as the protocol writes it (docs/xman-protocol.md: name, uuid, id, state, memoryKiB,
     * maxMemoryKiB, vcpus, cpuTimeNanos, persistent, autostart, in that order), written straight
     * from the {@link DomainInfo}: a {@code list} of a hundred domains built a map, its entries and
     * boxes for every domain, most of the daemon's garbage per request (BENCHMARKS.md section 4).
     */
    public static Json.Written domainJson(DomainInfo d) {
        return sb -> writeDomain(sb, d);
    }

    public static DomainInfo domainFrom(Object o) throws ProtocolException {
        Map<String, Object> m = map(o, "domain");
        return new DomainInfo(str(m, "name"), str(m, "uuid"), (int) num(m, "id"),
                DomainState.valueOf(str(m, "state").toUpperCase()), num(m, "memoryKiB"), num(m, "maxMemoryKiB"),
                (int) num(m, "vcpus"), num(m, "cpuTimeNanos"), bool(m, "persistent"), bool(m, "autostart"));
    }

    /** The domains, each as {@link #domainJson} writes it. */
    public static List<Object> domainsJson(List<DomainInfo> ds) {
        List<Object> l = new ArrayList<>(ds.size());
        for (DomainInfo d : ds) l.add(domainJson(d));
        return l;
    }

    private static final String[] STATE_NAMES = java.util.Arrays.stream(DomainState.values()).map(st -> st.name().toLowerCase()).toArray(String[]::new);

    private static void writeDomain(StringBuilder sb, DomainInfo d) {
        sb.append("{\"name\":");
        Json.write(sb, d.name());
        sb.append(",\"uuid\":");
        Json.write(sb, d.uuid());
        sb.append(",\"id\":").append((long) d.id());
        sb.append(",\"state\":");
        Json.quote(sb, STATE_NAMES[d.state().ordinal()]);
        sb.append(",\"memoryKiB\":").append(d.memoryKiB());
        sb.append(",\"maxMemoryKiB\":").append(d.maxMemoryKiB());
        sb.append(",\"vcpus\":").append((long) d.vcpus());
        sb.append(",\"cpuTimeNanos\":").append(d.cpuTimeNanos());
        sb.append(",\"persistent\":").append(d.persistent());
        sb.append(",\"autostart\":").append(d.autostart());
        sb.append('}');
    }

    public static List<DomainInfo> domainsFrom(Object o) throws ProtocolException {
        if (!(o instanceof List)) throw new ProtocolException(502, "FAILED", "expected a list of domains");
        List<DomainInfo> l = new ArrayList<>();
        for (Object e : (List<?>) o) l.add(domainFrom(e));
        return l;
    }

    public static Map<String, Object> hostJson(HostInfo h) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("hostname", h.hostname());
        m.put("uri", h.uri());
        m.put("hypervisor", h.hypervisor());
        m.put("hypervisorVersion", h.hypervisorVersion());
        m.put("cpuModel", h.cpuModel());
        m.put("memoryKiB", h.memoryKiB());
        m.put("cpus", (long) h.cpus());
        m.put("mhz", (long) h.mhz());
        m.put("numaNodes", (long) h.numaNodes());
        m.put("sockets", (long) h.sockets());
        m.put("cores", (long) h.cores());
        m.put("threads", (long) h.threads());
        m.put("domainsRunning", (long) h.domainsRunning());
        m.put("domainsDefined", (long) h.domainsDefined());
        return m;
    }

    public static HostInfo hostFrom(Object o) throws ProtocolException {
        Map<String, Object> m = map(o, "host");
        return new HostInfo(str(m, "hostname"), str(m, "uri"), str(m, "hypervisor"), num(m, "hypervisorVersion"),
                str(m, "cpuModel"), num(m, "memoryKiB"), (int) num(m, "cpus"), (int) num(m, "mhz"),
                (int) num(m, "numaNodes"), (int) num(m, "sockets"), (int) num(m, "cores"), (int) num(m, "threads"),
                (int) num(m, "domainsRunning"), (int) num(m, "domainsDefined"));
    }

    @SuppressWarnings("unchecked")
    public static Map<String, Object> map(Object o, String what) throws ProtocolException {
        if (!(o instanceof Map)) throw new ProtocolException(400, "INVALID_ARGUMENT", what + " must be a JSON object, not " + Json.typeName(o));
        return (Map<String, Object>) o;
    }

    /** A string member, or null when absent; a non-string is an error. */
    public static String optStr(Map<String, Object> m, String key) throws ProtocolException {
        Object v = m.get(key);
        if (v == null) return null;
        if (!(v instanceof String)) throw new ProtocolException(400, "INVALID_ARGUMENT", "\"" + key + "\" must be a string, not " + Json.typeName(v));
        return (String) v;
    }

    public static String str(Map<String, Object> m, String key) throws ProtocolException {
        String s = optStr(m, key);
        if (s == null) throw new ProtocolException(400, "INVALID_ARGUMENT", "missing \"" + key + "\"");
        return s;
    }

    public static long num(Map<String, Object> m, String key) throws ProtocolException {
        Object v = m.get(key);
        if (v == null) throw new ProtocolException(400, "INVALID_ARGUMENT", "missing \"" + key + "\"");
        if (v instanceof String) {
            try {
                return Long.parseLong((String) v);
            } catch (NumberFormatException e) {
                throw new ProtocolException(400, "INVALID_ARGUMENT", "\"" + key + "\" must be an integer, not " + printable((String) v));
            }
        }
        if (!(v instanceof Long)) throw new ProtocolException(400, "INVALID_ARGUMENT", "\"" + key + "\" must be an integer, not " + Json.typeName(v));
        return (Long) v;
    }

    public static boolean bool(Map<String, Object> m, String key) throws ProtocolException {
        Object v = m.get(key);
        if (!(v instanceof Boolean)) throw new ProtocolException(400, "INVALID_ARGUMENT", "\"" + key + "\" must be a boolean");
        return (Boolean) v;
    }
}
