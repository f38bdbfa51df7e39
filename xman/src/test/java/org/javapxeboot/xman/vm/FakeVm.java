package org.javapxeboot.xman.vm;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;

/**
 * A hand-written VmControl that records every call ("pause vm1") and can hold an operation at a
 * gate: the call says it entered, then waits until the test opens the gate, as a hung libvirt call
 * would. Domains vm1..vm9 exist, running, 1 GiB maximum.
 */
public final class FakeVm implements VmControl {
    /** Calls that reached the hypervisor, in order: "op domain [arg]". */
    public final List<String> calls = new CopyOnWriteArrayList<>();
    private final Map<String, Gate> gates = new ConcurrentHashMap<>();
    /** Names list() reports (libvirt allows almost any bytes in a name another tool defined). */
    public volatile List<String> names = List.of("vm1", "vm2");
    /** The owners describe's metadata names, per domain (none: no metadata of ours). */
    public final Map<String, List<String>> owners = new ConcurrentHashMap<>();
    /** Operations that fail with this exception, as libvirt would. */
    public final Map<String, VirtException> failures = new ConcurrentHashMap<>();

    /** Holds calls of {@code op}: {@code entered} counts each arrival, they return when {@code release} opens. */
    public record Gate(CountDownLatch entered, CountDownLatch release) {}

    public Gate hold(String op, int arrivals) {
        Gate g = new Gate(new CountDownLatch(arrivals), new CountDownLatch(1));
        gates.put(op, g);
        return g;
    }

    private void call(String op, String domain, Object arg) throws VirtException {
        if (domain != null && !domain.matches("vm[1-9]")) throw new VirtException(VirtException.Kind.NO_DOMAIN, op, domain, "no such domain");
        VirtException fail = failures.get(op);
        if (fail != null) throw fail;
        Gate g = gates.get(op);
        if (g != null) {
            g.entered().countDown();
            try {
                g.release().await();
            } catch (InterruptedException e) {
                // A hung libvirt call does not notice interrupts either: keep waiting.
                Thread.currentThread().interrupt();
                try {
                    g.release().await();
                } catch (InterruptedException again) {
                    Thread.currentThread().interrupt();
                }
            }
        }
        calls.add(op + (domain != null ? " " + domain : "") + (arg != null ? " " + arg : ""));
    }

    private static DomainInfo info(String name) {
        return new DomainInfo(name, "00000000-0000-0000-0000-00000000000" + Math.abs(name.hashCode() % 10), 1, DomainState.RUNNING,
                524288, 1048576, 1, 0, true, false);
    }

    @Override public List<DomainInfo> list() throws VirtException {
        call("list", null, null);
        List<DomainInfo> l = new ArrayList<>();
        for (String n : names) l.add(info(n));
        return l;
    }
    @Override public DomainInfo lookup(String name) throws VirtException { call("lookup", name, null); return info(name); }
    @Override public DomainInfo define(String xml) throws VirtException { call("define", null, null); return info("vm1"); }
    @Override public DomainInfo start(String name) throws VirtException { call("start", name, null); return info(name); }
    @Override public void undefine(String name) throws VirtException { call("undefine", name, null); }
    @Override public void destroy(String name) throws VirtException { call("destroy", name, null); }
    @Override public void reboot(String name) throws VirtException { call("reboot", name, null); }
    @Override public void shutdown(String name) throws VirtException { call("shutdown", name, null); }
    @Override public void pause(String name) throws VirtException { call("pause", name, null); }
    @Override public void unpause(String name) throws VirtException { call("unpause", name, null); }
    @Override public void setMemory(String name, long kib) throws VirtException { call("mem-set", name, kib); }
    @Override public void setVcpus(String name, int count) throws VirtException { call("vcpu-set", name, count); }
    @Override public void setAutostart(String name, boolean on) throws VirtException { call("autostart", name, on); }
    @Override public String describe(String name) throws VirtException {
        call("describe", name, null);
        List<String> o = owners.get(name);
        String metadata = o == null ? "" : "<metadata>" + new org.javapxeboot.xman.wire.DomainMetadata(0, o).element("") + "</metadata>";
        return "<domain><name>" + name + "</name>" + metadata + "</domain>";
    }
    @Override public void migrate(String name, String uri) throws VirtException { call("migrate", name, uri); }
    @Override public List<String> dmesg() { return List.of(); }
    @Override public HostInfo info() throws VirtException {
        call("info", null, null);
        return new HostInfo("fake", "fake:///", "fake", 1, "cpu", 1 << 20, 1, 1000, 1, 1, 1, 1, 2, 0);
    }
    @Override public void close() {}
}
