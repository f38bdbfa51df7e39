package org.javapxeboot.xman.portal.fleet;

import org.javapxeboot.xman.client.XmanClient;
import org.javapxeboot.xman.vm.VmControl.DomainInfo;
import org.javapxeboot.xman.wire.DomainMetadata;

import java.time.Instant;
import java.util.List;
import java.util.Map;

/**
 * What the portal last learnt about one xmand host: the domains of its last good answer and when
 * that answer was read, and the failure of the latest poll if it failed (the domains are then the
 * older ones, and grey as their read time ages).
 *
 * @param readAt   when the last good answer was read; null if the host never answered
 * @param domains  that answer's domains, sorted by name
 * @param metadata each domain's {@code <metadata>} (priority, owners), when the state rules need it; else empty
 * @param failure  why the latest poll failed, or null if it succeeded
 */
public record HostSnapshot(XmanClient.Target target, Instant readAt, List<DomainInfo> domains,
                           Map<String, DomainMetadata> metadata, Failure failure) {

    /** A failed poll: the category a person acts on, and the client's message. */
    public record Failure(Reason reason, String message, Instant at) {}

    /** Why a host cannot be read, as the overview names it. */
    public enum Reason {
        REFUSED("refused"), TIMED_OUT("timed out"), UNAUTHENTICATED("401 not authenticated"), DENIED("403 denied"),
        TLS("TLS"), ERROR("error");

        public final String label;

        Reason(String label) {
            this.label = label;
        }

        /** The category of one of XmanClient's failures (its kind, status and message). */
        public static Reason of(XmanClient.Failure f) {
            if (f.status == 401 || "UNAUTHENTICATED".equals(f.kind) || "MUTUAL_AUTH".equals(f.kind) || "NO_CREDENTIALS".equals(f.kind)) return UNAUTHENTICATED;
            if (f.status == 403) return DENIED;
            if ("TLS".equals(f.kind)) return TLS;
            if ("UNREACHABLE".equals(f.kind)) {
                String m = String.valueOf(f.getMessage());
                if (m.contains("timed out") || m.startsWith("no answer within")) return TIMED_OUT;
                if (m.contains("refused")) return REFUSED;
            }
            return ERROR;
        }
    }

    public static HostSnapshot never(XmanClient.Target target) {
        return new HostSnapshot(target, null, List.of(), Map.of(), null);
    }

    public HostSnapshot answered(Instant at, List<DomainInfo> ds, Map<String, DomainMetadata> meta) {
        return new HostSnapshot(target, at, List.copyOf(ds), Map.copyOf(meta), null);
    }

    public HostSnapshot failed(Failure f) {
        return new HostSnapshot(target, readAt, domains, metadata, f);
    }
}
