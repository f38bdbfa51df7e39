package org.javapxeboot.boot;

import java.util.List;

/**
 * How a boot uses HTTP. Kernels, initrds, INCLUDEs and CONFIGs named by {@code http://} URLs (lpxelinux
 * style, or a DHCP option 210 path prefix that is a URL) are always fetched over HTTP; these settings
 * say from where, and whether relative kernel and initrd names go over HTTP too.
 *
 * @param fetchFilesOverHttp --fetch=http: the kernel and initrds named by relative paths are fetched from
 *                           {@code http://TFTP-SERVER[:httpPort]/PATH} (configs still come over TFTP)
 * @param httpPort           the port for --fetch=http (80)
 * @param hosts              --http-hosts: host names or addresses allowed besides the TFTP server
 * @param anyHost            --http-hosts=any: every address except loopback, link-local, wildcard and multicast
 */
public record HttpOptions(boolean fetchFilesOverHttp, int httpPort, List<String> hosts, boolean anyHost) {
    /** The narrowest: HTTP only where a URL names it, and only from the TFTP server that served the config. */
    public static final HttpOptions DEFAULT = new HttpOptions(false, 80, List.of(), false);

    public HttpOptions {
        hosts = List.copyOf(hosts);
        if (httpPort < 1 || httpPort > 65535) throw new IllegalArgumentException("http port " + httpPort + " is outside 1..65535");
    }
}
