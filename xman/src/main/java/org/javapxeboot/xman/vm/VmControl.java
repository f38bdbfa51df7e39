package org.javapxeboot.xman.vm;

import java.util.List;

/**
 * The xmand operation set (METACentrum xman: list, create, destroy, reboot, shutdown, pause, unpause,
 * mem-set, vcpu-set, describe, migrate, dmesg, info; plus autostart for ncm-xen's {@code auto}) as
 * one interface. Implemented locally over
 * libvirt ({@code LibvirtVmControl}: test:///default, qemu:///system, xen:///system) and remotely
 * through xmand ({@code xman.RemoteVmControl}). The provisioner boots guests only through this.
 *
 * <p>Every method names the domain it failed on in its {@link VirtException}. Domain names are
 * taken as data, never interpolated into commands or XML.
 */
public interface VmControl extends AutoCloseable {

    /** All domains, running and defined-but-inactive. */
    List<DomainInfo> list() throws VirtException;

    /** One domain, or a VirtException with {@link VirtException.Kind#NO_DOMAIN}. */
    DomainInfo lookup(String name) throws VirtException;

    /** Defines (persistently) a domain from libvirt domain XML and returns it; does not start it. */
    DomainInfo define(String domainXml) throws VirtException;

    /** xm create: starts a defined domain by name. */
    DomainInfo start(String name) throws VirtException;

    /** Removes a stopped domain's definition. Never touches its disks. */
    void undefine(String name) throws VirtException;

    /** Terminates a domain immediately (xm destroy); its definition and disks stay. */
    void destroy(String name) throws VirtException;

    void reboot(String name) throws VirtException;

    void shutdown(String name) throws VirtException;

    void pause(String name) throws VirtException;

    void unpause(String name) throws VirtException;

    /** Sets the current memory in KiB; above the domain's maximum is refused with {@link VirtException.Kind#INVALID_ARGUMENT}. */
    void setMemory(String name, long kib) throws VirtException;

    void setVcpus(String name, int count) throws VirtException;

    /**
     * Marks a domain to start with the host, or not (libvirt autostart; xm's /etc/xen/auto): what
     * ncm-xen's {@code auto} asks for. The domain must be persistent (defined).
     */
    void setAutostart(String name, boolean on) throws VirtException;

    /** The domain's libvirt XML. */
    String describe(String name) throws VirtException;

    /**
     * Live-migrates a running domain to another host, given as a libvirt connection URI. Drivers
     * that cannot migrate (the test driver) fail with {@link VirtException.Kind#UNSUPPORTED}.
     */
    void migrate(String name, String destinationUri) throws VirtException;

    /** The message buffer: recent events and errors, oldest first (xm dmesg). */
    List<String> dmesg() throws VirtException;

    /** The host (xm info). */
    HostInfo info() throws VirtException;

    @Override
    void close();

    /** libvirt's virDomainState, in its order. */
    enum DomainState { NOSTATE, RUNNING, BLOCKED, PAUSED, SHUTDOWN, SHUTOFF, CRASHED, PMSUSPENDED }

    record DomainInfo(String name, String uuid, int id, DomainState state, long memoryKiB, long maxMemoryKiB,
                      int vcpus, long cpuTimeNanos, boolean persistent, boolean autostart) {}

    record HostInfo(String hostname, String uri, String hypervisor, long hypervisorVersion, String cpuModel,
                    long memoryKiB, int cpus, int mhz, int numaNodes, int sockets, int cores, int threads,
                    int domainsRunning, int domainsDefined) {}
}
