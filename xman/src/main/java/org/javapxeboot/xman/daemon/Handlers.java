package org.javapxeboot.xman.daemon;

import org.javapxeboot.xman.vm.VirtException;
import org.javapxeboot.xman.vm.VmControl;
import org.javapxeboot.xman.wire.DomainMetadata;
import org.javapxeboot.xman.wire.DomainXml;
import org.javapxeboot.xman.wire.MigrationUri;
import org.javapxeboot.xman.wire.Op;
import org.javapxeboot.xman.wire.Protocol;
import org.javapxeboot.xman.wire.Protocol.ProtocolException;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.LongSupplier;

/**
 * What each entry of the operations table ({@link Op}) does on the {@link VmControl}: one handler
 * per operation, chosen by an exhaustive switch, so an operation added to the table without a
 * handler does not compile. Runs on a libvirt thread (see {@link Operations}) with the lock the
 * table names held.
 */
final class Handlers {
    /** One operation: the request's arguments, and its checked domain name if the operation names one. */
    interface Handler {
        Object run(Map<String, Object> args, String domain) throws ProtocolException, VirtException;
    }

    /** Lines of --hypervisor-log that dmesg adds after the daemon's own buffer. */
    static final int HYPERVISOR_LOG_LINES = 100;

    private final VmControl vm;
    private final LongSupplier syslogDropped;
    private final Path hypervisorLog;
    private final boolean testDriver;
    private final Map<Op, Handler> table;

    Handlers(VmControl vm, LongSupplier syslogDropped, Path hypervisorLog, boolean testDriver) {
        this.vm = vm;
        this.syslogDropped = syslogDropped;
        this.hypervisorLog = hypervisorLog;
        this.testDriver = testDriver;
        Map<Op, Handler> m = new EnumMap<>(Op.class);
        for (Op op : Op.values()) m.put(op, handler(op));
        this.table = Collections.unmodifiableMap(m);
    }

    /** The operations this daemon serves: every entry of the table. */
    java.util.Set<Op> operations() {
        return table.keySet();
    }

    Object run(Op op, Map<String, Object> args) throws ProtocolException, VirtException {
        String domain = op.needsDomain ? Protocol.checkDomainName(Protocol.optStr(args, "domain")) : null;
        return table.get(op).run(args, domain);
    }

    private Handler handler(Op op) {
        // No default: a new Op without a case here is a compile error.
        return switch (op) {
            case HELP -> (a, d) -> help();
            case LIST -> (a, d) -> {
                List<VmControl.DomainInfo> ds = new ArrayList<>(vm.list());
                ds.sort(java.util.Comparator.comparing(VmControl.DomainInfo::name));
                return Protocol.domainsJson(ds);
            };
            case LOOKUP -> (a, d) -> Protocol.domainJson(vm.lookup(d));
            case INFO -> (a, d) -> {
                Map<String, Object> m = Protocol.hostJson(vm.info());
                // Audit copies syslog could not take (queue full, socket blocking or gone) since start.
                m.put("syslogDropped", syslogDropped.getAsLong());
                return m;
            };
            case DMESG -> (a, d) -> {
                List<Object> lines = new ArrayList<>(vm.dmesg());
                if (hypervisorLog != null) lines.addAll(tail(hypervisorLog, HYPERVISOR_LOG_LINES));
                return lines;
            };
            case DESCRIBE -> (a, d) -> vm.describe(d);
            case CREATE -> (a, d) -> defineFromXml(a, true);
            case DEFINE -> (a, d) -> defineFromXml(a, false);
            case START -> (a, d) -> Protocol.domainJson(vm.start(d));
            case UNDEFINE -> (a, d) -> {
                vm.undefine(d);
                return null;
            };
            case DESTROY -> changed(vm::destroy);
            case REBOOT -> changed(vm::reboot);
            case SHUTDOWN -> changed(vm::shutdown);
            case PAUSE -> changed(vm::pause);
            case UNPAUSE -> changed(vm::unpause);
            case MEM_SET -> (a, d) -> {
                long kib = Protocol.num(a, Op.Arg.KIB.key);
                if (kib <= 0) throw new ProtocolException(400, "INVALID_ARGUMENT", "mem-set " + d + ": " + kib + " KiB is not a positive size");
                long max = vm.lookup(d).maxMemoryKiB();
                if (kib > max) {
                    throw new VirtException(VirtException.Kind.INVALID_ARGUMENT, "mem-set", d,
                            kib + " KiB is above the domain's maximum of " + max + " KiB");
                }
                vm.setMemory(d, kib);
                return Protocol.domainJson(vm.lookup(d));
            };
            case VCPU_SET -> (a, d) -> {
                long n = Protocol.num(a, Op.Arg.COUNT.key);
                if (n <= 0 || n > 4096) throw new ProtocolException(400, "INVALID_ARGUMENT", "vcpu-set " + d + ": " + n + " is not a VCPU count");
                vm.setVcpus(d, (int) n);
                return Protocol.domainJson(vm.lookup(d));
            };
            case MIGRATE -> (a, d) -> {
                vm.migrate(d, MigrationUri.check(Protocol.optStr(a, Op.Arg.DESTINATION.key), testDriver));
                return Protocol.domainJson(vm.lookup(d));
            };
            case AUTOSTART -> (a, d) -> {
                vm.setAutostart(d, Protocol.bool(a, Op.Arg.ON_OFF.key));
                return Protocol.domainJson(vm.lookup(d));
            };
        };
    }

    /**
     * The operation for someone who is not an administrator ({@link Authorization}): the
     * {@link Op.Caller#OWNER} operations on a domain he owns, list filtered to his domains, help.
     * Anything else is refused, so an operation added to the table as OWNER without a domain is
     * refused to non-administrators until it is given a rule here. Runs under the domain's lock, so
     * the owners read here are the ones in force when the operation runs.
     */
    Object runAsOwner(Op op, Map<String, Object> args, Authorization.Caller c, Authorization authz) throws ProtocolException, VirtException {
        if (op.caller != Op.Caller.OWNER) throw authz.adminOnly(c, op.wire);
        if (op == Op.LIST) return listOwnedBy(c);
        if (op == Op.HELP) return help();
        if (!op.needsDomain) throw authz.adminOnly(c, op.wire);
        String domain = Protocol.checkDomainName(Protocol.optStr(args, "domain"));
        if (!Authorization.owns(c, metadata(domain))) throw authz.notOwner(c, op, domain);
        return run(op, args);
    }

    /** list for a non-administrator: the domains whose metadata names him, sorted by name. */
    private List<Object> listOwnedBy(Authorization.Caller c) throws VirtException {
        List<VmControl.DomainInfo> mine = new ArrayList<>();
        for (VmControl.DomainInfo d : vm.list()) {
            if (Authorization.owns(c, metadata(d.name()))) mine.add(d);
        }
        mine.sort(java.util.Comparator.comparing(VmControl.DomainInfo::name));
        return Protocol.domainsJson(mine);
    }

    /**
     * The domain's metadata; null if there is no such domain (or it went away) or its metadata is
     * not ours to trust (malformed owners): such a domain has no owners, only administrators.
     */
    private DomainMetadata metadata(String domain) throws VirtException {
        try {
            return DomainMetadata.of(vm.describe(domain));
        } catch (VirtException e) {
            if (e.kind() == VirtException.Kind.NO_DOMAIN) return null;
            throw e;
        } catch (ProtocolException e) {
            return null;
        }
    }

    /** A domain operation that answers with the domain as it is afterwards. */
    private interface DomainCall {
        void run(String domain) throws VirtException;
    }

    private Handler changed(DomainCall call) {
        return (a, d) -> {
            call.run(d);
            return Protocol.domainJson(vm.lookup(d));
        };
    }

    private static List<Object> help() {
        List<Object> l = new ArrayList<>();
        for (Op each : Op.values()) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("op", each.wire);
            m.put("usage", each.usage);
            m.put("help", each.help);
            m.put("method", each.method());
            l.add(m);
        }
        return l;
    }

    /** create (start) and define: from "xml", or (create) start the defined domain named by "domain". */
    private Object defineFromXml(Map<String, Object> args, boolean start) throws ProtocolException, VirtException {
        String xml = Protocol.optStr(args, "xml");
        if (xml == null) {
            String name = Protocol.checkDomainName(Protocol.optStr(args, "domain"));
            return Protocol.domainJson(vm.start(name));
        }
        String name = Protocol.checkDomainName(DomainXml.nameOf(xml));
        boolean existed = exists(name);
        VmControl.DomainInfo d = vm.define(xml);
        if (!start) return Protocol.domainJson(d);
        try {
            return Protocol.domainJson(vm.start(name));
        } catch (VirtException e) {
            // Leave nothing half-made: a definition we added for a guest that cannot start goes again.
            if (!existed) {
                try {
                    vm.undefine(name);
                } catch (VirtException ignored) {
                    // The start error is the one to report.
                }
            }
            throw e;
        }
    }

    private boolean exists(String name) throws VirtException {
        try {
            vm.lookup(name);
            return true;
        } catch (VirtException e) {
            if (e.kind() == VirtException.Kind.NO_DOMAIN) return false;
            throw e;
        }
    }

    /** The last lines of the hypervisor's own log (xend.log, libvirtd.log), each prefixed with the file name. */
    static List<String> tail(Path file, int max) {
        String prefix = file.getFileName() + ": ";
        try (java.nio.channels.FileChannel ch = java.nio.channels.FileChannel.open(file)) {
            long size = ch.size();
            long from = Math.max(0, size - 64 * 1024);
            java.nio.ByteBuffer buf = java.nio.ByteBuffer.allocate((int) (size - from));
            while (buf.hasRemaining() && ch.read(buf, from + buf.position()) > 0) {
                // read until full or end of file
            }
            String text = new String(buf.array(), 0, buf.position(), StandardCharsets.UTF_8);
            List<String> all = new ArrayList<>(List.of(text.split("\n")));
            if (from > 0 && !all.isEmpty()) all.remove(0); // a partial first line
            List<String> out = new ArrayList<>();
            for (String l : all.subList(Math.max(0, all.size() - max), all.size())) if (!l.isEmpty()) out.add(prefix + l);
            return out;
        } catch (java.nio.file.NoSuchFileException e) {
            return List.of(prefix + "(no such file)");
        } catch (IOException e) {
            return List.of(prefix + "(unreadable: " + e.getMessage() + ")");
        }
    }
}
