package org.javapxeboot.net;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.DatagramChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The JNI offload library against the running kernel, over loopback; and its pure address mapping. */
class UdpOffloadTest {

    static boolean compilerPresent() throws IOException, InterruptedException {
        Process p = new ProcessBuilder("sh", "-c", "command -v \"${CC:-cc}\"").redirectErrorStream(true).start();
        p.getInputStream().readAllBytes();
        return p.waitFor() == 0;
    }

    @Test void theLibraryIsBuiltWhereverACompilerIs() throws Exception {
        Assumptions.assumeTrue(compilerPresent(), "no C compiler on PATH: the build skips the library by design");
        assertTrue(UdpOffload.available(), "mvn compile should have built target/native/libjavapxeboot.so: "
            + UdpOffload.unavailableReason());
    }

    /** Copies target/classes (with the bundled library, without target/native beside it) to {@code dir}/classes. */
    static Path classesWithoutNativeDir(Path dir) throws IOException {
        Path classes;
        try {
            classes = Path.of(UdpOffload.class.getProtectionDomain().getCodeSource().getLocation().toURI());
        } catch (java.net.URISyntaxException e) {
            throw new IOException(e);
        }
        Path copy = dir.resolve("classes");
        try (Stream<Path> all = Files.walk(classes)) {
            for (Path p : (Iterable<Path>) all::iterator) {
                Path to = copy.resolve(classes.relativize(p).toString());
                if (Files.isDirectory(p)) Files.createDirectories(to);
                else Files.copy(p, to);
            }
        }
        return copy;
    }

    /** `java -cp CLASSES org.javapxeboot.cli.Main --version -v` with java.io.tmpdir set to {@code tmp}; its stdout. */
    static String versionVerbose(Path classes, Path tmp) throws Exception {
        Process p = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
            "-Djava.io.tmpdir=" + tmp, "-cp", classes.toString(), "org.javapxeboot.cli.Main", "--version", "-v")
            .redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertEquals(0, p.waitFor(), out);
        return out;
    }

    @Test void aJarWithoutNativeBesideItLoadsTheBundledCopyAndLeavesNoTemporaryFile(@TempDir Path dir) throws Exception {
        Assumptions.assumeTrue(UdpOffload.available(), UdpOffload.unavailableReason());
        Path classes = classesWithoutNativeDir(dir);
        Path res = classes.resolve("org/javapxeboot/net").resolve(UdpOffload.resourceName(System.getProperty("os.arch")));
        assertTrue(Files.isRegularFile(res), "mvn compile bundles the library: " + res);
        Path tmp = Files.createDirectories(dir.resolve("tmp"));
        String out = versionVerbose(classes, tmp);
        assertTrue(out.contains("UDP offload: loaded from file:" + res), out);
        try (Stream<Path> left = Files.list(tmp)) {
            assertEquals(List.of(), left.collect(Collectors.toList()), "the extracted copy is deleted once loaded");
        }

        Files.write(res, "not an ELF file".getBytes(StandardCharsets.US_ASCII));
        out = versionVerbose(classes, tmp);
        assertTrue(out.contains("UDP offload: unavailable (cannot load file:" + res), out);
        try (Stream<Path> left = Files.list(tmp)) {
            assertEquals(List.of(), left.collect(Collectors.toList()), "a copy that fails to load is deleted too");
        }

        Files.delete(res);
        out = versionVerbose(classes, tmp);
        assertTrue(out.contains("UDP offload: unavailable (no native library at " + dir.resolve("native/libjavapxeboot.so")
            + " nor a " + UdpOffload.resourceName(System.getProperty("os.arch")) + " resource in the jar)"), out);
    }

    static DatagramChannel open() throws IOException {
        DatagramChannel ch = DatagramChannel.open();
        ch.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
        return ch;
    }

    /** 10 datagrams of 100 bytes and one of 50, numbered by their first byte. */
    static ByteBuffer batch() {
        ByteBuffer b = ByteBuffer.allocateDirect(1050);
        for (int i = 0; i < 1050; i++) b.put((byte) (i / 100));
        return b.flip();
    }

    @Test void aBatchSentWithGsoArrivesCoalescedWithItsSegmentSize() throws Exception {
        Assumptions.assumeTrue(UdpOffload.available(), UdpOffload.unavailableReason());
        try (DatagramChannel tx = open(); DatagramChannel rx = open()) {
            assertTrue(UdpOffload.setSegmentSize(tx, 100));
            assertEquals(100, UdpOffload.segmentSize(tx));
            assertTrue(UdpOffload.enableGro(rx));
            assertTrue(UdpOffload.groEnabled(rx));
            int fd = UdpOffload.fd(rx);
            assertTrue(fd >= 0, "fd " + fd);
            ByteBuffer in = ByteBuffer.allocateDirect(65536);
            int[] meta = new int[8];
            assertEquals(UdpOffload.EAGAIN, UdpOffload.receive(fd, in, meta), "nothing queued yet");

            tx.send(batch(), rx.getLocalAddress());
            int n = -1;
            for (int i = 0; i < 10_000 && (n = UdpOffload.receive(fd, in, meta)) == UdpOffload.EAGAIN; i++) Thread.sleep(1);
            assertEquals(1050, n, "one receive returns the whole batch");
            assertEquals(100, meta[0], "the segment size");
            assertEquals(0, meta[1], "not truncated");
            assertEquals(((InetSocketAddress) tx.getLocalAddress()).getPort(), meta[2]);
            for (int i = 0; i < 1050; i++) assertEquals(i / 100, in.get(i), "byte " + i);
            InetSocketAddress from = new UdpOffload.Sources().of(meta);
            assertEquals(tx.getLocalAddress(), from);
        }
    }

    @Test void withoutGroTheKernelCutsTheBatchIntoDatagrams() throws Exception {
        Assumptions.assumeTrue(UdpOffload.available(), UdpOffload.unavailableReason());
        try (DatagramChannel tx = open(); DatagramChannel rx = open()) {
            assertTrue(UdpOffload.setSegmentSize(tx, 100));
            tx.send(batch(), rx.getLocalAddress());
            List<Integer> sizes = new ArrayList<>();
            ByteBuffer in = ByteBuffer.allocate(65536);
            while (sizes.size() < 11) {
                in.clear();
                rx.receive(in);
                sizes.add(in.position());
                assertEquals(sizes.size() - 1, in.get(0), "datagrams arrive in order");
            }
            assertEquals(List.of(100, 100, 100, 100, 100, 100, 100, 100, 100, 100, 50), sizes);
        }
    }

    @Test void aClosedChannelHasNoDescriptor() throws Exception {
        Assumptions.assumeTrue(UdpOffload.available(), UdpOffload.unavailableReason());
        DatagramChannel ch = open();
        ch.close();
        assertTrue(UdpOffload.fd(ch) < 0);
        assertFalse(UdpOffload.enableGro(ch));
        assertFalse(UdpOffload.setSegmentSize(ch, 100));
    }

    @Test void sourcesMapAddressesLikeTheJdkAndReuseTheLastOne() {
        UdpOffload.Sources s = new UdpOffload.Sources();
        int[] v4 = {0, 0, 69, 4, 0x0A4D0004, 0, 0, 0};
        InetSocketAddress a = s.of(v4);
        assertEquals(new InetSocketAddress("10.77.0.4", 69), a);
        assertInstanceOf(Inet4Address.class, a.getAddress());
        assertSame(a, s.of(v4), "same source, same object");
        int[] mapped = {0, 0, 69, 6, 0, 0, 0xFFFF, 0x0A4D0004};
        assertSame(a, s.of(mapped), "::ffff:10.77.0.4 is 10.77.0.4, as DatagramChannel.receive says");
        int[] otherPort = {0, 0, 70, 4, 0x0A4D0004, 0, 0, 0};
        assertNotSame(a, s.of(otherPort));
        assertEquals(70, s.of(otherPort).getPort());
        int[] v6 = {0, 0, 69, 6, 0x20010db8, 0, 0, 1};
        InetSocketAddress b = s.of(v6);
        assertInstanceOf(Inet6Address.class, b.getAddress());
        assertEquals(new InetSocketAddress("2001:db8::1", 69), b);
    }
}
