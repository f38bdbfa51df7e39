package org.javapxeboot.xman.portal.fleet;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.javapxeboot.xman.portal.state.JsonFileJobSource;
import org.javapxeboot.xman.portal.state.State;
import org.javapxeboot.xman.vm.VmControl.DomainInfo;
import org.javapxeboot.xman.vm.VmControl.DomainState;
import org.javapxeboot.xman.wire.DomainMetadata;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The overview's labels with a job source: the state rules fed by the source, the domains and their priorities. */
class BatchStatesTest {
    static DomainInfo domain(String name, DomainState s) {
        return new DomainInfo(name, "u-" + name, 1, s, 1024, 1024, 1, 0, true, false);
    }

    static final DomainInfo A = domain("skirit80-1", DomainState.RUNNING), B = domain("skirit80-2", DomainState.RUNNING);
    static final Map<String, DomainMetadata> PRIORITIES = Map.of("skirit80-1", new DomainMetadata(0, List.of()),
            "skirit80-2", new DomainMetadata(10, List.of()));

    String label(BatchStates v, DomainInfo d) {
        return v.label("skirit80", d, PRIORITIES, List.of(A, B));
    }

    @Test
    void theSourceTheRulesAndThePrioritiesMakeTheLabel(@TempDir Path dir) throws Exception {
        Path f = dir.resolve("nodes.json");
        Files.writeString(f, "{\"nodes\":[{\"name\":\"skirit80-1.ics.muni.cz\",\"state\":\"busy\",\"jobs\":1,\"resources\":true},"
                + "{\"name\":\"skirit80-2.ics.muni.cz\",\"state\":\"free\",\"jobs\":0,\"resources\":false}]}");
        BatchStates v = new BatchStates(new JsonFileJobSource(f));
        // Not read yet: libvirt's state, and the note says so.
        assertEquals("running", label(v, A));
        assertTrue(v.note().contains("gave no answer: not read yet"), v.note());
        v.refresh();
        assertEquals(State.RUNNING_PREEMPTIBLE.label(), label(v, A), "a job runs; the sibling's priority is higher");
        assertEquals(State.OCCUPIED_WOULD_PREEMPT.label(), label(v, B), "no job, higher priority than the running sibling");
        assertEquals(State.FROZEN.label(), v.label("skirit80", domain("skirit80-2", DomainState.PAUSED), PRIORITIES, List.of(A, B)));
        // Without the priorities read (no metadata), nobody could preempt: running and occupied.
        assertEquals(State.RUNNING.label(), v.label("skirit80", A, Map.of(), List.of(A, B)));
        assertEquals(State.OCCUPIED.label(), v.label("skirit80", B, Map.of(), List.of(A, B)));
        assertTrue(v.note().startsWith("States from the batch system (" + f), v.note());
        assertTrue(v.needsMetadata());
        assertEquals(State.BATCH.stream().map(State::label).toList(),
                v.legend().stream().limit(7).map(StateView.Legend::state).toList(), "the seven first, in the seed's order");
    }

    @Test
    void aFailingSourceFallsBackToLibvirtAndSaysWhy(@TempDir Path dir) throws Exception {
        Path f = dir.resolve("nodes.json");
        Files.writeString(f, "{\"nodes\":[{\"name\":\"skirit80-1\",\"state\":\"busy\",\"jobs\":1}]}");
        BatchStates v = new BatchStates(new JsonFileJobSource(f));
        v.refresh();
        assertEquals(State.RUNNING.label(), label(v, A));
        Files.writeString(f, "{\"nodes\":[{\"name\":\"skirit80-1\",\"state\":\"\\u001b[2Jbusy\"}]}");
        Files.setLastModifiedTime(f, java.nio.file.attribute.FileTime.fromMillis(Files.getLastModifiedTime(f).toMillis() + 2000));
        v.refresh();
        assertEquals("running", label(v, A));
        assertEquals("shut off", v.label("skirit80", domain("skirit80-1", DomainState.SHUTOFF), PRIORITIES, List.of(A, B)));
        assertTrue(v.note().startsWith("The job source (" + f + ") gave no answer: "), v.note());
        assertTrue(!v.note().contains("\u001b"), "the source's text reaches the page escaped: " + v.note());
    }
}
