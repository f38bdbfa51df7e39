package org.javapxeboot.xman.wire;

import org.javapxeboot.xman.client.Arguments;
import org.javapxeboot.xman.client.Rxm;
import org.javapxeboot.xman.client.XmanClient;
import org.javapxeboot.xman.auth.K5Login;

import org.javapxeboot.xman.vm.VmControl;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.assertThrows;

class ProtocolTest {
    @Test
    void aListOfDomainsIsWrittenAsTheProtocolSaysAndReadBack() throws Exception {
        List<VmControl.DomainInfo> ds = new java.util.ArrayList<>();
        for (VmControl.DomainState st : VmControl.DomainState.values()) {
            ds.add(new VmControl.DomainInfo("vm-" + st, "6f1a1b2c-0000-4000-8000-00000000000" + st.ordinal(), st.ordinal() - 1, st,
                    262144L * st.ordinal(), Long.MAX_VALUE, st.ordinal(), Long.MIN_VALUE, st.ordinal() % 2 == 0, st.ordinal() % 3 == 0));
        }
        // names and UUIDs from a server are hostile: quotes, controls, markup, non-ASCII, a line separator, none at all
        ds.add(new VmControl.DomainInfo("a\"b\\c\n</script>&\u00e9\u2028\ud83d\ude00\u0001", null, -1, VmControl.DomainState.RUNNING, 0, 0, 0, 0, true, true));
        ds.add(new VmControl.DomainInfo(null, "", 0, VmControl.DomainState.NOSTATE, -5, 0, 65535, 0, false, false));
        // the protocol's text (docs/xman-protocol.md), byte for byte, for the two hostile ones
        assertEquals("[{\"name\":\"a\\\"b\\\\c\\n\\u003c/script\\u003e\\u0026\u00e9\\u2028\ud83d\ude00\\u0001\","
                + "\"uuid\":null,\"id\":-1,\"state\":\"running\",\"memoryKiB\":0,\"maxMemoryKiB\":0,\"vcpus\":0,"
                + "\"cpuTimeNanos\":0,\"persistent\":true,\"autostart\":true},"
                + "{\"name\":null,\"uuid\":\"\",\"id\":0,\"state\":\"nostate\",\"memoryKiB\":-5,\"maxMemoryKiB\":0,"
                + "\"vcpus\":65535,\"cpuTimeNanos\":0,\"persistent\":false,\"autostart\":false}]",
                Json.write(Protocol.domainsJson(ds.subList(ds.size() - 2, ds.size()))));
        // every state's name as the reader expects it
        for (VmControl.DomainInfo d : ds.subList(0, VmControl.DomainState.values().length)) {
            assertTrue(Json.write(Protocol.domainJson(d)).contains("\"state\":\"" + d.state().name().toLowerCase() + "\""), d.toString());
        }
        // and what a client reads back is what was listed
        List<VmControl.DomainInfo> plain = ds.subList(0, VmControl.DomainState.values().length);
        assertEquals(plain, Protocol.domainsFrom(Json.parseObject(Json.write(java.util.Map.of("result", Protocol.domainsJson(plain)))).get("result")));
    }

    @Test
    void domainNames() throws Exception {
        for (String ok : List.of("vm1", "skirit80-1.ics.muni.cz", "a_b+c", "9")) assertEquals(ok, Protocol.checkDomainName(ok));
        for (String bad : List.of("", "-x", ".hidden", "a b", "a;b", "a`b`", "$(x)", "<a>", "a&b", "a'b", "a/b", "x".repeat(65), "é")) {
            assertEquals(400, assertThrows(Protocol.ProtocolException.class, () -> Protocol.checkDomainName(bad)).status, bad);
        }
        assertEquals("domain name 'a\\x0ab' is not allowed: use 1-64 of A-Z a-z 0-9 . _ + - starting with a letter or digit",
                assertThrows(Protocol.ProtocolException.class, () -> Protocol.checkDomainName("a\nb")).getMessage());
    }

    @Test
    void everySeedOperationExists() {
        for (String op : List.of("help", "list", "create", "destroy", "reboot", "shutdown", "pause", "unpause", "mem-set", "vcpu-set",
                "describe", "migrate", "dmesg", "info")) {
            assertEquals(op, Op.of(op).wire);
        }
    }

    @Test
    void autostartIsAMutatingDomainOperation() {
        Op op = Op.of("autostart");
        assertEquals(Op.AUTOSTART, op);
        assertTrue(op.needsDomain);
        assertTrue(op.mutates, "refused on GET");
    }

    @Test
    void xmlNameIsReadWithoutEntities() throws Exception {
        assertEquals("g1", DomainXml.nameOf("<domain type='kvm'><name>g1</name><devices><name>no</name></devices></domain>"));
        assertEquals(" g1 ", DomainXml.nameOf("<domain><name> g1 </name></domain>"));
        assertEquals(400, assertThrows(Protocol.ProtocolException.class,
                () -> DomainXml.nameOf("<!DOCTYPE domain [<!ENTITY a 'b'>]><domain><name>&a;</name></domain>")).status);
        assertEquals("the XML's root element is <node>, not <domain>",
                assertThrows(Protocol.ProtocolException.class, () -> DomainXml.nameOf("<node/>")).getMessage());
    }

    @Test
    void k5loginSkipsBlanksAndComments() {
        assertEquals(Set.of("a@R", "b/admin@R"), K5Login.parse(List.of("# admins", "", "  a@R ", "b/admin@R")));
    }

    @Test
    void targetsAndSizes() throws Exception {
        assertEquals(new XmanClient.Target("h1", 8740), XmanClient.Target.parse("h1"));
        assertEquals(new XmanClient.Target("h1", 9000), XmanClient.Target.parse("h1:9000"));
        assertEquals(new XmanClient.Target("::1", 9000), XmanClient.Target.parse("[::1]:9000"));
        assertEquals("[::1]:9000", XmanClient.Target.parse("[::1]:9000").toString());
        assertThrows(IllegalArgumentException.class, () -> XmanClient.Target.parse("h1:x"));
        assertEquals("xen+ssh://h2/system", Rxm.remoteUri("xen:///system", "h2"));
        assertEquals("qemu+ssh://[::1]/system", Rxm.remoteUri("qemu:///system", "::1"));
        assertEquals("qemu+tls://h3/system", Rxm.remoteUri("qemu+tls://h3/system", "h2"));
        // The test driver lives inside the daemon: no remote form.
        assertEquals("test:///tmp/node.xml", Rxm.remoteUri("test:///tmp/node.xml", "h2"));
        assertEquals(524288, Arguments.kib("512M"));
        assertEquals(2097152, Arguments.kib("2g"));
        assertEquals(1000, Arguments.kib("1000"));
    }
}
