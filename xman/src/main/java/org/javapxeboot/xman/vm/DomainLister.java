package org.javapxeboot.xman.vm;

import com.sun.jna.Memory;
import com.sun.jna.Native;
import com.sun.jna.NativeLibrary;
import com.sun.jna.Pointer;
import java.util.ArrayList;
import java.util.List;
import org.javapxeboot.xman.vm.VmControl.DomainInfo;
import org.javapxeboot.xman.vm.VmControl.DomainState;
import org.libvirt.Connect;
import org.libvirt.LibvirtException;

/**
 * {@link LibvirtVmControl#list()}'s fast path: every domain of a connection with what
 * {@link DomainInfo} holds, through JNA's direct mapping of the seven libvirt calls it needs.
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
     * reason other than a domain going away between the listing and its questions (such a domain is
     * left out, as libvirt-java's path does).
     */
    static List<DomainInfo> list(Pointer conn) {
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
            int state = info.getByte(INFO_STATE) & 0xff;
            return new DomainInfo(name.getString(0, Native.getDefaultStringEncoding()), uuidString(uuid), virDomainGetID(d),
                    state < DomainState.values().length ? DomainState.values()[state] : DomainState.NOSTATE,
                    info.getLong(INFO_MEMORY), info.getLong(INFO_MAX_MEM), info.getShort(INFO_VCPUS) & 0xffff,
                    info.getLong(INFO_CPU_TIME), persistent == 1, autostart[0] != 0);
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
