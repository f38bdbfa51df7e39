package org.javapxeboot.xman.portal.fleet;

import org.javapxeboot.xman.client.XmanClient;
import org.javapxeboot.xman.vm.VmControl.DomainInfo;
import org.javapxeboot.xman.wire.DomainMetadata;
import org.javapxeboot.xman.wire.Op;
import org.javapxeboot.xman.wire.Protocol;

import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * Reads every host's domains through the xman client, all hosts at once on a bounded pool. Each
 * host has its own deadline (the client's timeout, --host-timeout) and at most one read in
 * flight: a host that never answers holds one thread until its deadline and is skipped by the
 * polls meanwhile, so it never delays the others. Reads are the portal's own (no user named).
 */
public final class Fleet implements AutoCloseable {
    /** One call to xmand: {@link XmanClient#call(XmanClient.Target, Op, Map)}. */
    @FunctionalInterface
    public interface Caller {
        Object call(XmanClient.Target target, Op op, Map<String, Object> args) throws XmanClient.Failure;
    }

    private final Hosts hosts;
    private final Caller caller;
    private final Clock clock;
    private final StateView view;
    private final Consumer<HostSnapshot> onSnapshot;
    private final ExecutorService pool;
    private final Map<XmanClient.Target, HostSnapshot> snapshots = new ConcurrentHashMap<>();
    private final Set<XmanClient.Target> inFlight = ConcurrentHashMap.newKeySet();

    /**
     * @param threads    hosts read at once (the rest wait in a queue no longer than the host list)
     * @param onSnapshot told of every new snapshot, on the pool's thread (tests, metrics); may be a no-op
     */
    public Fleet(Hosts hosts, Caller caller, Clock clock, StateView view, int threads, Consumer<HostSnapshot> onSnapshot) {
        if (threads < 1) throw new IllegalArgumentException("poll threads must be >= 1");
        this.hosts = hosts;
        this.caller = caller;
        this.clock = clock;
        this.view = view;
        this.onSnapshot = onSnapshot;
        this.pool = new ThreadPoolExecutor(threads, threads, 30, TimeUnit.SECONDS, new LinkedBlockingQueue<>(), r -> {
            Thread t = new Thread(r, "portal-poll");
            t.setDaemon(true);
            return t;
        });
        ((ThreadPoolExecutor) pool).allowCoreThreadTimeOut(true);
    }

    /** Starts a read of every listed host that has none in flight; returns at once. */
    public void pollOnce() {
        List<XmanClient.Target> list = hosts.current();
        snapshots.keySet().retainAll(Set.copyOf(list));
        for (XmanClient.Target t : list) {
            snapshots.putIfAbsent(t, HostSnapshot.never(t));
            if (!inFlight.add(t)) continue;
            try {
                pool.execute(() -> {
                    HostSnapshot after = null;
                    try {
                        after = read(t);
                    } finally {
                        inFlight.remove(t);
                    }
                    // Told only once the host is free again: whoever hears of this read and polls at
                    // once gets a new read of this host, not a skip.
                    if (after != null) onSnapshot.accept(after);
                });
            } catch (RejectedExecutionException e) {
                inFlight.remove(t);
                return;
            }
        }
    }

    /** Reads one host and stores its snapshot; returns it, or null if the host was dropped meanwhile. */
    private HostSnapshot read(XmanClient.Target t) {
        HostSnapshot before = snapshots.getOrDefault(t, HostSnapshot.never(t));
        HostSnapshot after;
        try {
            List<DomainInfo> ds = new ArrayList<>(Protocol.domainsFrom(caller.call(t, Op.LIST, Map.of())));
            ds.sort(Comparator.comparing(DomainInfo::name));
            java.time.Instant at = clock.instant();
            Map<String, DomainMetadata> meta = new LinkedHashMap<>();
            if (view.needsMetadata()) {
                for (DomainInfo d : ds) meta.put(d.name(), metadata(t, d.name()));
            }
            after = before.answered(at, ds, meta);
        } catch (XmanClient.Failure f) {
            after = before.failed(new HostSnapshot.Failure(HostSnapshot.Reason.of(f), f.getMessage(), clock.instant()));
        } catch (Protocol.ProtocolException e) {
            after = before.failed(new HostSnapshot.Failure(HostSnapshot.Reason.ERROR, "not an xman answer: " + e.getMessage(), clock.instant()));
        } catch (RuntimeException e) {
            after = before.failed(new HostSnapshot.Failure(HostSnapshot.Reason.ERROR, String.valueOf(e), clock.instant()));
        }
        // A host dropped from the list while it was read stays dropped.
        return snapshots.replace(t, after) != null ? after : null;
    }

    /** The domain's metadata; a domain whose description cannot be read or parsed has none. */
    private DomainMetadata metadata(XmanClient.Target t, String domain) throws XmanClient.Failure {
        try {
            Object xml = caller.call(t, Op.DESCRIBE, Map.of("domain", domain));
            return xml instanceof String ? DomainMetadata.of((String) xml) : DomainMetadata.NONE;
        } catch (Protocol.ProtocolException e) {
            return DomainMetadata.NONE;
        } catch (XmanClient.Failure f) {
            if (f.category == XmanClient.Category.OPERATION) return DomainMetadata.NONE;
            throw f;
        }
    }

    /** The snapshots in the host list's order. */
    public List<HostSnapshot> snapshots() {
        List<HostSnapshot> l = new ArrayList<>();
        for (XmanClient.Target t : hosts.current()) {
            HostSnapshot s = snapshots.get(t);
            l.add(s != null ? s : HostSnapshot.never(t));
        }
        return l;
    }

    public List<XmanClient.Target> targets() {
        return hosts.current();
    }

    /** The host as the pages name it: HOST, or HOST:PORT when the port is not xmand's default. */
    public static String name(XmanClient.Target t) {
        return t.port() == Protocol.DEFAULT_PORT ? (t.host().contains(":") ? "[" + t.host() + "]" : t.host()) : t.toString();
    }

    /** The listed host the pages call {@code name}, or null: the portal talks to listed hosts only. */
    public XmanClient.Target byName(String name) {
        for (XmanClient.Target t : hosts.current()) if (name(t).equals(name)) return t;
        return null;
    }

    public StateView view() {
        return view;
    }

    public Clock clock() {
        return clock;
    }

    @Override
    public void close() {
        pool.shutdownNow();
    }
}
