package org.javapxeboot.boot;

import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.time.Duration;
import org.javapxeboot.dhcp.DhcpClient;
import org.javapxeboot.dhcp.DhcpLease;
import org.javapxeboot.tftp.TftpClient;
import org.javapxeboot.tftp.TftpException;

/** The real network: DHCP for the guest's MAC and TFTP for the files. */
public final class ProtocolNetwork implements Network {
    private final Log log;
    private final TftpClient tftp;

    public ProtocolNetwork(BootRequest r, Log log) {
        this.log = log;
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
}
