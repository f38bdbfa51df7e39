package org.javapxeboot.xman.client;

import org.javapxeboot.xman.daemon.XmandFixture;
import org.javapxeboot.xman.auth.MitKdc;

import org.javapxeboot.xman.vm.VirtException;
import org.javapxeboot.xman.vm.VmControl;
import org.javapxeboot.xman.vm.VmControl.DomainState;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/** The remote VmControl gives the same answers as the local one it drives. */
@Timeout(120)
class RemoteVmControlTest {
    @TempDir Path dir;
    XmandFixture x;
    VmControl remote;

    @BeforeEach
    void start() throws Exception {
        assumeTrue(MitKdc.available(), "MIT krb5-kdc and krb5-user are not installed");
        x = new XmandFixture(dir);
        remote = RemoteVmControl.connect("localhost:" + x.server.address().getPort(), x.kdc.keytab("admin"),
                x.kdc.principal("admin"), List.of(x.cert));
    }

    @AfterEach
    void stop() {
        if (x != null) x.close();
    }

    /** The test driver's CPU time follows the wall clock. */
    static VmControl.DomainInfo withoutCpuTime(VmControl.DomainInfo d) {
        return new VmControl.DomainInfo(d.name(), d.uuid(), d.id(), d.state(), d.memoryKiB(), d.maxMemoryKiB(), d.vcpus(), 0,
                d.persistent(), d.autostart());
    }

    @Test
    void lifecycleThroughXmand() throws Exception {
        assertEquals(x.vm.list().size(), remote.list().size());
        assertEquals(withoutCpuTime(x.vm.lookup("vm1")), withoutCpuTime(remote.lookup("vm1")));
        String xml = "<domain type='test'><name>guest</name><memory>262144</memory><vcpu>1</vcpu><os><type>hvm</type></os></domain>";
        VmControl.DomainInfo d = remote.define(xml);
        assertEquals("guest", d.name());
        assertEquals(DomainState.SHUTOFF, x.vm.lookup("guest").state());
        assertEquals(DomainState.RUNNING, remote.start("guest").state());
        remote.setAutostart("guest", true);
        assertTrue(x.vm.lookup("guest").autostart());
        assertTrue(remote.lookup("guest").autostart());
        remote.setAutostart("guest", false);
        assertEquals(false, x.vm.lookup("guest").autostart());
        remote.pause("guest");
        assertEquals(DomainState.PAUSED, x.vm.lookup("guest").state());
        assertEquals(VirtException.Kind.INVALID_STATE, assertThrows(VirtException.class, () -> remote.pause("guest")).kind());
        remote.unpause("guest");
        remote.setMemory("guest", 131072);
        assertEquals(131072, x.vm.lookup("guest").memoryKiB());
        remote.setVcpus("vm1", 1);
        assertTrue(remote.describe("guest").contains("<name>guest</name>"));
        remote.reboot("guest");
        remote.shutdown("guest");
        remote.undefine("guest");
        assertEquals(VirtException.Kind.NO_DOMAIN, assertThrows(VirtException.class, () -> x.vm.lookup("guest")).kind());
        remote.destroy("vm2");
        assertEquals(x.vm.info(), remote.info());
        List<String> local = x.vm.dmesg();
        List<String> far = remote.dmesg();
        assertEquals(local, far.subList(0, local.size()));
        assertEquals(List.of("hypervisor.log: (no such file)"), far.subList(local.size(), far.size()));
    }

    @Test
    void errorsKeepTheirKind() throws Exception {
        VirtException e = assertThrows(VirtException.class, () -> remote.pause("nope"));
        assertEquals(VirtException.Kind.NO_DOMAIN, e.kind());
        assertEquals("nope", e.domain());
        assertEquals(VirtException.Kind.INVALID_ARGUMENT, assertThrows(VirtException.class, () -> remote.setMemory("vm1", 99_999_999)).kind());
        assertEquals(VirtException.Kind.UNSUPPORTED, assertThrows(VirtException.class, () -> remote.migrate("vm1", "test:///default")).kind());
        assertEquals(VirtException.Kind.INVALID_STATE, assertThrows(VirtException.class, () -> remote.unpause("vm1")).kind());
        VmControl other = RemoteVmControl.connect("localhost:" + x.server.address().getPort(), x.kdc.keytab("other"),
                x.kdc.principal("other"), List.of(x.cert));
        assertEquals(VirtException.Kind.DENIED, assertThrows(VirtException.class, other::info).kind());
        VmControl down = RemoteVmControl.connect("localhost:1", x.kdc.keytab("admin"), x.kdc.principal("admin"), List.of(x.cert));
        assertEquals(VirtException.Kind.UNAVAILABLE, assertThrows(VirtException.class, down::list).kind());
    }
}
