package org.javapxeboot.provisioner.storage;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** The runner's timeout, through Lvm as apply uses it, against scripts that hang. */
// a safety net against a hang (the bug: stdout read to its end before the deadline was checked), never the
// assertion; in its own thread, because a blocked pipe read ignores the interrupt
@Timeout(value = 60, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class ProcessCommandRunnerTest {
    @TempDir Path dir;

    Path script(String name, String body) throws Exception {
        Path p = dir.resolve(name);
        Files.writeString(p, "#!/bin/sh\n" + body);
        Files.setPosixFilePermissions(p, PosixFilePermissions.fromString("rwxr-xr-x"));
        return p;
    }

    static boolean alive(long pid) {
        return ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false);
    }

    /**
     * lv-ensure starts a child that sleeps 600 s and waits for it, holding stdout open: the
     * 1 s timeout fires, the script and its child are killed, and the error says so.
     */
    @Test
    void aHangingScriptIsKilledWithItsChildrenAtTheTimeout() throws Exception {
        Path pids = dir.resolve("pids");
        script("lv-ensure", "echo $$ > '" + pids + "'\nsleep 600 &\necho $! >> '" + pids + "'\necho started >&2\nwait\n"
                + "echo status=created\n");
        Lvm lvm = new Lvm(dir, new ProcessCommandRunner(Duration.ofSeconds(1)));
        StorageException e = assertThrows(StorageException.class, () -> lvm.lvEnsure("vg", "lv", 1 << 20, false, false));
        assertEquals(dir.resolve("lv-ensure") + " did not finish within 1 s; killed [started]", e.getMessage());
        List<String> lines = Files.readAllLines(pids);
        assertEquals(2, lines.size(), lines.toString());
        for (String pid : lines) {
            assertFalse(alive(Long.parseLong(pid.strip())), "process " + pid + " was killed");
        }
    }

    /** A script that closes its output but keeps running is timed out too. */
    @Test
    void aScriptThatClosedItsOutputIsTimedOut() throws Exception {
        Path s = script("quiet", "exec >/dev/null 2>&1\nexec sleep 600\n");
        StorageException e = assertThrows(StorageException.class,
                () -> new ProcessCommandRunner(Duration.ofMillis(500)).run(List.of(s.toString()), Map.of()));
        assertTrue(e.getMessage().endsWith("did not finish within 500 ms; killed"), e.getMessage());
    }

    @Test
    void aQuickScriptGivesItsOutputAndStatus() throws Exception {
        Path s = script("quick", "echo status=unchanged\necho oops >&2\nexit 3\n");
        CommandRunner.Result r = new ProcessCommandRunner(Duration.ofSeconds(60)).run(List.of(s.toString()), Map.of());
        assertEquals(new CommandRunner.Result(3, "status=unchanged\n", "oops\n"), r);
    }

    @Test
    void aTimeoutMustBePositive() {
        assertThrows(IllegalArgumentException.class, () -> new ProcessCommandRunner(Duration.ZERO));
    }
}
