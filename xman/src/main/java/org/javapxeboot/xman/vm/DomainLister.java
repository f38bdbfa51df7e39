package org.javapxeboot.xman.vm;

import com.sun.jna.Memory;
import com.sun.jna.Native;
import com.sun.jna.NativeLibrary;
import com.sun.jna.Pointer;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import org.javapxeboot.xman.vm.VmControl.DomainInfo;
import org.javapxeboot.xman.vm.VmControl.DomainState;
import org.libvirt.Connect;
import org.libvirt.LibvirtException;

/**
 * {@link LibvirtVmControl#list()}'s fast path: every domain of a connection with what
 * {@link DomainInfo} holds, through JNA's direct mapping of the libvirt calls it needs.
 *
 * <p>Why: libvirt-java goes through JNA's interface mapping (a proxy, reflection and argument
 * conversion on every call, and a reflected {@code Structure} for {@code virDomainInfo}), which costs
 * 2-4 microseconds a call; a listing makes six calls per domain, so listing 100 domains cost ~1.6 ms of
 * CPU, most of xmand's CPU for a {@code list} request. Direct mapping and one reused buffer for the
 * info structure make the same calls for a fraction of that (BENCHMARKS.md section 4).
 *
 * <p>Only for 64-bit Linux-style ABIs (the {@code virDomainInfo} layout below assumes 8-byte
 * {@code unsigned long}); elsewhere, or when the library cannot be bound, {@link #available()} is
 * false and the caller uses libvirt-java. A call that fails for any reason other than the domain having
 * gone away returns null, and the caller redoes the listing through libvirt-java, which turns the
 * error into the usual message.
 */
final class DomainLister {
    /** virErrorNumber VIR_ERR_NO_DOMAIN (virterror.h). */
    private static final int VIR_ERR_NO_DOMAIN = 42;
    /** virDomainStatsTypes VIR_DOMAIN_STATS_STATE (libvirt-domain.h). */
    private static final int STATS_STATE = 1;
    /** virConnectGetAllDomainStatsFlags VIR_CONNECT_GET_ALL_DOMAINS_STATS_PERSISTENT. */
    private static final int STATS_PERSISTENT = 1 << 2;
    /** virConnectListAllDomainsFlags VIR_CONNECT_LIST_DOMAINS_AUTOSTART. */
    private static final int LIST_AUTOSTART = 1 << 10;
    /** VIR_UUID_BUFLEN (libvirt-host.h). */
    private static final int UUID_BUFLEN = 16;
    /**
     * struct _virDomainInfo on LP64: unsigned char state; unsigned long maxMem; unsigned long memory;
     * unsigned short nrVirtCpu; unsigned long long cpuTime.
     */
    private static final int INFO_STATE = 0;
    private static final int INFO_MAX_MEM = 8;
    private static final int INFO_MEMORY = 16;
    private static final int INFO_VCPUS = 24;
    private static final int INFO_CPU_TIME = 32;
    private static final int INFO_SIZE = 40;

    private static final boolean AVAILABLE = bind();

    private DomainLister() {}

    /** A libvirt-java connection that lends its {@code virConnectPtr} to {@link #list}. */
    static final class Connection extends Connect {
        Connection(String uri, boolean readOnly) throws LibvirtException {
            super(uri, readOnly);
        }

        /** The connection's pointer; null once closed. */
        Pointer pointer() {
            return vcp == null ? null : vcp.getPointer();
        }
    }

    private static boolean bind() {
        if (Native.LONG_SIZE != 8 || Native.POINTER_SIZE != 8) return false;
        try {
            Native.register(DomainLister.class, NativeLibrary.getInstance("virt"));
            return true;
        } catch (LinkageError | RuntimeException e) {
            return false;
        }
    }

    /** True if the fast path is bound here. */
    static boolean available() {
        return AVAILABLE;
    }

    /**
     * Every domain of {@code conn} (a {@code virConnectPtr}), or null when a call failed for a
     * reason other than a domain going away during the listing (such a domain is left out, as
     * libvirt-java's path does). Through {@link #listInBulk} where the driver has
     * {@code virConnectGetAllDomainStats}, else one domain at a time.
     */
    static List<DomainInfo> list(Pointer conn) {
        if (!AVAILABLE) return null;
        List<DomainInfo> bulk = listInBulk(conn);
        return bulk != null ? bulk : listOneByOne(conn);
    }

    /**
     * The listing with three bulk calls and four calls per domain instead of seven: libvirt formats the
     * domain's UUID for a debug line in every per-domain call but {@code virDomainGetName}, whether
     * logging is on or not, and the test driver formats it again to find the domain
     * (BENCHMARKS.md section 4).
     *
     * <ol>
     * <li>(a) {@code virConnectGetAllDomainStats(STATE)}: every domain; its records are freed in bulk
     * (no {@code virDomainFree}, which formats the UUID, per domain). Every driver that has the call has
     * the state group.
     * <li>(c) {@code virConnectListAllDomains(AUTOSTART)}: the UUIDs of the domains that start with the
     * host (usually few), instead of {@code virDomainGetAutostart} per domain.
     * <li>(b) {@code virConnectGetAllDomainStats(STATE, PERSISTENT)}: the UUIDs of the persistent
     * domains, instead of {@code virDomainIsPersistent} per domain.
     * <li>(d) per domain of (a): name, UUID, ID (held by the domain object of (a)), and
     * {@code virDomainGetInfo} for state, memory, vCPUs and CPU time (one call: one moment).
     * <li>(e) a domain of (a) not in (b): {@code virDomainIsPersistent} (transient domains, or one
     * defined since (b)).
     * </ol>
     *
     * <p>What this guarantees, with domains identified by UUID (names can be reused): a domain whose
     * (d) or (e) says it is gone is left out; a domain that existed for the whole listing is reported
     * (it is in (a), and (d) and (e) find it); every field reported is a value the domain had at some
     * moment of the listing: state, memory, vCPUs, CPU time together at (d); persistent at (b) or
     * (e); autostart at (c), a moment when a reported domain existed, since it existed at (a) and at
     * (d), after (c). That is what the one-at-a-time listing guarantees too (its calls are at
     * different moments as well). Returns null if a bulk call fails (a driver without it: the caller
     * lists one domain at a time) or a per-domain call fails for a reason other than the domain being
     * gone.
     */
    static List<DomainInfo> listInBulk(Pointer conn) {
        return listInBulk(conn, () -> {});
    }

    /** {@link #listInBulk(Pointer)}, running {@code afterFirst} between (a) and (c): tests change domains there. */
    static List<DomainInfo> listInBulk(Pointer conn, Runnable afterFirst) {
        if (!AVAILABLE) return null;
        long[] all = new long[1];
        int n = virConnectGetAllDomainStats(conn, STATS_STATE, all, 0);
        if (n < 0) return null;
        try {
            afterFirst.run();
            Set<UUID> autostart = listedUuids(conn, LIST_AUTOSTART);
            Set<UUID> persistent = autostart == null ? null : statsUuids(conn, STATS_PERSISTENT);
            if (persistent == null) return null;
            Pointer records = new Pointer(all[0]);
            List<DomainInfo> out = new ArrayList<>(n);
            try (Questions q = new Questions()) {
                for (int i = 0; i < n; i++) {
                    Pointer d = records.getPointer((long) i * Native.POINTER_SIZE).getPointer(0);
                    if (!q.ask(d, persistent, autostart, out)) return null;
                }
            }
            return out;
        } finally {
            virDomainStatsRecordListFree(new Pointer(all[0]));
        }
    }

    /** The UUIDs of the domains {@code virConnectListAllDomains(flags)} lists, or null if a call failed. */
    private static Set<UUID> listedUuids(Pointer conn, int flags) {
        long[] array = new long[1];
        int n = virConnectListAllDomains(conn, array, flags);
        if (n < 0) return null;
        Pointer domains = new Pointer(array[0]);
        try {
            return uuids(domains, n, false);
        } finally {
            for (int i = 0; i < n; i++) virDomainFree(domains.getPointer((long) i * Native.POINTER_SIZE));
            Native.free(array[0]);
        }
    }

    /** The UUIDs of the domains {@code virConnectGetAllDomainStats(STATE, flags)} lists, or null if a call failed. */
    private static Set<UUID> statsUuids(Pointer conn, int flags) {
        long[] array = new long[1];
        int n = virConnectGetAllDomainStats(conn, STATS_STATE, array, flags);
        if (n < 0) return null;
        try {
            return uuids(new Pointer(array[0]), n, true);
        } finally {
            virDomainStatsRecordListFree(new Pointer(array[0]));
        }
    }

    private static Set<UUID> uuids(Pointer array, int n, boolean records) {
        Set<UUID> out = new HashSet<>(n * 2);
        byte[] uuid = new byte[UUID_BUFLEN];
        for (int i = 0; i < n; i++) {
            Pointer d = array.getPointer((long) i * Native.POINTER_SIZE);
            if (records) d = d.getPointer(0);
            if (virDomainGetUUID(d, uuid) < 0) return null;
            out.add(uuid(uuid));
        }
        return out;
    }

    private static UUID uuid(byte[] u) {
        ByteBuffer b = ByteBuffer.wrap(u);
        return new UUID(b.getLong(), b.getLong());
    }

    /** Every domain, seven calls per domain (name, info, UUID, persistent, autostart, ID, free): drivers without the bulk calls. */
    static List<DomainInfo> listOneByOne(Pointer conn) {
        if (!AVAILABLE) return null;
        long[] array = new long[1];
        int n = virConnectListAllDomains(conn, array, 0);
        if (n < 0) return null;
        Pointer domains = new Pointer(array[0]);
        List<DomainInfo> out = new ArrayList<>(n);
        boolean failed = false;
        try (Questions q = new Questions()) {
            for (int i = 0; i < n && !failed; i++) {
                DomainInfo d = q.ask(domains.getPointer((long) i * Native.POINTER_SIZE));
                if (d != null) out.add(d);
                else if (virGetLastErrorCode() != VIR_ERR_NO_DOMAIN) failed = true;
            }
        } finally {
            for (int i = 0; i < n; i++) virDomainFree(domains.getPointer((long) i * Native.POINTER_SIZE));
            Native.free(array[0]);
        }
        return failed ? null : out;
    }

    // Names go both ways in JNA's default encoding, as libvirt-java's do, so that a name listed here is
    // the name libvirt-java would list, and looks it up again.

    /** The domain named {@code name} on {@code conn}, or null when it is not there or a call failed (the caller asks again through libvirt-java for the error). */
    static DomainInfo lookup(Pointer conn, String name) {
        if (!AVAILABLE) return null;
        Pointer d = virDomainLookupByName(conn, name);
        if (d == null) return null;
        try (Questions q = new Questions()) {
            return q.ask(d);
        } finally {
            virDomainFree(d);
        }
    }

    /** The buffers the questions about one domain are answered in, reused across a listing. */
    private static final class Questions implements AutoCloseable {
        private final Memory info = new Memory(INFO_SIZE);
        private final byte[] uuid = new byte[UUID_BUFLEN];
        private final int[] autostart = new int[1];

        /** What {@link DomainInfo} holds about {@code d}, or null if a call failed (libvirt's last error says why). */
        DomainInfo ask(Pointer d) {
            Pointer name = virDomainGetName(d);
            int persistent;
            if (name == null || virDomainGetInfo(d, info) < 0 || virDomainGetUUID(d, uuid) < 0
                    || (persistent = virDomainIsPersistent(d)) < 0 || virDomainGetAutostart(d, autostart) < 0) {
                return null;
            }
            return answer(d, name, persistent == 1, autostart[0] != 0);
        }

        /**
         * {@link #listInBulk}'s questions about {@code d}, whose persistence and autostart come from
         * the UUIDs in {@code persistent} and {@code autostart} (or, for one not in {@code persistent},
         * from its own call); added to {@code out} unless the domain is gone. False if a call failed for
         * another reason.
         */
        boolean ask(Pointer d, Set<UUID> persistent, Set<UUID> autostart, List<DomainInfo> out) {
            Pointer name = virDomainGetName(d);
            if (name == null || virDomainGetUUID(d, uuid) < 0 || virDomainGetInfo(d, info) < 0) return gone();
            UUID id = uuid(uuid);
            int p = persistent.contains(id) ? 1 : virDomainIsPersistent(d);
            if (p < 0) return gone();
            out.add(answer(d, name, p == 1, autostart.contains(id)));
            return true;
        }

        /** After a failed call: true (leave the domain out) if it was because the domain is gone. */
        private boolean gone() {
            return virGetLastErrorCode() == VIR_ERR_NO_DOMAIN;
        }

        /** The domain from its name, the info and UUID buffers as last filled for it, and its ID. */
        private DomainInfo answer(Pointer d, Pointer name, boolean persistent, boolean autostart) {
            int state = info.getByte(INFO_STATE) & 0xff;
            return new DomainInfo(name.getString(0, Native.getDefaultStringEncoding()), uuidString(uuid), virDomainGetID(d),
                    state < DomainState.values().length ? DomainState.values()[state] : DomainState.NOSTATE,
                    info.getLong(INFO_MEMORY), info.getLong(INFO_MAX_MEM), info.getShort(INFO_VCPUS) & 0xffff,
                    info.getLong(INFO_CPU_TIME), persistent, autostart);
        }

        @Override
        public void close() {
            info.close();
        }
    }

    /**
     * The UUID as virDomainGetUUIDString writes it (lower-case 8-4-4-4-12), formatted here from the raw
     * bytes: libvirt's own is one more snprintf of 16 conversions (it already formats the UUID for a
     * debug line on every domain call, logging on or off: BENCHMARKS.md section 4).
     */
    static String uuidString(byte[] u) {
        char[] c = new char[36];
        int k = 0;
        for (int i = 0; i < UUID_BUFLEN; i++) {
            if (i == 4 || i == 6 || i == 8 || i == 10) c[k++] = '-';
            c[k++] = Character.forDigit((u[i] >> 4) & 0xf, 16);
            c[k++] = Character.forDigit(u[i] & 0xf, 16);
        }
        return new String(c);
    }

    // libvirt's own functions (libvirt-domain.h, virterror.h), bound by Native.register.
    private static native int virConnectListAllDomains(Pointer conn, long[] domains, int flags);

    private static native int virConnectGetAllDomainStats(Pointer conn, int stats, long[] records, int flags);

    private static native void virDomainStatsRecordListFree(Pointer records);

    private static native Pointer virDomainLookupByName(Pointer conn, String name);

    private static native Pointer virDomainGetName(Pointer domain);

    private static native int virDomainGetInfo(Pointer domain, Pointer info);

    private static native int virDomainGetUUID(Pointer domain, byte[] uuid);

    private static native int virDomainIsPersistent(Pointer domain);

    private static native int virDomainGetAutostart(Pointer domain, int[] autostart);

    private static native int virDomainGetID(Pointer domain);

    private static native int virDomainFree(Pointer domain);

    private static native int virGetLastErrorCode();
}
