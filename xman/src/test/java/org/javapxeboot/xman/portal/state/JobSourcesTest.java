package org.javapxeboot.xman.portal.state;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.javapxeboot.xman.portal.state.NodeView.Availability;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** Each source on its golden sample (hand-written from the documented formats), and hostile answers refused with a located message. */
@Timeout(60)
class JobSourcesTest {
    static final Path DIR = Path.of("src/test/resources/job-sources");

    static String sample(String name) throws Exception {
        return Files.readString(DIR.resolve(name), StandardCharsets.UTF_8);
    }

    static NodeView v(Availability a, int jobs, boolean resources) {
        return new NodeView(a, jobs, resources);
    }

    @Test
    void pbsnodesX() throws Exception {
        List<List<String>> ran = new ArrayList<>();
        String xml = sample("pbsnodes-x.xml");
        PbsJobSource pbs = new PbsJobSource((argv, deadline, max) -> {
            ran.add(argv);
            assertEquals(Duration.ofSeconds(20), deadline);
            assertEquals(16 << 20, max);
            return xml;
        }, PbsJobSource.COMMAND, PbsJobSource.DEADLINE);
        Map<String, NodeView> n = pbs.nodes();
        assertEquals(List.of(List.of("pbsnodes", "-x")), ran);
        assertEquals("pbsnodes -x", pbs.describe());
        assertEquals(List.of("skirit80-1.ics.muni.cz", "skirit80-2.ics.muni.cz", "skirit81-1.ics.muni.cz",
                "skirit81-2.ics.muni.cz", "skirit82-1.ics.muni.cz", "skirit82-2.ics.muni.cz", "skirit83-1.ics.muni.cz",
                "skirit83-2.ics.muni.cz"), List.copyOf(n.keySet()));
        assertEquals(v(Availability.ONLINE, 2, true), n.get("skirit80-1.ics.muni.cz")); // 4 CPU slots, 2 jobs
        assertEquals(v(Availability.OFFLINE, 1, false), n.get("skirit80-2.ics.muni.cz")); // np 0: preempted
        assertEquals(v(Availability.ONLINE, 0, true), n.get("skirit81-1.ics.muni.cz"));
        assertEquals(v(Availability.DOWN, 0, true), n.get("skirit82-1.ics.muni.cz")); // down,offline: down
        assertEquals(v(Availability.DOWN, 0, true), n.get("skirit82-2.ics.muni.cz"));
        assertEquals(v(Availability.ONLINE, 2, true), n.get("skirit83-1.ics.muni.cz")); // Torque 6 ranges
        assertEquals(v(Availability.ONLINE, 1, true), n.get("skirit83-2.ics.muni.cz")); // PBS Pro JOBID/CPU

        // through the table: skirit80-2 is preempted by skirit80-1, which runs
        List<StateRules.Verdict> host = StateRules.host(List.of(
                new StateRules.Domain("skirit80-1", org.javapxeboot.xman.vm.VmControl.DomainState.RUNNING, 10),
                new StateRules.Domain("skirit80-2", org.javapxeboot.xman.vm.VmControl.DomainState.RUNNING, 0)), NodeIndex.of(n));
        assertEquals(List.of(State.RUNNING, State.PREEMPTED), host.stream().map(StateRules.Verdict::state).toList());
    }

    @Test
    void scontrolShowNodeJson() throws Exception {
        String json = sample("scontrol-show-node.json");
        SlurmJobSource slurm = new SlurmJobSource((argv, d, m) -> {
            assertEquals(List.of("scontrol", "show", "node", "--json"), argv);
            return json;
        }, SlurmJobSource.COMMAND, SlurmJobSource.DEADLINE);
        Map<String, NodeView> n = slurm.nodes();
        assertEquals(6, n.size());
        assertEquals(v(Availability.ONLINE, 1, true), n.get("skirit80-1"));
        assertEquals(v(Availability.OFFLINE, 0, true), n.get("skirit80-2"));
        assertEquals(v(Availability.ONLINE, 1, true), n.get("skirit81-1"));
        assertEquals(v(Availability.ONLINE, 0, true), n.get("skirit81-2"));
        assertEquals(v(Availability.DOWN, 0, true), n.get("skirit82-1"));
        assertEquals(v(Availability.OFFLINE, 0, false), n.get("skirit82-2"));
        // older releases: the state as one string with '+' flags and sinfo's '*' for not responding
        Map<String, NodeView> old = SlurmJobSource.parse("scontrol", "{\"nodes\":[{\"name\":\"a\",\"state\":\"IDLE+DRAIN\"},"
                + "{\"name\":\"b\",\"state\":\"ALLOCATED\"},{\"name\":\"c\",\"state\":\"IDLE*\"},"
                + "{\"name\":\"d\",\"state\":\"MIXED\",\"alloc_cpus\":{\"set\":true,\"infinite\":false,\"number\":3}}]}");
        assertEquals(v(Availability.OFFLINE, 0, true), old.get("a"));
        assertEquals(v(Availability.ONLINE, 1, true), old.get("b"));
        assertEquals(v(Availability.DOWN, 0, true), old.get("c"));
        assertEquals(v(Availability.ONLINE, 1, true), old.get("d"));
    }

    @Test
    void jsonFileIsReadAgainOnlyWhenItChanged(@TempDir Path tmp) throws Exception {
        Path f = tmp.resolve("nodes.json");
        Files.copy(DIR.resolve("nodes.json"), f);
        Files.setLastModifiedTime(f, FileTime.fromMillis(1_000_000));
        JsonFileJobSource src = new JsonFileJobSource(f);
        Map<String, NodeView> n = src.nodes();
        assertEquals(v(Availability.ONLINE, 2, true), n.get("skirit80-1.ics.muni.cz"));
        assertEquals(v(Availability.OFFLINE, 1, false), n.get("skirit80-2.ics.muni.cz"));
        assertEquals(v(Availability.ONLINE, 0, true), n.get("skirit81-1.ics.muni.cz"));
        assertEquals(v(Availability.ONLINE, 1, true), n.get("skirit81-2.ics.muni.cz")); // busy: 1 job by default
        assertEquals(v(Availability.DOWN, 0, true), n.get("skirit82-1.ics.muni.cz"));
        assertSame(n, src.nodes(), "unchanged file: not read again");

        Files.writeString(f, "{\"nodes\":[{\"name\":\"x\",\"state\":\"free\"}]}");
        Files.setLastModifiedTime(f, FileTime.fromMillis(2_000_000));
        assertEquals(Map.of("x", v(Availability.ONLINE, 0, true)), src.nodes());

        Files.writeString(f, "{\"nodes\":[{\"name\":\"x\",\"state\":\"fre\"}]}");
        Files.setLastModifiedTime(f, FileTime.fromMillis(3_000_000));
        JobSourceException e = assertThrows(JobSourceException.class, src::nodes);
        assertEquals(f + ": nodes[0] (x): \"state\" must be free, busy, offline or down, got 'fre'", e.getMessage());
        assertThrows(JobSourceException.class, src::nodes, "a bad file stays an error; the old answer is not reused");
        Files.delete(f);
        assertTrue(assertThrows(JobSourceException.class, src::nodes).getMessage().startsWith(f + ": cannot read"));
    }

    // ---- hostile answers ----

    static String pbsError(String xml) {
        return assertThrows(JobSourceException.class, () -> PbsJobSource.parse("pbsnodes -x", xml)).getMessage();
    }

    @Test
    void aDoctypeIsRefusedSoNoEntityIsExpanded(@TempDir Path tmp) throws Exception {
        Path secret = Files.writeString(tmp.resolve("secret"), "s3cret");
        String xxe = "<?xml version=\"1.0\"?>\n<!DOCTYPE Data [\n<!ENTITY x SYSTEM \"" + secret.toUri() + "\">\n]>\n"
                + "<Data><Node><name>&x;</name><state>free</state></Node></Data>";
        String m = pbsError(xxe);
        assertTrue(m.startsWith("pbsnodes -x: line 2:"), m);
        assertTrue(m.contains("DOCTYPE"), m);
        assertTrue(!m.contains("s3cret"), m);
        String laughs = "<!DOCTYPE d [<!ENTITY a \"aaaaaaaaaa\"><!ENTITY b \"&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;\">]><Data/>";
        assertTrue(pbsError(laughs).startsWith("pbsnodes -x: line 1:"), pbsError(laughs));
    }

    @Test
    void brokenOrStrangePbsOutputIsLocated() {
        assertEquals("pbsnodes -x: line 3:1: XML document structures must start and end within the same entity.",
                pbsError("<Data>\n<Node><name>a</name><state>free</state></Node>\n"));
        assertEquals("pbsnodes -x: the root element is <html>, not pbsnodes' <Data>", pbsError("<html/>"));
        assertEquals("pbsnodes -x: <Node> 2: no <name>",
                pbsError("<Data><Node><name>a</name><state>free</state></Node><Node><state>free</state></Node></Data>"));
        assertEquals("pbsnodes -x: <Node> 1 (a): no <state>", pbsError("<Data><Node><name>a</name></Node></Data>"));
        assertEquals("pbsnodes -x: <Node> 1 (a): <np> 'lots' is not a whole number",
                pbsError("<Data><Node><name>a</name><state>free</state><np>lots</np></Node></Data>"));
        assertEquals("pbsnodes -x: <Node> 1 (a): <jobs> entry 'x' is neither CPU/JOBID nor JOBID/CPU",
                pbsError("<Data><Node><name>a</name><state>free</state><jobs>x</jobs></Node></Data>"));
        assertEquals("pbsnodes -x: <Node> 2 (a): node 'a' is listed twice",
                pbsError("<Data><Node><name>a</name><state>free</state></Node><Node><name>a</name><state>free</state></Node></Data>"));
        // a name that would be markup or a terminal escape on the page or in the log
        assertEquals("pbsnodes -x: <Node> 1 (<b>x\\x85\\x0a): node name '<b>x\\x85\\x0a' is not a host name (letters, digits, _ . -, at most 253)",
                pbsError("<Data><Node><name>&lt;b&gt;x\u0085\n</name><state>free</state></Node></Data>"));
    }

    @Test
    void hugeOutputIsRefused() {
        String huge = "<Data>" + "<Node><name>n</name></Node>".repeat((16 << 20) / 27 + 1) + "</Data>";
        assertEquals("pbsnodes -x: output is over 16 MiB; refused", pbsError(huge));
        assertEquals("scontrol: output is over 16 MiB; refused", assertThrows(JobSourceException.class,
                () -> SlurmJobSource.parse("scontrol", " ".repeat((16 << 20) + 1) + "{}")).getMessage());
    }

    @Test
    void badJsonIsLocated() {
        JobSourceException e = assertThrows(JobSourceException.class,
                () -> SlurmJobSource.parse("scontrol show node --json", "{\n  \"nodes\": [\n    {\"name\": \"a\",}\n  ]\n}"));
        assertTrue(e.getMessage().startsWith("scontrol show node --json: line 3:"), e.getMessage());
        assertEquals("scontrol: scontrol reports an error: Unable to query nodes", assertThrows(JobSourceException.class,
                () -> SlurmJobSource.parse("scontrol", "{\"nodes\":[],\"errors\":[{\"description\":\"Unable to query nodes\",\"error_number\":1}]}"))
                .getMessage());
        assertEquals("scontrol: nodes[0] (a): \"state\" must be a string or an array of strings, got a number",
                assertThrows(JobSourceException.class, () -> SlurmJobSource.parse("scontrol", "{\"nodes\":[{\"name\":\"a\",\"state\":3}]}")).getMessage());
        assertEquals("scontrol: nodes[0] (a): a CPU count must be a whole number from 0, got -4",
                assertThrows(JobSourceException.class, () -> SlurmJobSource.parse("scontrol",
                        "{\"nodes\":[{\"name\":\"a\",\"state\":\"IDLE\",\"alloc_cpus\":-4}]}")).getMessage());
        assertEquals("f.json: \"nodes\" must be an array, got a string", assertThrows(JobSourceException.class,
                () -> JsonFileJobSource.parse("f.json", "{\"nodes\":\"all\"}")).getMessage());
        assertEquals("f.json: nodes[0]: unknown key \"job\"; known: jobs, name, resources, state", assertThrows(JobSourceException.class,
                () -> JsonFileJobSource.parse("f.json", "{\"nodes\":[{\"name\":\"a\",\"state\":\"busy\",\"job\":2}]}")).getMessage());
        assertEquals("f.json: nodes[0] (a): state free with 2 jobs; write busy", assertThrows(JobSourceException.class,
                () -> JsonFileJobSource.parse("f.json", "{\"nodes\":[{\"name\":\"a\",\"state\":\"free\",\"jobs\":2}]}")).getMessage());
        assertEquals("f.json: nodes[0] (a): \"jobs\" must be a whole number from 0 to 1000000, got 99999999999",
                assertThrows(JobSourceException.class, () -> JsonFileJobSource.parse("f.json",
                        "{\"nodes\":[{\"name\":\"a\",\"state\":\"busy\",\"jobs\":99999999999}]}")).getMessage());
        String deep = "{\"nodes\":" + "[".repeat(100) + "]".repeat(100) + "}";
        assertTrue(assertThrows(JobSourceException.class, () -> JsonFileJobSource.parse("f.json", deep)).getMessage()
                .startsWith("f.json: line 1:"));
    }

    // ---- the process runner: real processes, outcomes that do not depend on timing ----

    @Test
    void theRunnerReturnsStdoutAndNamesAFailure() throws Exception {
        ProcessCommandRunner r = new ProcessCommandRunner();
        assertEquals("<Data/>\n", r.run(List.of("sh", "-c", "echo '<Data/>'"), Duration.ofSeconds(30), 1024));
        assertEquals("sh -c echo 'pbs_connect: no server' >&2; exit 3: exited with status 3: pbs_connect: no server",
                assertThrows(JobSourceException.class, () -> r.run(List.of("sh", "-c", "echo 'pbs_connect: no server' >&2; exit 3"),
                        Duration.ofSeconds(30), 1024)).getMessage());
        assertTrue(assertThrows(JobSourceException.class, () -> r.run(List.of("/nonexistent/pbsnodes", "-x"),
                Duration.ofSeconds(30), 1024)).getMessage().startsWith("/nonexistent/pbsnodes -x: cannot run: "));
    }

    @Test
    void endlessOutputIsCutAtTheBound() {
        JobSourceException e = assertThrows(JobSourceException.class,
                () -> new ProcessCommandRunner().run(List.of("yes"), Duration.ofSeconds(50), 1 << 20));
        assertEquals("yes: output is over 1048576 bytes; refused", e.getMessage());
    }

    @Test
    void aHungCommandIsKilledAtItsDeadline() {
        // sleeps far past the deadline: the outcome is the same on any machine
        JobSourceException e = assertThrows(JobSourceException.class,
                () -> new ProcessCommandRunner().run(List.of("sleep", "600"), Duration.ofMillis(200), 1024));
        assertEquals("sleep 600: did not finish within 200 ms; killed", e.getMessage());
    }
}
