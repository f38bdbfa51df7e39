package org.javapxeboot.xman.portal.state;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Predicate;
import org.javapxeboot.xman.vm.VmControl.DomainState;

/**
 * The one table that decides a domain's {@link State}: rows in order, the first whose condition
 * holds wins. Inputs: the domain's libvirt state and priority (its {@code <metadata>}), the batch
 * system's view of the node the domain is ({@link NodeView}, found by {@link NodeIndex}), and the
 * same for its siblings: the other domains the same xmand lists (at METACentrum, the other domain
 * sharing the physical host).
 *
 * <p>Terms: <i>live</i> = libvirt running or blocked. A sibling <i>runs a job</i> when it is live
 * and its node is online, holds a job and has resources. A sibling <i>could preempt</i> this
 * domain when it is live, its node online, and its priority is higher than this domain's.
 *
 * <pre>
 * | # | when                                                                     | state                  |
 * |---|--------------------------------------------------------------------------|------------------------|
 * | 1 | no job source is configured                                              | libvirt's state        |
 * | 2 | libvirt: paused or pmsuspended                                           | frozen                 |
 * | 3 | libvirt: not live (shut off, shutting down, crashed, no state)           | libvirt's state        |
 * | 4 | the batch system does not know the node                                  | libvirt's state        |
 * | 5 | the batch system reports the node down                                   | libvirt's state        |
 * | 6 | online, a job runs here with resources, a sibling could preempt it       | running-preemptible    |
 * | 7 | online, a job runs here with resources                                   | running                |
 * | 8 | a sibling runs a job; this node is offline, or holds a job without resources | preempted          |
 * | 9 | online, no job here, a sibling runs a job, this priority is above theirs | occupied-would-preempt |
 * |10 | online, no job here, a sibling runs a job                                | occupied               |
 * |11 | online, no job here, no sibling runs a job                               | free                   |
 * |12 | anything else (offline with no sibling running: taken out by an admin)   | libvirt's state        |
 * </pre>
 *
 * Pure: no I/O, no clock. {@link #RULES} is the table; its test walks every row.
 */
public final class StateRules {
    private StateRules() {
    }

    /** A domain as the rules see it. */
    public record Domain(String name, DomainState libvirt, int priority) {
    }

    /** What the rules look at for one domain, computed once. {@code node} is null when the batch system does not know it. */
    public record Facts(boolean jobSource, DomainState libvirt, NodeView node, boolean siblingRuns,
                        boolean siblingCouldPreempt, boolean aboveRunningSiblings) {
        boolean paused() {
            return libvirt == DomainState.PAUSED || libvirt == DomainState.PMSUSPENDED;
        }

        boolean live() {
            return StateRules.live(libvirt);
        }

        boolean known() {
            return node != null;
        }

        boolean down() {
            return node.availability() == NodeView.Availability.DOWN;
        }

        boolean online() {
            return node.online();
        }

        boolean offline() {
            return node.availability() == NodeView.Availability.OFFLINE;
        }

        boolean job() {
            return node.hasJob();
        }

        boolean resources() {
            return node.resources();
        }
    }

    /**
     * One row: when {@code test} holds, the domain is {@code state} ({@code null}: libvirt's own
     * state). {@code when} is the row in words, for the page's "why" and the README.
     */
    public record Rule(int number, String when, State state, Predicate<Facts> test) {
        public State apply(Facts f) {
            return state != null ? state : State.of(f.libvirt());
        }
    }

    /** A domain's state and the row that decided it. */
    public record Verdict(State state, Rule rule) {
    }

    private static Rule row(int n, String when, State state, Predicate<Facts> test) {
        return new Rule(n, when, state, test);
    }

    private static final State LIBVIRT = null;

    /** The table (see the class comment); first match wins, the last row always matches. */
    public static final List<Rule> RULES = List.of(
            row(1, "no job source is configured", LIBVIRT, f -> !f.jobSource()),
            row(2, "libvirt: paused or pmsuspended", State.FROZEN, Facts::paused),
            row(3, "libvirt: not live (shut off, shutting down, crashed, no state)", LIBVIRT, f -> !f.live()),
            row(4, "the batch system does not know the node", LIBVIRT, f -> !f.known()),
            row(5, "the batch system reports the node down", LIBVIRT, Facts::down),
            row(6, "online, a job runs here with resources, a sibling could preempt it", State.RUNNING_PREEMPTIBLE,
                    f -> f.online() && f.job() && f.resources() && f.siblingCouldPreempt()),
            row(7, "online, a job runs here with resources", State.RUNNING,
                    f -> f.online() && f.job() && f.resources()),
            row(8, "a sibling runs a job; this node is offline, or holds a job without resources", State.PREEMPTED,
                    f -> f.siblingRuns() && (f.offline() || (f.job() && !f.resources()))),
            row(9, "online, no job here, a sibling runs a job, this priority is above theirs",
                    State.OCCUPIED_WOULD_PREEMPT, f -> f.online() && !f.job() && f.siblingRuns() && f.aboveRunningSiblings()),
            row(10, "online, no job here, a sibling runs a job", State.OCCUPIED,
                    f -> f.online() && !f.job() && f.siblingRuns()),
            row(11, "online, no job here, no sibling runs a job", State.FREE,
                    f -> f.online() && !f.job() && !f.siblingRuns()),
            row(12, "anything else (offline with no sibling running: taken out by an administrator)", LIBVIRT,
                    f -> true));

    /** The first row that holds. */
    public static Verdict decide(Facts f) {
        for (Rule r : RULES) {
            if (r.test().test(f)) {
                return new Verdict(r.apply(f), r);
            }
        }
        throw new AssertionError("the last row always matches");
    }

    /**
     * The state of {@code self} among {@code siblings} (the other domains of the same host).
     * {@code nodes}: the job source's nodes, or null when no job source is configured (then the
     * result is libvirt's state).
     */
    public static Verdict classify(Domain self, List<Domain> siblings, NodeIndex nodes) {
        return decide(facts(self, siblings, nodes));
    }

    /** Every domain of one host, each against the others, in the order given. */
    public static List<Verdict> host(List<Domain> domains, NodeIndex nodes) {
        List<Verdict> out = new ArrayList<>(domains.size());
        for (Domain d : domains) {
            List<Domain> siblings = new ArrayList<>(domains);
            siblings.remove(d);
            out.add(classify(d, siblings, nodes));
        }
        return out;
    }

    public static Facts facts(Domain self, List<Domain> siblings, NodeIndex nodes) {
        if (nodes == null) {
            return new Facts(false, self.libvirt(), null, false, false, false);
        }
        NodeView node = nodes.find(self.name()).orElse(null);
        boolean runs = false;
        boolean couldPreempt = false;
        int highestRunning = Integer.MIN_VALUE;
        for (Domain s : siblings) {
            NodeView n = nodes.find(s.name()).orElse(null);
            if (n == null || !live(s.libvirt()) || !n.online()) {
                continue;
            }
            if (n.hasJob() && n.resources()) {
                runs = true;
                highestRunning = Math.max(highestRunning, s.priority());
            }
            couldPreempt |= s.priority() > self.priority();
        }
        return new Facts(true, self.libvirt(), node, runs, couldPreempt, runs && self.priority() > highestRunning);
    }

    static boolean live(DomainState s) {
        return s == DomainState.RUNNING || s == DomainState.BLOCKED;
    }
}
