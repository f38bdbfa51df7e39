package org.javapxeboot.provisioner.host;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.function.Consumer;
import org.javapxeboot.provisioner.plan.Layout;
import org.javapxeboot.provisioner.plan.OutputLock;
import org.javapxeboot.xman.vm.LibvirtVmControl;
import org.javapxeboot.xman.vm.VirtException;
import org.javapxeboot.xman.vm.VmControl;
import org.javapxeboot.xman.client.RemoteVmControl;
import org.javapxeboot.xman.client.XmanClient;

/**
 * Which host the provisioner acts on, and how it is opened: the embedded test node (libvirt's
 * {@code test:///default}, kept in {@code OUT/state/test-node.xml} between runs), any other local
 * libvirt URI, or a remote host through its xmand ({@link RemoteVmControl}).
 *
 * @param connect  the libvirt URI ({@link LibvirtVmControl#DEFAULT_URI} for the embedded node)
 * @param remote   {@code HOST[:PORT]} of an xmand, or null
 * @param nodeFile where the embedded node is kept
 */
public record HostTarget(String connect, String remote, Path nodeFile) {

    /** The target of {@code --connect}/{@code --host} for the output tree of {@code layout}. */
    public static HostTarget of(String connect, String remote, Layout layout) {
        return new HostTarget(connect, remote, layout.out().resolve("state").resolve("test-node.xml"));
    }

    /** The embedded test node: its state is a file of the output tree. */
    public boolean embedded() {
        return remote == null && EmbeddedNode.DEFAULT_URI.equals(connect);
    }

    /** A usage error in {@code --connect}/{@code --host} (one line), or null. */
    public String usageProblem() {
        if (remote == null) {
            return null;
        }
        if (!LibvirtVmControl.DEFAULT_URI.equals(connect)) {
            return "--host " + remote + " and --connect " + connect + " exclude each other: --host uses that host's"
                    + " xmand, --connect a libvirt URI";
        }
        try {
            XmanClient.Target.parse(remote);
            return null;
        } catch (IllegalArgumentException e) {
            return "--host: " + e.getMessage();
        }
    }

    /**
     * The host to act on. For a remote host, one read-only request (info) first, so that an
     * unreachable host, a refused certificate or a principal missing from its .k5login is one error
     * naming the host before anything is done, here or there. The embedded node file is created
     * when missing.
     */
    public VmControl open() throws VirtException {
        if (remote != null) {
            RemoteVmControl r = RemoteVmControl.connect(remote);
            try {
                r.info();
            } catch (VirtException e) {
                // the transport's or the daemon's own words, without "info: on HOST:" in front
                String why = e.getCause() instanceof XmanClient.Failure f ? f.getMessage() : e.getMessage();
                throw new VirtException(e.kind(), "connect", null, "xmand " + r.target() + ": " + why, e);
            }
            return r;
        }
        return embedded() ? EmbeddedNode.open(nodeFile) : new LibvirtVmControl(connect);
    }

    /**
     * The host as it is, for reading only (plan): as {@link #open()}, except that an embedded node
     * that was never saved is not created in the output tree. It is read as what it is, a host with
     * no domains: an empty test node made in a temporary folder, read by libvirt at connect and
     * removed at once.
     */
    public VmControl openToRead() throws VirtException {
        if (!embedded() || Files.exists(nodeFile)) {
            return open();
        }
        Path dir;
        try {
            dir = Files.createTempDirectory("provision-empty-node");
        } catch (IOException e) {
            throw new VirtException(VirtException.Kind.UNAVAILABLE, "connect", null,
                    "cannot make an empty embedded node: " + e.getMessage(), e);
        }
        Path file = dir.resolve("test-node.xml");
        try {
            return EmbeddedNode.open(file);
        } finally {
            try {
                Files.deleteIfExists(file);
                Files.deleteIfExists(dir);
            } catch (IOException ignored) {
                // a leftover empty node in the temporary folder harms nothing
            }
        }
    }

    /**
     * Writes the embedded node back to its file; other hosts keep their own state. Returns what the
     * node file and its autostart file hold (see {@link EmbeddedNode#save}), or an empty list.
     */
    public java.util.List<String> save(VmControl vm) throws VirtException, IOException {
        if (embedded() && vm instanceof LibvirtVmControl lv) {
            return EmbeddedNode.save(lv, nodeFile);
        }
        return java.util.List.of();
    }

    /** Saves (a failure is told to {@code warn}, not thrown) and closes the connection. */
    public void saveAndClose(VmControl vm, Consumer<String> warn) {
        try {
            save(vm);
        } catch (VirtException | IOException e) {
            warn.accept("provision: cannot save the embedded host state: " + e.getMessage());
        } finally {
            vm.close();
        }
    }

    /**
     * Opens the host and takes the output tree's lock, in the order that creates nothing when
     * either fails: the embedded node is a file of the tree, so it is locked before it is read;
     * any other host is opened first, so that an unreachable one or a refused login leaves the tree
     * alone. Closing the session saves the host (see {@link #saveAndClose}) and then unlocks.
     */
    public Session openLocked(Layout layout, Duration lockWait, String holder, Consumer<String> warn)
            throws VirtException, IOException {
        String who = holder + " (pid " + OutputLock.pid() + ")";
        OutputLock early = embedded() ? layout.lock(lockWait, who) : null;
        VmControl vm;
        try {
            vm = open();
        } catch (VirtException e) {
            if (early != null) {
                early.close();
            }
            throw e;
        }
        try {
            return new Session(vm, early != null ? early : layout.lock(lockWait, who), warn);
        } catch (IOException e) {
            vm.close();
            throw e;
        }
    }

    /** An opened host under the output tree's lock. */
    public final class Session implements AutoCloseable {
        private final VmControl vm;
        private final OutputLock lock;
        private final Consumer<String> warn;
        private boolean saved;

        private Session(VmControl vm, OutputLock lock, Consumer<String> warn) {
            this.vm = vm;
            this.lock = lock;
            this.warn = warn;
        }

        public VmControl vm() {
            return vm;
        }

        /**
         * Saves the host now, still locked (see {@link HostTarget#save}); {@link #close} then only
         * closes it (the host is not to be changed after this).
         */
        public java.util.List<String> save() throws VirtException, IOException {
            java.util.List<String> s = HostTarget.this.save(vm);
            saved = true;
            return s;
        }

        /** Saves the host (unless {@link #save} was the last use) and closes it, then releases the lock. */
        @Override
        public void close() {
            try {
                if (saved) {
                    vm.close();
                } else {
                    saveAndClose(vm, warn);
                }
            } finally {
                lock.close();
            }
        }
    }
}
