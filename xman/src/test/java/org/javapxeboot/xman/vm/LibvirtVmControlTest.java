package org.javapxeboot.xman.vm;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.UUID;
import org.javapxeboot.xman.vm.VmControl.DomainInfo;
import org.javapxeboot.xman.vm.VmControl.DomainState;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** Against libvirt's own test driver: a fresh node per test from a node.xml file. */
@Timeout(60)
public class LibvirtVmControlTest {

    /** A node with one running domain "n1" (the test driver starts domains listed in node.xml). */
    static final String NODE = """
            <node>
              <cpu><mhz>2000</mhz><model>test-cpu</model><active>4</active><nodes>1</nodes>
                <sockets>1</sockets><cores>2</cores><threads>2</threads></cpu>
              <memory>8388608</memory>
              <domain type='test'>
                <name>n1</name>
                <memory>1048576</memory><currentMemory>524288</currentMemory><vcpu>2</vcpu>
                <os><type>hvm</type></os>
              </domain>
            </node>
            """;

    public static String xenPv(String name) {
        return "<domain type='xen'><name>" + name + "</name><memory unit='KiB'>524288</memory><vcpu>1</vcpu>"
                + "<bootloader>/usr/bin/javapxeboot</bootloader><bootloader_args>--mac=aa:00:86:e2:35:72</bootloader_args>"
                + "<os><type arch='x86_64' machine='xenpv'>linux</type></os></domain>";
    }

    @TempDir Path dir;
    LibvirtVmControl vm;

    @BeforeEach
    void open() throws Exception {
        Path node = dir.resolve("node.xml");
        Files.writeString(node, NODE);
        vm = new LibvirtVmControl("test://" + node.toAbsolutePath());
    }

    @AfterEach
    void close() {
        vm.close();
    }

    @Test
    void aFailedConnectionNamesTheUri(@TempDir Path dir) {
        String uri = "qemu+unix:///system?socket=" + dir.resolve("no-such-sock");
        VirtException e = assertThrows(VirtException.class, () -> new LibvirtVmControl(uri).close());
        assertEquals(VirtException.Kind.UNAVAILABLE, e.kind());
        assertTrue(e.getMessage().startsWith("connect " + uri + ": "), e.getMessage());
    }

    @Test
    void listsTheNodeFileDomains() throws Exception {
        List<DomainInfo> all = vm.list();
        assertEquals(1, all.size());
        DomainInfo n1 = all.get(0);
        assertEquals("n1", n1.name());
        assertEquals(DomainState.RUNNING, n1.state());
        assertEquals(1048576, n1.maxMemoryKiB());
        assertEquals(2, n1.vcpus());
        assertTrue(n1.id() > 0);
    }

    /** list() answers through direct-mapped calls (DomainLister); it must say what libvirt-java says, field by field. */
    @Test
    void theFastListingSaysWhatLibvirtJavaSays() throws Exception {
        assertTrue(DomainLister.available(), "the direct-mapped listing binds on 64-bit Linux");
        vm.define(xenPv("off1"));
        vm.define(xenPv("paused1"));
        vm.start("paused1");
        vm.pause("paused1");
        vm.define(xenPv("auto1"));
        vm.setAutostart("auto1", true);
        vm.start("auto1");
        vm.setMemory("auto1", 262144);
        vm.connection().domainCreateXML(xenPv("transient1"), 0).free();
        List<DomainInfo> fast = withoutCpuTime(vm.list());
        List<DomainInfo> slow = withoutCpuTime(vm.listThroughLibvirtJava());
        assertEquals(slow, fast);
        // the test driver has the bulk calls (the listing does not fall back), and both direct paths agree
        List<DomainInfo> bulk = DomainLister.listInBulk(pointer());
        assertNotNull(bulk, "the bulk listing answers on the test driver");
        assertEquals(slow, withoutCpuTime(bulk));
        assertEquals(slow, withoutCpuTime(DomainLister.listOneByOne(pointer())));
        assertEquals(List.of("auto1", "n1", "off1", "paused1", "transient1"), fast.stream().map(DomainInfo::name).toList());
        DomainInfo off = fast.get(2);
        assertEquals(DomainState.SHUTOFF, off.state());
        assertEquals(-1, off.id());
        assertEquals(DomainState.PAUSED, fast.get(3).state());
        DomainInfo auto = fast.get(0);
        assertTrue(auto.autostart() && auto.persistent() && auto.id() > 0);
        assertEquals(262144, auto.memoryKiB());
        assertEquals(524288, auto.maxMemoryKiB());
        assertEquals(new DomainInfo("n1", fast.get(1).uuid(), fast.get(1).id(), DomainState.RUNNING, 524288, 1048576, 2, 0, true, false), fast.get(1));
        assertNotNull(UUID.fromString(fast.get(1).uuid()));
        assertFalse(fast.get(4).persistent());
        assertTrue(vm.list().stream().filter(d -> d.state() == DomainState.RUNNING).allMatch(d -> d.cpuTimeNanos() > 0));
        // lookup answers the same way, and a name that is not there is NO_DOMAIN with libvirt's words
        for (DomainInfo d : fast) assertEquals(d, withoutCpuTime(List.of(vm.lookup(d.name()))).get(0));
        VirtException e = assertThrows(VirtException.class, () -> vm.lookup("nosuch"));
        assertEquals(VirtException.Kind.NO_DOMAIN, e.kind());
        assertTrue(e.getMessage().contains("nosuch"), e.getMessage());
    }

    @Test
    void theBulkListingReportsNoDomainWithAStateItNeverHadNorLeavesOutOneThatStayed() throws Exception {
        vm.connection().domainCreateXML(xenPv("gone1"), 0).free();
        vm.connection().domainCreateXML(xenPv("made1"), 0).free();
        vm.define(xenPv("undef1"));
        vm.define(xenPv("auto2"));
        String made = vm.lookup("made1").uuid();
        // between the first bulk call and the others: a transient domain ends, another is made
        // persistent, a persistent one is undefined, one is set to autostart, a new one appears
        List<DomainInfo> bulk = DomainLister.listInBulk(pointer(), () -> {
            try {
                vm.destroy("gone1");
                vm.define(xenPv("made1").replace("<name>", "<uuid>" + made + "</uuid><name>"));
                vm.undefine("undef1");
                vm.setAutostart("auto2", true);
                vm.define(xenPv("new1"));
            } catch (VirtException e) {
                throw new IllegalStateException(e);
            }
        });
        assertNotNull(bulk);
        List<DomainInfo> got = withoutCpuTime(bulk);
        // the ones gone are left out; the one that appeared was not there for the whole listing
        assertEquals(List.of("auto2", "made1", "n1"), got.stream().map(DomainInfo::name).toList());
        assertTrue(got.get(0).autostart() && got.get(0).persistent());
        assertTrue(got.get(1).persistent(), "made persistent during the listing: persistent when asked");
        assertEquals(made, got.get(1).uuid());
        assertEquals(DomainState.RUNNING, got.get(1).state());
        // and what it says now is what libvirt-java says now
        assertEquals(withoutCpuTime(vm.listThroughLibvirtJava()).stream().filter(d -> !d.name().equals("new1")).toList(), got);
    }

    private com.sun.jna.Pointer pointer() {
        return ((DomainLister.Connection) vm.connection()).pointer();
    }

    /** The test driver reports the clock as a running domain's CPU time: equal listings differ there. */
    private static List<DomainInfo> withoutCpuTime(List<DomainInfo> ds) {
        return ds.stream().map(d -> new DomainInfo(d.name(), d.uuid(), d.id(), d.state(), d.memoryKiB(), d.maxMemoryKiB(), d.vcpus(), 0,
                d.persistent(), d.autostart())).sorted(java.util.Comparator.comparing(DomainInfo::name)).toList();
    }

    @Test
    void lifecycleDefineStartPauseUnpauseDestroyUndefine() throws Exception {
        DomainInfo d = vm.define(xenPv("pv1"));
        assertEquals("pv1", d.name());
        assertEquals(DomainState.SHUTOFF, d.state());
        assertTrue(d.persistent());
        assertNotNull(UUID.fromString(d.uuid()));
        assertEquals(DomainState.RUNNING, vm.start("pv1").state());
        vm.pause("pv1");
        assertEquals(DomainState.PAUSED, vm.lookup("pv1").state());
        vm.unpause("pv1");
        assertEquals(DomainState.RUNNING, vm.lookup("pv1").state());
        vm.reboot("pv1");
        vm.shutdown("pv1");
        assertEquals(DomainState.SHUTOFF, vm.lookup("pv1").state());
        vm.start("pv1");
        vm.destroy("pv1");
        assertEquals(DomainState.SHUTOFF, vm.lookup("pv1").state());
        vm.undefine("pv1");
        VirtException e = assertThrows(VirtException.class, () -> vm.lookup("pv1"));
        assertEquals(VirtException.Kind.NO_DOMAIN, e.kind());
        assertEquals("pv1", e.domain());
    }

    @Test
    void describeReturnsTheBootloader() throws Exception {
        vm.define(xenPv("pv2"));
        String xml = vm.describe("pv2");
        assertTrue(xml.contains("<bootloader>/usr/bin/javapxeboot</bootloader>"), xml);
        assertTrue(xml.contains("--mac=aa:00:86:e2:35:72"), xml);
    }

    @Test
    void memAndVcpuSet() throws Exception {
        vm.setMemory("n1", 262144);
        assertEquals(262144, vm.lookup("n1").memoryKiB());
        VirtException above = assertThrows(VirtException.class, () -> vm.setMemory("n1", 4L << 20));
        assertEquals(VirtException.Kind.INVALID_ARGUMENT, above.kind());
        assertTrue(above.getMessage().contains("n1"), above.getMessage());
        vm.setVcpus("n1", 1);
        assertEquals(1, vm.lookup("n1").vcpus());
        assertEquals(VirtException.Kind.INVALID_ARGUMENT,
                assertThrows(VirtException.class, () -> vm.setVcpus("n1", 0)).kind());
    }

    @Test
    void errorsAreMappedAndNamed() throws Exception {
        VirtException missing = assertThrows(VirtException.class, () -> vm.start("nope"));
        assertEquals(VirtException.Kind.NO_DOMAIN, missing.kind());
        assertEquals("start", missing.operation());
        assertTrue(missing.getMessage().startsWith("start nope: "), missing.getMessage());

        VirtException running = assertThrows(VirtException.class, () -> vm.start("n1"));
        assertEquals(VirtException.Kind.INVALID_STATE, running.kind(), running.getMessage());

        VirtException undefRunning = assertThrows(VirtException.class, () -> vm.unpause("n1"));
        assertEquals(VirtException.Kind.INVALID_STATE, undefRunning.kind(), undefRunning.getMessage());

        VirtException undefineRunning = assertThrows(VirtException.class, () -> vm.undefine("n1"));
        assertEquals(VirtException.Kind.INVALID_STATE, undefineRunning.kind());
        assertEquals(DomainState.RUNNING, vm.lookup("n1").state());

        VirtException bad = assertThrows(VirtException.class, () -> vm.define("<domain type='xen'><name>x</name>"));
        assertEquals(VirtException.Kind.INVALID_ARGUMENT, bad.kind());
        VirtException noName = assertThrows(VirtException.class,
                () -> vm.define("<domain type='xen'><memory>1024</memory><os><type>linux</type></os></domain>"));
        assertTrue(noName.kind() == VirtException.Kind.INVALID_ARGUMENT, noName.kind() + " " + noName.getMessage());
    }

    @Test
    void pausingAPausedDomainIsInvalidStateAndChangesNothing() throws Exception {
        vm.pause("n1");
        VirtException again = assertThrows(VirtException.class, () -> vm.pause("n1"));
        assertEquals(VirtException.Kind.INVALID_STATE, again.kind(), again.getMessage());
        assertEquals("pause n1: domain is already paused", again.getMessage());
        assertEquals(DomainState.PAUSED, vm.lookup("n1").state());
        vm.unpause("n1");
        assertEquals(DomainState.RUNNING, vm.lookup("n1").state());
    }

    @Test
    void autostartIsSetAndClearedOnADefinedDomain() throws Exception {
        vm.define(xenPv("auto1"));
        assertFalse(vm.lookup("auto1").autostart());
        vm.setAutostart("auto1", true);
        assertTrue(vm.lookup("auto1").autostart());
        vm.setAutostart("auto1", false);
        assertFalse(vm.lookup("auto1").autostart());
        assertEquals(VirtException.Kind.NO_DOMAIN,
                assertThrows(VirtException.class, () -> vm.setAutostart("ghost", true)).kind());
    }

    @Test
    void migrateIsUnsupportedOnTheTestDriver() {
        VirtException e = assertThrows(VirtException.class, () -> vm.migrate("n1", "test:///default"));
        assertEquals(VirtException.Kind.UNSUPPORTED, e.kind());
    }

    @Test
    void infoDescribesTheNode() throws Exception {
        VmControl.HostInfo h = vm.info();
        assertEquals("TEST", h.hypervisor());
        assertEquals(1, h.domainsRunning());
        assertEquals(0, h.domainsDefined());
        assertTrue(h.uri().startsWith("test://"), h.uri());
        assertTrue(h.cpus() > 0);
    }

    @Test
    void dmesgIsBoundedAndStamped() throws Exception {
        Clock fixed = Clock.fixed(Instant.parse("2026-01-02T03:04:05Z"), ZoneOffset.UTC);
        Path node = dir.resolve("node2.xml");
        Files.writeString(node, NODE);
        try (LibvirtVmControl small = new LibvirtVmControl("test://" + node.toAbsolutePath(), fixed, 3)) {
            // failed lookups cause no domain events, so the ring's content is deterministic
            for (int i = 1; i <= 5; i++) {
                int n = i;
                assertThrows(VirtException.class, () -> small.lookup("ghost" + n));
            }
            List<String> lines = small.dmesg();
            assertEquals(3, lines.size(), lines.toString());
            assertTrue(lines.get(0).startsWith("2026-01-02T03:04:05Z lookup ghost3: "), lines.get(0));
            assertTrue(lines.get(2).startsWith("2026-01-02T03:04:05Z lookup ghost5: "), lines.get(2));
        }
    }

    @Test
    void closedConnectionFailsClearly() throws Exception {
        vm.close();
        VirtException e = assertThrows(VirtException.class, () -> vm.list());
        assertEquals(VirtException.Kind.UNAVAILABLE, e.kind());
        vm.close();
    }

    @Test
    void unreachableUriIsUnavailable() {
        VirtException e = assertThrows(VirtException.class,
                () -> new LibvirtVmControl("test:///no/such/node-file.xml"));
        assertEquals(VirtException.Kind.UNAVAILABLE, e.kind());
        assertFalse(e.getMessage().isEmpty());
    }

    @Test
    void embeddedDefaultWorks() throws Exception {
        try (LibvirtVmControl def = new LibvirtVmControl(null)) {
            assertEquals(LibvirtVmControl.DEFAULT_URI, def.uri());
            assertTrue(def.list().stream().anyMatch(d -> d.name().equals("test")));
        }
    }
}
