package org.javapxeboot.provisioner.host;

import org.javapxeboot.xman.vm.LibvirtVmControlTest;
import org.javapxeboot.xman.vm.LibvirtVmControl;
import org.javapxeboot.xman.vm.VmControl;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.stream.Collectors;
import org.javapxeboot.xman.vm.VmControl.DomainState;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** The embedded host survives the process: state and autostart written back and read again. */
@Timeout(60)
class EmbeddedNodeTest {
    @TempDir Path dir;

    @Test
    void statesAndAutostartSurviveAReopen() throws Exception {
        Path node = dir.resolve("state/test-node.xml");
        try (LibvirtVmControl vm = EmbeddedNode.open(node)) {
            assertTrue(Files.exists(node), "created empty on first use");
            assertTrue(vm.list().isEmpty());
            for (String n : new String[] {"run", "off", "paused"}) {
                vm.define(LibvirtVmControlTest.xenPv(n));
            }
            vm.start("run");
            vm.start("paused");
            vm.pause("paused");
            vm.setAutostart("run", true);
            EmbeddedNode.save(vm, node);
        }
        try (LibvirtVmControl vm = EmbeddedNode.open(node)) {
            Map<String, DomainState> states = vm.list().stream()
                    .collect(Collectors.toMap(VmControl.DomainInfo::name, VmControl.DomainInfo::state));
            assertEquals(Map.of("run", DomainState.RUNNING, "off", DomainState.SHUTOFF, "paused", DomainState.PAUSED), states);
            assertTrue(vm.lookup("run").autostart());
            assertFalse(vm.lookup("off").autostart());
            assertTrue(vm.lookup("off").persistent());
            assertTrue(vm.describe("run").contains("--mac=aa:00:86:e2:35:72"));
        }
    }
}
