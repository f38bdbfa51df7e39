package org.javapxeboot.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code javapxeboot fetch http://... -o FILE} in a child JVM, stopped by SIGTERM in the middle of the
 * body: its temporary file (mode 0600) is gone once it has exited. The server sends the head and a
 * first part of the body, then nothing until the test ends; the fetch's stall timeout is far longer.
 * Nothing waits on time: the test waits for the server to have sent the first bytes, then for the exit.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class HttpFetchSignalTest {
    @TempDir Path dir;

    @Test void sigtermDeletesThePartialFile() throws Exception {
        CountDownLatch sent = new CountDownLatch(1), release = new CountDownLatch(1);
        try (RawServer s = new RawServer((head, out) -> {
            out.write(RawServer.ascii("HTTP/1.1 200 OK\r\nContent-Length: 10000000\r\n\r\n"));
            out.write(new byte[100_000]);
            out.flush();
            sent.countDown();
            try {
                release.await();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        })) {
            Path java = Path.of(System.getProperty("java.home"), "bin", "java");
            Process p = new ProcessBuilder("/usr/bin/env", "--default-signal=INT,TERM,HUP", java.toString(), "-cp",
                    System.getProperty("java.class.path"), "org.javapxeboot.cli.Main", "fetch", "-q", "--stall-timeout", "600",
                    s.url("/initrd.gz"), "-o", dir.resolve("initrd.gz").toString())
                    .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
            try {
                assertTrue(sent.await(60, TimeUnit.SECONDS), "the fetch never asked");
                List<Path> files;
                try (var l = Files.list(dir)) { files = l.toList(); }
                assertEquals(1, files.size(), files.toString());
                assertTrue(files.get(0).getFileName().toString().matches("\\.initrd\\.gz\\.[A-Za-z0-9]{6}"), files.toString());
                assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(files.get(0))));
                p.destroy(); // SIGTERM
                assertTrue(p.waitFor(60, TimeUnit.SECONDS));
                assertEquals(128 + 15, p.exitValue(), "ended by the signal");
                try (var l = Files.list(dir)) { assertEquals(List.of(), l.toList()); }
            } finally {
                release.countDown();
                if (p.isAlive()) p.destroyForcibly().waitFor();
            }
        }
    }
}
