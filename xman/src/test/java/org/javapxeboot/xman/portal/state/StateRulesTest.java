package org.javapxeboot.xman.portal.state;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.javapxeboot.xman.portal.state.NodeView.Availability;
import org.javapxeboot.xman.portal.state.StateRules.Domain;
import org.javapxeboot.xman.portal.state.StateRules.Verdict;
import org.javapxeboot.xman.vm.VmControl.DomainState;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

/**
 * METACentrum's host skirit80 runs domains skirit80-1 and skirit80-2; PBS knows them by their DNS
 * names. Each of the seven states through the table, the libvirt fallbacks, and every row reached.
 */
class StateRulesTest {
    static final Set<Integer> ROWS_HIT = new TreeSet<>();

    static final NodeView FREE = new NodeView(Availability.ONLINE, 0, true);
    static final NodeView JOB = new NodeView(Availability.ONLINE, 1, true);
    static final NodeView OFFLINE_WITH_JOB = new NodeView(Availability.OFFLINE, 1, false);
    static final NodeView OFFLINE = new NodeView(Availability.OFFLINE, 0, true);

    static Domain d1(DomainState s, int priority) {
        return new Domain("skirit80-1", s, priority);
    }

    static Domain d2(DomainState s, int priority) {
        return new Domain("skirit80-2", s, priority);
    }

    static NodeIndex nodes(NodeView one, NodeView two) {
        Map<String, NodeView> m = new LinkedHashMap<>();
        if (one != null) {
            m.put("skirit80-1.ics.muni.cz", one);
        }
        if (two != null) {
            m.put("skirit80-2.ics.muni.cz", two);
        }
        return NodeIndex.of(m);
    }

    /** skirit80-1's state when skirit80-2 is the sibling. */
    static State first(Domain one, Domain two, NodeIndex nodes) {
        Verdict v = StateRules.classify(one, List.of(two), nodes);
        ROWS_HIT.add(v.rule().number());
        return v.state();
    }

    @Test
    void free() {
        assertEquals(State.FREE, first(d1(DomainState.RUNNING, 0), d2(DomainState.RUNNING, 0), nodes(FREE, FREE)));
        // a sibling that is paused, or whose node is offline, runs nothing: still free
        assertEquals(State.FREE, first(d1(DomainState.RUNNING, 0), d2(DomainState.PAUSED, 0), nodes(FREE, JOB)));
        assertEquals(State.FREE, first(d1(DomainState.BLOCKED, 0), d2(DomainState.RUNNING, 0), nodes(FREE, OFFLINE_WITH_JOB)));
    }

    @Test
    void occupiedWouldPreempt() {
        assertEquals(State.OCCUPIED_WOULD_PREEMPT, first(d1(DomainState.RUNNING, 10), d2(DomainState.RUNNING, 0), nodes(FREE, JOB)));
    }

    @Test
    void occupied() {
        assertEquals(State.OCCUPIED, first(d1(DomainState.RUNNING, 0), d2(DomainState.RUNNING, 0), nodes(FREE, JOB)));
        assertEquals(State.OCCUPIED, first(d1(DomainState.RUNNING, 0), d2(DomainState.RUNNING, 5), nodes(FREE, JOB)));
    }

    @Test
    void runningPreemptible() {
        assertEquals(State.RUNNING_PREEMPTIBLE, first(d1(DomainState.RUNNING, 0), d2(DomainState.RUNNING, 10), nodes(JOB, FREE)));
    }

    @Test
    void running() {
        assertEquals(State.RUNNING, first(d1(DomainState.RUNNING, 10), d2(DomainState.RUNNING, 0), nodes(JOB, FREE)));
        assertEquals(State.RUNNING, first(d1(DomainState.RUNNING, 0), d2(DomainState.RUNNING, 0), nodes(JOB, FREE)));
        // a higher-priority sibling that is down in the batch system cannot preempt
        assertEquals(State.RUNNING, first(d1(DomainState.RUNNING, 0), d2(DomainState.RUNNING, 10),
                nodes(JOB, new NodeView(Availability.DOWN, 0, true))));
    }

    @Test
    void preempted() {
        // the seed's case: the other domain took the resources; this one is offline and still holds its job
        assertEquals(State.PREEMPTED, first(d1(DomainState.RUNNING, 0), d2(DomainState.RUNNING, 10), nodes(OFFLINE_WITH_JOB, JOB)));
        // online, holding a job, but without resources
        assertEquals(State.PREEMPTED, first(d1(DomainState.RUNNING, 0), d2(DomainState.RUNNING, 10),
                nodes(new NodeView(Availability.ONLINE, 1, false), JOB)));
    }

    @Test
    void frozen() {
        assertEquals(State.FROZEN, first(d1(DomainState.PAUSED, 0), d2(DomainState.RUNNING, 0), nodes(JOB, FREE)));
        assertEquals(State.FROZEN, first(d1(DomainState.PMSUSPENDED, 0), d2(DomainState.RUNNING, 0), nodes(FREE, FREE)));
    }

    @Test
    void withoutAJobSourceTheLibvirtStateIsShown() {
        for (DomainState s : DomainState.values()) {
            Verdict v = StateRules.classify(d1(s, 10), List.of(d2(DomainState.RUNNING, 0)), null);
            ROWS_HIT.add(v.rule().number());
            assertEquals(State.of(s), v.state(), s.name());
            assertEquals(1, v.rule().number());
            assertTrue(!v.state().isBatch());
        }
        assertEquals(State.VM_PAUSED, StateRules.classify(d1(DomainState.PAUSED, 0), List.of(), null).state());
    }

    @Test
    void whereTheBatchSystemSaysNothingTheLibvirtStateIsShown() {
        // not running in libvirt
        assertEquals(State.VM_SHUTOFF, first(d1(DomainState.SHUTOFF, 0), d2(DomainState.RUNNING, 0), nodes(JOB, FREE)));
        assertEquals(State.VM_CRASHED, first(d1(DomainState.CRASHED, 0), d2(DomainState.RUNNING, 0), nodes(JOB, FREE)));
        // a node the batch system does not know
        assertEquals(State.VM_RUNNING, first(d1(DomainState.RUNNING, 0), d2(DomainState.RUNNING, 0), nodes(null, JOB)));
        // down in the batch system
        assertEquals(State.VM_BLOCKED, first(d1(DomainState.BLOCKED, 0), d2(DomainState.RUNNING, 0),
                nodes(new NodeView(Availability.DOWN, 0, true), FREE)));
        // offline with nothing running next to it: an administrator took it out
        assertEquals(State.VM_RUNNING, first(d1(DomainState.RUNNING, 0), d2(DomainState.RUNNING, 0), nodes(OFFLINE, FREE)));
    }

    @Test
    void aHostIsClassifiedDomainByDomainAgainstItsSiblings() {
        List<Verdict> v = StateRules.host(List.of(d1(DomainState.RUNNING, 0), d2(DomainState.RUNNING, 10)), nodes(OFFLINE_WITH_JOB, JOB));
        assertEquals(List.of(State.PREEMPTED, State.RUNNING), v.stream().map(Verdict::state).toList());
    }

    @Test
    void nodesAreFoundByNameOrDnsName() {
        Map<String, NodeView> m = new LinkedHashMap<>();
        m.put("skirit80-1.ics.muni.cz", JOB);
        m.put("Skirit81-1", FREE);
        m.put("twin.a.example", FREE);
        m.put("twin.b.example", JOB);
        NodeIndex i = NodeIndex.of(m);
        assertEquals(JOB, i.find("skirit80-1").orElseThrow());
        assertEquals(JOB, i.find("skirit80-1.ics").orElseThrow());
        assertEquals(JOB, i.find("SKIRIT80-1.ics.muni.cz").orElseThrow());
        assertEquals(FREE, i.find("skirit81-1").orElseThrow());
        assertTrue(i.find("skirit80").isEmpty(), "a name is matched whole, never as a part of a label");
        assertTrue(i.find("skirit80-1.ics.muni").orElseThrow() == JOB);
        assertTrue(i.find("twin").isEmpty(), "two nodes extend 'twin': ambiguous, so no node rather than a guess");
        assertEquals(FREE, i.find("twin.a").orElseThrow());
    }

    @Test
    void everyStateHasALegendAndTheSevenAreReachable() {
        assertEquals(7, State.BATCH.size());
        assertEquals(List.of("free", "occupied-would-preempt", "occupied", "running-preemptible", "running", "preempted",
                "frozen"), State.BATCH.stream().map(State::label).toList());
        for (State s : State.values()) {
            assertTrue(s.legend().endsWith("."), s + ": " + s.legend());
            assertEquals(s.isBatch(), State.BATCH.contains(s), s.name());
        }
        Set<State> reached = new java.util.HashSet<>();
        StateRules.RULES.forEach(r -> { if (r.state() != null) reached.add(r.state()); });
        assertEquals(Set.copyOf(State.BATCH), reached, "each of the seven has its row");
        assertEquals("vm-shut-off", State.VM_SHUTOFF.token());
        assertEquals("occupied-would-preempt", State.OCCUPIED_WOULD_PREEMPT.token());
    }

    /** Every row of the table is the answer for at least one case above (run with the whole class). */
    @AfterAll
    static void everyRowIsReached() {
        List<Integer> all = new ArrayList<>();
        StateRules.RULES.forEach(r -> all.add(r.number()));
        if (ROWS_HIT.size() > 1) { // only meaningful when the whole class ran
            assertEquals(all, new ArrayList<>(ROWS_HIT), "rows reached by the cases");
        }
    }
}
