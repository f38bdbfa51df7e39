package org.javapxeboot.xman.portal.fleet;

import org.javapxeboot.xman.vm.VmControl.DomainInfo;
import org.javapxeboot.xman.wire.DomainMetadata;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * The overview's rows from the hosts' snapshots: one per domain, plus one per host whose latest
 * read failed (with the reason) or that has not answered yet. A row is stale when its read time is
 * older than two polls. Pure: the time is given.
 */
public final class Overview {
    /** How many polls old a read may be before its rows grey. */
    public static final int STALE_AFTER_POLLS = 2;

    private Overview() {}

    /**
     * One row. {@code domain}, {@code state} and {@code readAt} are null on a host's own row
     * (unreachable or not read yet), which has a {@code problem} instead.
     */
    public record Row(String host, String domain, String state, int vcpus, long memoryKiB, Instant readAt,
                      boolean stale, String problem) {}

    public static boolean stale(Instant readAt, Instant now, Duration poll) {
        return readAt == null || Duration.between(readAt, now).compareTo(poll.multipliedBy(STALE_AFTER_POLLS)) > 0;
    }

    public static List<Row> rows(List<HostSnapshot> snapshots, Instant now, Duration poll, StateView view) {
        List<Row> rows = new ArrayList<>();
        for (HostSnapshot s : snapshots) {
            String host = Fleet.name(s.target());
            boolean stale = stale(s.readAt(), now, poll);
            if (s.failure() != null) {
                rows.add(new Row(host, null, null, 0, 0, null, stale, s.failure().reason().label + ": " + s.failure().message()));
            } else if (s.readAt() == null) {
                rows.add(new Row(host, null, null, 0, 0, null, false, "not read yet"));
            }
            for (DomainInfo d : s.domains()) {
                DomainMetadata meta = s.metadata().getOrDefault(d.name(), DomainMetadata.NONE);
                rows.add(new Row(host, d.name(), view.label(host, d, meta, s.domains()), d.vcpus(), d.memoryKiB(), s.readAt(), stale, null));
            }
        }
        rows.sort(Comparator.comparing(Row::host).thenComparing(r -> r.domain() == null ? "" : r.domain()));
        return rows;
    }
}
