package org.javapxeboot.boot;

import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.time.Duration;
import org.javapxeboot.dhcp.DhcpLease;

/**
 * The boot flow's only window on the network, so that tests can run it against a directory and
 * a fixed lease, and the real thing uses DHCP and TFTP.
 */
public interface Network {

    /** Obtains a lease for the request's MAC. */
    DhcpLease lease(BootRequest request) throws IOException;

    /**
     * Fetches {@code path} from {@code server} into {@code out}, at most {@code maxBytes}, giving up
     * after {@code timeLimit} (what is left of the boot's deadline).
     *
     * @throws NotFound when the server says the file does not exist
     *         (the config search moves on); any other IOException is a failure to report.
     */
    void fetch(InetSocketAddress server, String path, OutputStream out, long maxBytes, Duration timeLimit) throws IOException;

    /** The server answered "file not found" (TFTP error 1). */
    final class NotFound extends IOException {
        public NotFound(String message) { super(message); }
    }
}
