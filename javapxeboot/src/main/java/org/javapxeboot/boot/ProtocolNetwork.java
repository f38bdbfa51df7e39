package org.javapxeboot.boot;

import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.time.Duration;
import org.javapxeboot.dhcp.DhcpClient;
import org.javapxeboot.dhcp.DhcpLease;
import org.javapxeboot.http.HostPolicy;
import org.javapxeboot.http.HttpException;
import org.javapxeboot.http.HttpFetcher;
import org.javapxeboot.tftp.TftpClient;
import org.javapxeboot.tftp.TftpException;

/** The real network: DHCP for the guest's MAC, TFTP for the files, HTTP for those named by {@code http://} URLs. */
public final class ProtocolNetwork implements Network {
    private final Log log;
    private final TftpClient tftp;
    private final HttpOptions http;

    public ProtocolNetwork(BootRequest r, Log log) {
        this.log = log;
        this.http = r.http();
        TftpClient.Settings s = TftpClient.Settings.defaults().withLog(log::debug);
        if (r.blksize() > 0) s = s.withBlksize(r.blksize());
        if (r.windowsize() > 0) s = s.withWindowsize(r.windowsize());
        if (r.spinMicros() >= 0) s = s.withSpinMicros(r.spinMicros());
        this.tftp = new TftpClient(s);
    }

    @Override
    public DhcpLease lease(BootRequest r) throws IOException {
        DhcpClient.Settings s = DhcpClient.Settings.defaults(r.mac())
                .withBind(new InetSocketAddress(r.dhcpClientPort()))
                .withTarget(r.dhcpTarget())
                .withInterface(r.interfaceName())
                // --boot-timeout covers DHCP too: a shorter one cuts DHCP's --timeout.
                .withTotalTimeout(r.bootTimeout().compareTo(r.dhcpTimeout()) < 0 ? r.bootTimeout() : r.dhcpTimeout())
                .withUuid(r.uuid())
                .withLog(log::debug);
        return new DhcpClient(s).obtain();
    }

    @Override
    public void fetch(InetSocketAddress server, String path, OutputStream out, long maxBytes, Duration timeLimit)
            throws IOException {
        if (path.contains("://")) {
            fetchHttp(server, path, out, maxBytes, timeLimit);
            return;
        }
        // A server that stalls sends nothing for the boot's budget to count: the transfer's own total
        // timeout must end at the boot's deadline.
        TftpClient client = tftp;
        if (timeLimit.compareTo(tftp.settings().totalTimeout()) < 0) {
            client = new TftpClient(tftp.settings().withTotalTimeout(timeLimit.isZero() ? Duration.ofNanos(1) : timeLimit));
        }
        try {
            client.fetch(server, path, out, maxBytes);
        } catch (TftpException e) {
            if (e.isFileNotFound()) throw new NotFound(e.getMessage());
            throw e;
        }
    }

    private void fetchHttp(InetSocketAddress server, String url, OutputStream out, long maxBytes, Duration timeLimit)
            throws IOException {
        HttpFetcher f = new HttpFetcher(HttpFetcher.Settings.defaults()
                .withTotalTimeout(timeLimit.isZero() ? Duration.ofNanos(1) : timeLimit)
                .withHosts(hosts(server))
                .withLog(log::debug));
        try {
            f.fetch(url, out, maxBytes, null);
        } catch (HttpException e) {
            if (e.isFileNotFound()) throw new NotFound(e.getMessage());
            throw e;
        }
    }

    /**
     * The TFTP server that served the config, the --http-hosts names (resolved now, so the address
     * checked is the one connected to), and with --http-hosts=any every address that is not this host's
     * own or link-local.
     */
    private HostPolicy hosts(InetSocketAddress server) {
        java.util.List<java.net.InetAddress> allowed = new java.util.ArrayList<>();
        allowed.add(server.getAddress());
        for (String h : http.hosts()) {
            try {
                allowed.addAll(java.util.Arrays.asList(java.net.InetAddress.getAllByName(h)));
            } catch (java.net.UnknownHostException e) {
                log.warn("--http-hosts: unknown host " + h + ", ignored");
            }
        }
        HostPolicy only = HostPolicy.only(allowed);
        if (!http.anyHost()) return only;
        return a -> only.refusal(a) == null ? null : HostPolicy.NOT_LOCAL.refusal(a);
    }
}
