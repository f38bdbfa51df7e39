package org.javapxeboot.provisioner.host;

import org.javapxeboot.xman.vm.LibvirtVmControl;
import org.javapxeboot.xman.vm.VirtException;
import org.javapxeboot.xman.vm.VmControl;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.javapxeboot.provisioner.plan.AtomicFiles;

/**
 * The embedded default ({@code test:///default}) made persistent for command-line use.
 *
 * <p>libvirt's test driver keeps {@code test:///default} in the memory of one process, so two
 * runs of {@code provision apply} would each start from an empty host and the second could never
 * be a no-op. Instead the CLI opens {@code test:///PATH/test-node.xml} (a "custom node" file the
 * test driver reads at connect) and writes the node back when it is done: every domain's XML with
 * its run state ({@code <test:runstate>}, the driver's namespace extension). Autostart flags, which
 * the node format cannot carry, go to {@code PATH.autostart}, one name per line.
 */
public final class EmbeddedNode {
    public static final String DEFAULT_URI = LibvirtVmControl.DEFAULT_URI;
    private static final String TEST_NS = "http://libvirt.org/schemas/domain/test/1.0";

    private EmbeddedNode() {
    }

    public static LibvirtVmControl open(Path nodeFile) throws VirtException {
        Path abs = nodeFile.toAbsolutePath().normalize();
        try {
            if (!Files.exists(abs)) {
                Files.createDirectories(abs.getParent());
                AtomicFiles.write(abs, "<node xmlns:test='" + TEST_NS + "'>\n</node>\n");
            }
        } catch (IOException e) {
            throw new VirtException(VirtException.Kind.UNAVAILABLE, "connect", null,
                    "cannot create the embedded node file " + abs + ": " + e.getMessage(), e);
        }
        LibvirtVmControl vm = new LibvirtVmControl("test://" + abs);
        Path auto = autostartFile(abs);
        if (Files.exists(auto)) {
            try {
                for (String name : Files.readAllLines(auto, StandardCharsets.UTF_8)) {
                    if (!name.isBlank()) {
                        try {
                            vm.setAutostart(name.strip(), true);
                        } catch (VirtException e) {
                            if (e.kind() != VirtException.Kind.NO_DOMAIN) {
                                throw e;
                            }
                        }
                    }
                }
            } catch (IOException e) {
                vm.close();
                throw new VirtException(VirtException.Kind.FAILED, "connect", null, "cannot read " + auto + ": " + e.getMessage(), e);
            }
        }
        return vm;
    }

    /**
     * Writes every domain of {@code vm} back to {@code nodeFile} (atomically), with its state; returns
     * what the node file and its autostart file hold now, in that order.
     */
    public static List<String> save(LibvirtVmControl vm, Path nodeFile) throws VirtException, IOException {
        Path abs = nodeFile.toAbsolutePath().normalize();
        StringBuilder b = new StringBuilder("<node xmlns:test='" + TEST_NS + "'>\n");
        List<String> autostart = new ArrayList<>();
        for (VmControl.DomainInfo d : vm.list()) {
            if (!d.persistent()) {
                continue;
            }
            // the persistent definition: what the domain boots next (a running installer whose
            // domain was redefined to boot its disk must not come back as the installer)
            String xml = vm.describeInactive(d.name());
            int end = xml.lastIndexOf("</domain>");
            if (end < 0) {
                throw new VirtException(VirtException.Kind.FAILED, "save", d.name(), "libvirt returned no domain XML");
            }
            int state = d.state().ordinal(); // VmControl.DomainState follows virDomainState's order
            b.append(xml, 0, end).append("  <test:runstate>").append(state).append("</test:runstate>\n")
                    .append(xml.substring(end)).append('\n');
            if (d.autostart()) {
                autostart.add(d.name());
            }
        }
        b.append("</node>\n");
        String auto = autostart.isEmpty() ? "" : String.join("\n", autostart) + "\n";
        writeIfChanged(abs, b.toString());
        writeIfChanged(autostartFile(abs), auto);
        return List.of(b.toString(), auto);
    }

    /** An unchanged node (a no-op apply, a plan) is not written again: no fsync, no new inode. */
    private static void writeIfChanged(Path p, String content) throws IOException {
        if (!content.equals(AtomicFiles.read(p).orElse(null))) {
            AtomicFiles.write(p, content);
        }
    }

    /** {@code OUT/state/test-node.xml.autostart}: the autostart flags the node format cannot carry. */
    public static Path autostartFile(Path node) {
        return node.resolveSibling(node.getFileName() + ".autostart");
    }
}
