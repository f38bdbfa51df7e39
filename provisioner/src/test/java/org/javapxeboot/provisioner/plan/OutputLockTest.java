package org.javapxeboot.provisioner.plan;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.StringReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.javapxeboot.provisioner.Fixtures;
import org.javapxeboot.provisioner.model.ClusterLoader;
import org.javapxeboot.provisioner.render.Kickstart;
import org.javapxeboot.provisioner.storage.FileDisks;
import org.javapxeboot.xman.vm.LibvirtVmControl;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** One writer per output tree, inside one JVM and between processes. Latches, no sleeps. */
@Timeout(120)
class OutputLockTest {
    @TempDir Path dir;

    /** The holder line's parts, made without ProcessHandle or the JDK's formatters, say what those would. */
    @Test
    void theHolderLineNamesThisProcessAndTheTimeAsTheJdkWould() throws Exception {
        assertEquals(ProcessHandle.current().pid(), OutputLock.pid());
        for (long s : new long[] {0, 59, 86_399, 951_782_400 /* 2000-02-29 */, 1_796_466_080, 4_102_444_799L /* 2099-12-31T23:59:59 */}) {
            assertEquals(java.time.Instant.ofEpochSecond(s).toString(), OutputLock.utc(s), "second " + s);
        }
        try (OutputLock lock = OutputLock.acquire(dir.resolve("o"), Duration.ofSeconds(5), "writer A")) {
            String line = Files.readString(dir.resolve("o").resolve(OutputLock.FILE));
            assertTrue(line.matches("writer A since [0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}Z\n"), line);
        }
    }

    @Test
    void aSecondWriterFailsNamingTheHolderThenGetsItOnceReleased() throws Exception {
        Path out = dir.resolve("out");
        CountDownLatch held = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        List<String> order = Collections.synchronizedList(new ArrayList<>());
        CompletableFuture<Void> a = CompletableFuture.runAsync(() -> {
            try (OutputLock l = OutputLock.acquire(out, Duration.ZERO, "writer A")) {
                order.add("A has it");
                held.countDown();
                release.await();
                order.add("A releases");
            } catch (IOException | InterruptedException e) {
                throw new RuntimeException(e);
            }
        });
        assertTrue(held.await(60, TimeUnit.SECONDS));
        IOException busy = assertThrows(IOException.class, () -> OutputLock.acquire(out, Duration.ZERO, "writer B"));
        assertEquals(out + " is locked by writer A (waited 0 s; the lock is " + out.resolve(OutputLock.FILE) + ")",
                busy.getMessage());
        assertEquals("writer A", OutputLock.holder(out));
        // B waits (bounded, generously) and gets the lock once A is done, never while A has it
        CompletableFuture<Void> b = CompletableFuture.runAsync(() -> {
            try (OutputLock l = OutputLock.acquire(out, Duration.ofSeconds(60), "writer B")) {
                order.add("B has it");
            } catch (IOException e) {
                throw new RuntimeException(e);
            }
        });
        release.countDown();
        a.get(60, TimeUnit.SECONDS);
        b.get(60, TimeUnit.SECONDS);
        assertEquals(List.of("A has it", "A releases", "B has it"), order);
        assertEquals(null, OutputLock.holder(out));
    }

    @Test
    void reentrantForItsThread() throws Exception {
        Path out = dir.resolve("out");
        try (OutputLock outer = OutputLock.acquire(out, Duration.ZERO, "cli")) {
            try (OutputLock inner = OutputLock.acquire(out, Duration.ZERO, "apply")) {
                assertEquals("cli", OutputLock.holder(out));
            }
            assertEquals("cli", OutputLock.holder(out), "the inner release keeps the outer hold");
        }
    }

    /** Another process (python3's fcntl.lockf, the same POSIX lock the JDK takes) holds the tree. */
    @Test
    void anotherProcessHoldingTheLockIsNamed() throws Exception {
        Path python = Path.of("/usr/bin/python3");
        Assumptions.assumeTrue(Files.isExecutable(python), "python3 not installed");
        Path out = Files.createDirectories(dir.resolve("out"));
        Path file = out.resolve(OutputLock.FILE);
        Process p = new ProcessBuilder(python.toString(), "-c", "import fcntl,os,sys\n"
                + "f=open(sys.argv[1],'a+')\nfcntl.lockf(f,fcntl.LOCK_EX)\nf.truncate(0)\nf.write('provision apply (pid '+str(os.getpid())+')')\n"
                + "f.flush()\nprint('locked',flush=True)\nsys.stdin.read()\n", file.toString()).start();
        try (BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
            assertEquals("locked", r.readLine());
            IOException busy = assertThrows(IOException.class, () -> OutputLock.acquire(out, Duration.ZERO, "the test"));
            assertTrue(busy.getMessage().startsWith(out + " is locked by provision apply (pid " + p.pid() + ")"), busy.getMessage());
            // apply refuses too, and writes nothing
            var c = ClusterLoader.load("c.yaml", new StringReader("defaults:\n" + Fixtures.VARS
                    + "domains:\n  g1:\n    vif: [\"mac=52:54:00:00:00:01\"]\n"));
            Path node = Files.writeString(dir.resolve("node.xml"), "<node/>\n");
            try (LibvirtVmControl vm = new LibvirtVmControl("test://" + node)) {
                Provisioner prov = new Provisioner(c, Layout.of(out, null), new Kickstart(Fixtures.TEMPLATES), null,
                        new FileDisks(), vm, Provisioner.Options.DEFAULT, Reporter.SILENT);
                ProvisionException e = assertThrows(ProvisionException.class, () -> applyWithoutWaiting(prov, out));
                assertTrue(e.getMessage().contains("is locked by provision apply (pid " + p.pid() + ")"), e.getMessage());
                assertTrue(vm.list().isEmpty());
            }
            try (var files = Files.list(out)) {
                assertEquals(List.of(file), files.toList(), "nothing written");
            }
            p.getOutputStream().close(); // python exits, the kernel drops its lock
            assertTrue(p.waitFor(60, TimeUnit.SECONDS));
            try (OutputLock l = OutputLock.acquire(out, Duration.ofSeconds(60), "the test")) {
                assertEquals("the test", OutputLock.holder(out));
            }
        } finally {
            p.destroyForcibly();
        }
    }

    /** apply with the tree already contended: fails at once instead of after the default wait. */
    static Report applyWithoutWaiting(Provisioner prov, Path out) throws ProvisionException {
        return prov.apply(Duration.ZERO);
    }
}
