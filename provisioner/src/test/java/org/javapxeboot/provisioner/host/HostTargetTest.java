package org.javapxeboot.provisioner.host;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.javapxeboot.provisioner.plan.Layout;
import org.javapxeboot.provisioner.plan.OutputLock;
import org.javapxeboot.xman.vm.LibvirtVmControl;
import org.javapxeboot.xman.vm.VmControl;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Choosing and opening the host: the embedded node, a libvirt URI, or a remote xmand. */
class HostTargetTest {
    static final String XML = "<domain type='test'><name>e1</name><memory>65536</memory>"
            + "<os><type>hvm</type></os></domain>";

    @TempDir Path dir;

    HostTarget embedded(Layout layout) {
        return HostTarget.of(LibvirtVmControl.DEFAULT_URI, null, layout);
    }

    @Test
    void aFreshEmbeddedHostIsReadAsEmptyWithoutCreatingAnything() throws Exception {
        Layout layout = Layout.of(dir.resolve("out"), null);
        HostTarget t = embedded(layout);
        assertTrue(t.embedded());
        try (VmControl vm = t.openToRead()) {
            assertEquals(List.of(), vm.list());
        }
        assertFalse(Files.exists(dir.resolve("out")), "reading the host creates no output tree");
    }

    @Test
    void theEmbeddedNodeIsKeptBetweenOpenings() throws Exception {
        Layout layout = Layout.of(dir.resolve("out"), null);
        HostTarget t = embedded(layout);
        List<String> warnings = new ArrayList<>();
        try (HostTarget.Session s = t.openLocked(layout, Duration.ZERO, "test", warnings::add)) {
            assertEquals("test (pid " + ProcessHandle.current().pid() + ")", OutputLock.holder(layout.out()));
            s.vm().define(XML);
            s.vm().setAutostart("e1", true);
        }
        assertNull(OutputLock.holder(layout.out()), "closing the session unlocks");
        assertEquals(List.of(), warnings);
        assertTrue(Files.exists(t.nodeFile()));
        try (VmControl vm = t.openToRead()) {
            assertEquals(List.of("e1"), vm.list().stream().map(VmControl.DomainInfo::name).toList());
            assertTrue(vm.lookup("e1").autostart());
        }
    }

    @Test
    void anotherUriIsNotEmbeddedAndIsNeverSavedToTheTree() throws Exception {
        Path node = dir.resolve("node.xml");
        Files.writeString(node, "<node/>\n");
        Layout layout = Layout.of(dir.resolve("out"), null);
        HostTarget t = HostTarget.of("test://" + node, null, layout);
        assertFalse(t.embedded());
        try (VmControl vm = t.openToRead()) {
            vm.define(XML);
            t.save(vm);
        }
        assertFalse(Files.exists(t.nodeFile()));
    }

    @Test
    void hostAndConnectExcludeEachOther() {
        Layout layout = Layout.of(dir.resolve("out"), null);
        assertNull(HostTarget.of(LibvirtVmControl.DEFAULT_URI, null, layout).usageProblem());
        assertNull(HostTarget.of(LibvirtVmControl.DEFAULT_URI, "h1.example:8740", layout).usageProblem());
        assertEquals("--host h1 and --connect qemu:///system exclude each other: --host uses that host's xmand,"
                + " --connect a libvirt URI", HostTarget.of("qemu:///system", "h1", layout).usageProblem());
        assertTrue(HostTarget.of(LibvirtVmControl.DEFAULT_URI, "a b:xx", layout).usageProblem().startsWith("--host: "));
        assertFalse(HostTarget.of(LibvirtVmControl.DEFAULT_URI, "h1", layout).embedded());
    }

    @Test
    void aLockHeldElsewhereOpensNothing() throws Exception {
        Layout layout = Layout.of(dir.resolve("out"), null);
        HostTarget t = embedded(layout);
        Files.createDirectories(layout.out());
        java.util.concurrent.CountDownLatch held = new java.util.concurrent.CountDownLatch(1);
        java.util.concurrent.CountDownLatch release = new java.util.concurrent.CountDownLatch(1);
        Thread other = new Thread(() -> {
            try (OutputLock lock = layout.lock(Duration.ZERO, "another apply")) {
                held.countDown();
                release.await();
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        });
        other.start();
        held.await();
        try {
            java.io.IOException e = assertThrows(java.io.IOException.class,
                    () -> t.openLocked(layout, Duration.ZERO, "test", w -> { }));
            assertTrue(e.getMessage().contains("another apply"), e.getMessage());
        } finally {
            release.countDown();
            other.join();
        }
        assertFalse(Files.exists(t.nodeFile()), "the embedded node is not created when the tree is locked");
    }
}
