package org.javapxeboot.xman.portal.state;

import java.util.List;
import java.util.Locale;
import org.javapxeboot.xman.vm.VmControl.DomainState;

/**
 * What the portal shows in a domain's state column, with the legend sentence the page prints.
 *
 * <p>The first seven are METACentrum's (the seed's legend, in English): they combine libvirt's
 * view of the domain with the batch system's view of the node the domain is (see
 * {@link StateRules}). At METACentrum each physical host runs two domains that share its
 * resources; the batch system runs jobs in them and may preempt one for the other.
 *
 * <p>The rest are libvirt's own states, shown when no job source is configured, or when the
 * batch system's view says nothing about the domain (a node it does not know, a domain that is
 * not running).
 */
public enum State {
    FREE("free", "online, no resources assigned; a job can be submitted, and the domain becomes running."),
    OCCUPIED_WOULD_PREEMPT("occupied-would-preempt", "online, but the other (running) domain on the host uses"
            + " the resources; only a privileged job can be submitted, and it preempts the other domain."),
    OCCUPIED("occupied", "online, but the other (running) domain on the host uses the resources; no job can be"
            + " submitted."),
    RUNNING_PREEMPTIBLE("running-preemptible", "online, a job runs, resources assigned and could accept more;"
            + " a job can be submitted, but another domain on the host may preempt this one."),
    RUNNING("running", "online, a job runs, resources assigned and could accept more; a job can be submitted,"
            + " and no other domain on the host can preempt this one."),
    PREEMPTED("preempted", "online, but the other (running) domain on the host took the resources; it may still"
            + " hold a job; no job can be submitted."),
    FROZEN("frozen", "offline, suspended; it may still hold a job; no job can be submitted."),

    VM_RUNNING("running", "libvirt: the domain is running."),
    VM_BLOCKED("blocked", "libvirt: the domain is running but blocked, waiting for a resource (usually I/O)."),
    VM_PAUSED("paused", "libvirt: the domain is paused; its memory is kept, its CPUs do not run."),
    VM_SHUTDOWN("shutting down", "libvirt: the domain is being shut down."),
    VM_SHUTOFF("shut off", "libvirt: the domain is defined but not running."),
    VM_CRASHED("crashed", "libvirt: the domain crashed (kept for inspection by its on_crash setting)."),
    VM_PMSUSPENDED("pmsuspended", "libvirt: the guest suspended itself (power management)."),
    VM_NOSTATE("no state", "libvirt: the hypervisor reports no state for the domain.");

    /** METACentrum's seven, in the legend's order. */
    public static final List<State> BATCH = List.of(FREE, OCCUPIED_WOULD_PREEMPT, OCCUPIED, RUNNING_PREEMPTIBLE,
            RUNNING, PREEMPTED, FROZEN);

    /** libvirt's states, in the legend's order, as shown without a job source. */
    public static final List<State> LIBVIRT = List.of(VM_RUNNING, VM_BLOCKED, VM_PAUSED, VM_SHUTDOWN, VM_SHUTOFF,
            VM_CRASHED, VM_PMSUSPENDED, VM_NOSTATE);

    private final String label;
    private final String legend;

    State(String label, String legend) {
        this.label = label;
        this.legend = legend;
    }

    /** The name the table shows ("occupied-would-preempt", "shut off"). */
    public String label() {
        return label;
    }

    /** The legend's sentence for this state. */
    public String legend() {
        return legend;
    }

    /** A token for CSS classes and filters: the label with spaces as dashes, plus "vm-" for libvirt's. */
    public String token() {
        return (isBatch() ? "" : "vm-") + label.replace(' ', '-').toLowerCase(Locale.ROOT);
    }

    /** One of METACentrum's seven (a job source decided it), rather than libvirt's own. */
    public boolean isBatch() {
        return ordinal() <= FROZEN.ordinal();
    }

    /** libvirt's state as shown without a job source. */
    public static State of(DomainState s) {
        return switch (s) {
            case RUNNING -> VM_RUNNING;
            case BLOCKED -> VM_BLOCKED;
            case PAUSED -> VM_PAUSED;
            case SHUTDOWN -> VM_SHUTDOWN;
            case SHUTOFF -> VM_SHUTOFF;
            case CRASHED -> VM_CRASHED;
            case PMSUSPENDED -> VM_PMSUSPENDED;
            case NOSTATE -> VM_NOSTATE;
        };
    }
}
