package org.javapxeboot.http;

import java.util.Locale;

/**
 * An {@code http://host[:port]/path} URL as lpxelinux takes it from a config or a DHCP option: parsed
 * by hand (no java.net.URI: its parser costs start-up time and accepts far more than a boot needs).
 * Refused, with a sentence naming the URL: another scheme ({@code https://} needs a trust store the
 * bootloader does not have), user info ({@code http://user:pw@host/}: credentials in a config are
 * readable by every guest), a missing host, a port outside 1..65535, and control characters, spaces
 * or non-ASCII characters anywhere (they would forge request lines). A fragment is dropped, as a
 * browser does; the path and query are sent as written.
 *
 * @param host   the host name or IPv4 address, or an IPv6 address without brackets
 * @param port   the TCP port (80 when not written)
 * @param target the request target: the path and query, always starting with {@code /}
 */
public record HttpUrl(String host, int port, String target) {

    /** Parses {@code url}; throws IllegalArgumentException with a message naming it. */
    public static HttpUrl parse(String url) {
        if (url == null) throw new IllegalArgumentException("no URL");
        for (int i = 0; i < url.length(); i++) {
            char c = url.charAt(i);
            if (c <= 0x20 || c >= 0x7f) {
                throw new IllegalArgumentException("URL '" + url + "' refused: it contains a space, a control or a non-ASCII character");
            }
        }
        String lower = url.toLowerCase(Locale.ROOT);
        if (lower.startsWith("https://")) {
            throw new IllegalArgumentException("URL '" + url + "' refused: https is not supported (the bootloader has no "
                    + "certificate store to trust); serve the files over http:// on the provisioning network");
        }
        if (!lower.startsWith("http://")) {
            int colon = url.indexOf("://");
            throw new IllegalArgumentException("URL '" + url + "' refused: "
                    + (colon > 0 ? "scheme '" + url.substring(0, colon) + "' is not supported" : "it is not an http:// URL"));
        }
        String rest = url.substring(7);
        int hash = rest.indexOf('#');
        if (hash >= 0) rest = rest.substring(0, hash);
        int slash = indexOfAny(rest, "/?");
        String authority = slash < 0 ? rest : rest.substring(0, slash);
        String target = slash < 0 ? "/" : rest.substring(slash);
        if (target.startsWith("?")) target = "/" + target;
        if (authority.indexOf('@') >= 0) {
            throw new IllegalArgumentException("URL '" + url + "' refused: it carries user information (user@host), "
                    + "which every guest could read in the config");
        }
        String host;
        String portText = null;
        if (authority.startsWith("[")) {
            int close = authority.indexOf(']');
            if (close < 0) throw new IllegalArgumentException("URL '" + url + "' refused: unclosed '[' in the host");
            host = authority.substring(1, close);
            String after = authority.substring(close + 1);
            if (!after.isEmpty()) {
                if (!after.startsWith(":")) throw new IllegalArgumentException("URL '" + url + "' refused: garbage after the host");
                portText = after.substring(1);
            }
        } else {
            int colon = authority.indexOf(':');
            host = colon < 0 ? authority : authority.substring(0, colon);
            if (colon >= 0) portText = authority.substring(colon + 1);
        }
        if (host.isEmpty()) throw new IllegalArgumentException("URL '" + url + "' refused: it names no host");
        int port = 80;
        if (portText != null) {
            try {
                port = Integer.parseInt(portText);
            } catch (NumberFormatException e) {
                port = -1;
            }
            if (port < 1 || port > 65535) {
                throw new IllegalArgumentException("URL '" + url + "' refused: port '" + portText + "' is not 1..65535");
            }
        }
        return new HttpUrl(host, port, target);
    }

    /** True for a string this class would try to parse as HTTP (http:// or https://, any case). */
    public static boolean isHttp(String s) {
        String l = s.toLowerCase(Locale.ROOT);
        return l.startsWith("http://") || l.startsWith("https://");
    }

    /**
     * Resolves a redirect's {@code Location} against this URL: an absolute http URL, or an absolute
     * path on the same server. Anything else (https, a relative path) throws.
     */
    public HttpUrl redirect(String location) {
        if (location.startsWith("/") && !location.startsWith("//")) return parse("http://" + authority() + location);
        return parse(location);
    }

    /** host[:port] as the Host header and the URL write it (IPv6 in brackets, port 80 left out). */
    public String authority() {
        String h = host.indexOf(':') >= 0 ? "[" + host + "]" : host;
        return port == 80 ? h : h + ":" + port;
    }

    @Override public String toString() { return "http://" + authority() + target; }

    private static int indexOfAny(String s, String chars) {
        for (int i = 0; i < s.length(); i++) if (chars.indexOf(s.charAt(i)) >= 0) return i;
        return -1;
    }
}
