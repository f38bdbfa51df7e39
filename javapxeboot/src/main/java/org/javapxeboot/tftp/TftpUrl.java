package org.javapxeboot.tftp;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;

/**
 * The parts of {@code tftp://HOST[:PORT]/PATH} (RFC 3617, without its {@code ;mode=} parameter);
 * the path is %-decoded as curl does, and a NUL in it is refused (it would end the RRQ's filename).
 */
public final class TftpUrl {
    public final String host, path;
    public final int port;

    /** The URL again, in its shortest form (the default port left out). */
    public String url() {
        return "tftp://" + (host.indexOf(':') >= 0 ? "[" + host + "]" : host) + (port == TftpClient.DEFAULT_PORT ? "" : ":" + port) + "/" + path;
    }

    private TftpUrl(String host, int port, String path) {
        this.host = host;
        this.port = port;
        this.path = path;
    }

    /** Parses {@code url}; the message of the exception names the URL and what is wrong with it. */
    public static TftpUrl parse(String url) {
        if (!url.regionMatches(true, 0, "tftp://", 0, 7)) {
            throw new IllegalArgumentException(url + ": not a tftp:// URL");
        }
        String rest = url.substring(7);
        int slash = rest.indexOf('/');
        if (slash < 0 || slash == rest.length() - 1) throw new IllegalArgumentException(url + ": no file path after the host");
        String authority = rest.substring(0, slash), host = authority;
        int port = TftpClient.DEFAULT_PORT;
        if (authority.startsWith("[")) {
            int close = authority.indexOf(']');
            if (close < 0) throw new IllegalArgumentException(url + ": unclosed [ in the IPv6 address");
            host = authority.substring(1, close);
            String after = authority.substring(close + 1);
            if (after.startsWith(":")) port = port(url, after.substring(1));
            else if (!after.isEmpty()) throw new IllegalArgumentException(url + ": junk after the IPv6 address");
        } else {
            int colon = authority.lastIndexOf(':');
            if (colon >= 0) {
                host = authority.substring(0, colon);
                port = port(url, authority.substring(colon + 1));
            }
        }
        if (host.isEmpty()) throw new IllegalArgumentException(url + ": no host");
        return new TftpUrl(host, port, percentDecode(url, rest.substring(slash + 1)));
    }

    private static int port(String url, String p) {
        try {
            int n = Integer.parseInt(p);
            if (n < 1 || n > 65535) throw new NumberFormatException();
            return n;
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(url + ": port '" + p + "' is not 1..65535");
        }
    }

    private static String percentDecode(String url, String s) {
        if (s.indexOf('%') < 0) return s;
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == '%') {
                if (i + 2 >= s.length()) {
                    throw new IllegalArgumentException(url + ": truncated %-escape at position " + (i + 7));
                }
                int hi = Character.digit(s.charAt(i + 1), 16), lo = Character.digit(s.charAt(i + 2), 16);
                if (hi < 0 || lo < 0) throw new IllegalArgumentException(url + ": bad %-escape at position " + (i + 7));
                b.write(hi * 16 + lo);
                i += 2;
            } else {
                byte[] u = String.valueOf(c).getBytes(StandardCharsets.UTF_8);
                b.write(u, 0, u.length);
            }
        }
        String r = b.toString(StandardCharsets.ISO_8859_1);
        if (r.indexOf('\0') >= 0) throw new IllegalArgumentException(url + ": the path contains a NUL byte (%00)");
        return r;
    }
}
