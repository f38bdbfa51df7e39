package org.javapxeboot.boot;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.javapxeboot.dhcp.DhcpLease;

/**
 * A hand-written network for boot-flow tests: a fixed lease and a directory standing in for the
 * TFTP root. Records every path asked for, and can be told to fail a path mid-file.
 */
final class DirectoryNetwork implements Network {
    final Path root;
    final DhcpLease lease;
    final List<String> requested = new ArrayList<>();
    String failPath;
    long failAfter;
    /** Runs before each fetch with the path: tests move their clock here ("this file took 100 s"). */
    java.util.function.Consumer<String> onFetch = p -> {};
    /** The time limit each fetch was given. */
    final List<java.time.Duration> timeLimits = new ArrayList<>();

    DirectoryNetwork(Path root, DhcpLease lease) {
        this.root = root;
        this.lease = lease;
    }

    @Override public DhcpLease lease(BootRequest r) throws IOException {
        if (lease == null) throw new IOException("no DHCP offer for " + r.mac() + " within 1 s (test)");
        return lease;
    }

    @Override public void fetch(InetSocketAddress server, String path, OutputStream out, long maxBytes,
                                java.time.Duration timeLimit) throws IOException {
        requested.add(path);
        timeLimits.add(timeLimit);
        onFetch.accept(path);
        Path p = root.resolve(path).normalize();
        if (!p.startsWith(root)) throw new IOException("access violation: " + path);
        long n = 0;
        try (InputStream in = Files.newInputStream(p)) {
            byte[] buf = new byte[8192];
            for (int r; (r = in.read(buf)) > 0; ) {
                if (path.equals(failPath) && n + r > failAfter) throw new IOException("tftp://test/" + path + ": timed out at byte " + n);
                if (n + r > maxBytes) throw new IOException("tftp://test/" + path + ": larger than the cap of " + maxBytes + " bytes");
                out.write(buf, 0, r);
                n += r;
            }
        } catch (NoSuchFileException e) {
            throw new NotFound("tftp://test/" + path + ": file not found");
        }
    }
}
