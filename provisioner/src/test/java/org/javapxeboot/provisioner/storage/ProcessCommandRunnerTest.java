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

    /**
     * A deadline that expires once the script says it is ready (a line into a FIFO), not after
     * some time: the script has certainly done everything before that line.
     */
    ProcessCommandRunner.Deadline expiresWhenReady(Path fifo) throws Exception {
        Process mk = new ProcessBuilder("mkfifo", fifo.toString()).start();
        assertEquals(0, mk.waitFor());
        return (p, timeout) -> {
            try (var r = Files.newBufferedReader(fifo)) { // blocks until the script opens it to write
                assertEquals("ready", r.readLine());
            } catch (java.io.IOException e) {
                throw new AssertionError(e);
            }
            return false;
        };
    }

    /**
     * Dead: gone, or a zombie nobody reaps (the container's init may not). The kernel ends a SIGKILLed
     * process on its own, so this only waits for that event; the 6 000 polls (60 s) only stop a hang.
     */
    static boolean dies(long pid) throws InterruptedException {
        Path stat = Path.of("/proc/" + pid + "/stat");
        for (int poll = 0; poll < 6_000; poll++) {
            try {
                String st = Files.readString(stat);
                char state = st.charAt(st.lastIndexOf(')') + 2);
                if (state == 'Z' || state == 'X') {
                    return true;
                }
            } catch (java.io.IOException gone) {
                return true;
            }
            Thread.sleep(10); // not a spin: a busy 2-core machine needs its cores for the kill
        }
        return false;
    }

    /**
     * lv-ensure starts a child that sleeps 600 s and waits for it, holding stdout open: at the
     * deadline the script and its child are killed, and the error says so with the last line of
     * stderr (read to its end after the kill).
     */
    @Test
    void aHangingScriptIsKilledWithItsChildrenAtTheTimeout() throws Exception {
        Path pids = dir.resolve("pids");
        Path fifo = dir.resolve("ready");
        script("lv-ensure", "echo $$ > '" + pids + "'\nsleep 600 &\necho $! >> '" + pids + "'\necho started >&2\n"
                + "echo ready > '" + fifo + "'\nwait\necho status=created\n");
        Lvm lvm = new Lvm(dir, new ProcessCommandRunner(Duration.ofSeconds(1), expiresWhenReady(fifo)));
        StorageException e = assertThrows(StorageException.class, () -> lvm.lvEnsure("vg", "lv", 1 << 20, false, false));
        assertEquals(dir.resolve("lv-ensure") + " did not finish within 1 s; killed [started]", e.getMessage());
        List<String> lines = Files.readAllLines(pids);
        assertEquals(2, lines.size(), lines.toString());
        for (String pid : lines) {
            assertTrue(dies(Long.parseLong(pid.strip())), "process " + pid + " was killed");
        }
    }

    /**
     * A child that double-forked is no descendant of the script any more (its parent is gone),
     * but it is in the script's process group: killed at the deadline with the rest.
     */
    @Test
    void aDoubleForkedChildIsKilledWithTheScriptsGroup() throws Exception {
        Path orphan = dir.resolve("orphan");
        Path fifo = dir.resolve("ready");
        Path s = script("lv-ensure", "(sleep 600 & echo $! > '" + orphan + "')\necho ready > '" + fifo + "'\nexec sleep 600\n");
        long pid = -1;
        try {
            assertThrows(StorageException.class,
                    () -> new ProcessCommandRunner(Duration.ofSeconds(1), expiresWhenReady(fifo)).run(List.of(s.toString()), Map.of()));
            pid = Long.parseLong(Files.readString(orphan).strip());
            assertTrue(dies(pid), "the double-forked child " + pid + " was killed");
        } finally {
            if (pid > 0) {
                ProcessHandle.of(pid).ifPresent(ProcessHandle::destroyForcibly);
            }
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
