package org.javapxeboot.boot;

import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
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
                .withTotalTimeout(r.dhcpTimeout())
                .withUuid(r.uuid())
                .withLog(log::debug);
        return new DhcpClient(s).obtain();
    }

    @Override
    public void fetch(InetSocketAddress server, String path, OutputStream out, long maxBytes) throws IOException {
        try {
            tftp.fetch(server, path, out, maxBytes);
        } catch (TftpException e) {
            if (e.isFileNotFound()) throw new NotFound(e.getMessage());
            throw e;
        }
    }
}
