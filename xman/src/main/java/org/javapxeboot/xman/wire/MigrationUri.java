package org.javapxeboot.xman.wire;

import org.javapxeboot.xman.wire.Protocol.ProtocolException;

import java.net.URI;
import java.net.URISyntaxException;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * The destinations xmand migrates a domain to. libvirtd runs as root, and a remote URI is a
 * small program (libvirt.org/uri.html, "Remote URIs"): {@code qemu+ext:///system?command=X} runs X
 * as root, {@code socket=} connects to any local socket, {@code netcat=} and {@code command=} are
 * run in the destination's shell, {@code keyfile=}, {@code pkipath=} and {@code known_hosts=} make
 * libvirt read files of the caller's choosing with root's rights, and {@code no_verify=1},
 * {@code known_hosts_verify=ignore}, {@code sshauth=}, {@code tls_priority=} weaken the checks on
 * the peer. So only the network transports are taken, with a plain host, and no query at all.
 */
public final class MigrationUri {
    /** Transports that reach another host's libvirtd through its own authentication. */
    public static final List<String> SCHEMES = List.of("qemu+tls", "qemu+ssh", "qemu+tcp", "xen+ssh", "xen+tls");
    /** The libvirt paths of these drivers: the system (root) or session daemon; "" and "/" let libvirt pick. */
    private static final Set<String> PATHS = Set.of("", "/", "/system", "/session");
    /** Why each known libvirt remote-URI parameter is refused (every other one is refused as unknown). */
    private static final Map<String, String> DANGEROUS = Map.ofEntries(
            Map.entry("command", "it names a program to run"),
            Map.entry("socket", "it points libvirt at any local Unix socket"),
            Map.entry("netcat", "it is run by a shell on the destination"),
            Map.entry("proxy", "it chooses what is run on the destination"),
            Map.entry("mode", "it chooses what is run on the destination"),
            Map.entry("name", "it changes which driver the destination opens"),
            Map.entry("keyfile", "libvirt would read that file with root's rights"),
            Map.entry("pkipath", "libvirt would read that directory with root's rights"),
            Map.entry("known_hosts", "libvirt would read that file with root's rights"),
            Map.entry("known_hosts_verify", "it can turn off the check of the destination's host key"),
            Map.entry("no_verify", "it turns off the check of the destination's certificate"),
            Map.entry("sshauth", "it changes how root authenticates to the destination"),
            Map.entry("tls_priority", "it can weaken the TLS ciphers"),
            Map.entry("no_tty", "it changes how ssh runs"));
    private static final Pattern HOST = Pattern.compile("[A-Za-z0-9]([A-Za-z0-9-]{0,62})?(\\.[A-Za-z0-9]([A-Za-z0-9-]{0,62})?)*\\.?");
    private static final Pattern IPV6 = Pattern.compile("\\[[0-9A-Fa-f:.]+\\]");
    private static final Pattern USER = Pattern.compile("[A-Za-z0-9_][A-Za-z0-9._-]{0,31}");

    private MigrationUri() {}

    /** What is accepted, for error messages and help. */
    public static String allowed(boolean testDriver) {
        return String.join(", ", SCHEMES) + (testDriver ? ", test (this xmand runs on libvirt's test driver)" : "")
                + ", as SCHEME://[USER@]HOST[:PORT][/system|/session] with no query parameters";
    }

    /**
     * Returns {@code uri} if xmand may hand it to libvirt, else a 400 naming the URI, what is wrong
     * and what is allowed. {@code testDriver}: xmand itself runs on libvirt's test driver, so
     * {@code test:///...} (in-process, no network) is accepted too, for tests.
     */
    public static String check(String uri, boolean testDriver) throws ProtocolException {
        if (uri == null || uri.isEmpty()) throw refused(uri, "no destination URI", testDriver);
        URI u;
        try {
            u = new URI(uri);
        } catch (URISyntaxException e) {
            throw refused(uri, "not a URI (" + e.getReason() + " at index " + e.getIndex() + ")", testDriver);
        }
        String scheme = u.getScheme() == null ? "" : u.getScheme();
        if (u.getRawQuery() != null) throw refused(uri, queryProblem(u.getRawQuery()), testDriver);
        if (u.getRawFragment() != null) throw refused(uri, "a #fragment is not allowed", testDriver);
        if (testDriver && scheme.equals("test")) {
            if (u.getRawAuthority() != null || u.getPath() == null || !u.getPath().startsWith("/")) {
                throw refused(uri, "a test driver URI is test:///default or test:///PATH, without a host", testDriver);
            }
            return uri;
        }
        if (!SCHEMES.contains(scheme)) {
            throw refused(uri, "transport " + Protocol.printable(scheme) + " is not allowed"
                    + (scheme.endsWith("+ext") || scheme.endsWith("+unix") ? " (it runs a local program or opens a local socket as root)" : ""), testDriver);
        }
        if (u.isOpaque() || u.getRawAuthority() == null) throw refused(uri, "no destination host", testDriver);
        String host = u.getHost();
        if (host == null || !(HOST.matcher(host).matches() || IPV6.matcher(host).matches())) {
            // Also what keeps "-oProxyCommand=..." from reaching ssh's command line as an option.
            throw refused(uri, "the host must be a DNS name or an IP address", testDriver);
        }
        String user = u.getRawUserInfo();
        if (user != null && !USER.matcher(user).matches()) {
            throw refused(uri, "the user must be a plain login name (letters, digits, . _ -; no password)", testDriver);
        }
        if (u.getPort() == 0 || u.getPort() > 65535) throw refused(uri, "port " + u.getPort() + " is out of range", testDriver);
        if (!PATHS.contains(u.getRawPath())) {
            throw refused(uri, "path " + Protocol.printable(u.getRawPath()) + " is not /system or /session", testDriver);
        }
        return uri;
    }

    private static String queryProblem(String rawQuery) {
        List<String> why = new ArrayList<>();
        for (String kv : rawQuery.split("&", -1)) {
            int eq = kv.indexOf('=');
            String name;
            try {
                // libvirt unescapes parameter names too: comm%61nd is command.
                name = URLDecoder.decode(eq < 0 ? kv : kv.substring(0, eq), StandardCharsets.UTF_8);
            } catch (IllegalArgumentException e) {
                name = kv;
            }
            String reason = DANGEROUS.get(name.trim().toLowerCase(java.util.Locale.ROOT));
            why.add(Protocol.printable(name) + (reason != null ? ": " + reason : ""));
        }
        return "query parameters are not allowed (" + String.join("; ", why) + ")";
    }

    private static ProtocolException refused(String uri, String why, boolean testDriver) {
        return new ProtocolException(400, "INVALID_ARGUMENT", "migration destination " + Protocol.printable(uri) + " is refused: "
                + why + ". Allowed: " + allowed(testDriver));
    }
}
