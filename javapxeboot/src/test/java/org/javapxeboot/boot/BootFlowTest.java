package org.javapxeboot.boot;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.javapxeboot.dhcp.DhcpLease;
import org.javapxeboot.net.MacAddress;
import org.javapxeboot.xen.OutputFormat;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class BootFlowTest {
    static final MacAddress MAC = MacAddress.parse("aa:00:86:e2:35:72");
    /** pxelinux tries the UUID sent in option 97 first; ours is made from the MAC. */
    static final String UUID_NAME = "pxelinux.cfg/00000000-0000-1000-8000-aa0086e23572";

    @TempDir Path root;
    @TempDir Path xen;
    ByteArrayOutputStream stdout = new ByteArrayOutputStream();
    List<List<String>> pygrubRuns = new ArrayList<>();

    static Inet4Address ip(String s) throws Exception { return (Inet4Address) InetAddress.getByName(s); }

    DhcpLease lease(String bootFile, String configFile, String prefix) throws Exception {
        return new DhcpLease(ip("10.0.0.50"), ip("10.0.0.1"), ip("10.0.0.1"), bootFile, configFile, prefix,
                ip("255.255.255.0"), ip("10.0.0.254"), List.of(), null, null, 3600);
    }

    BootRequest request(String output, OutputFormat format, String entry, String extra) {
        return new BootRequest(MAC, null, entry, extra, output, format, xen, false, false, null, null,
                new InetSocketAddress("255.255.255.255", 67), 68, 69, Duration.ofSeconds(5), null,
                BootRequest.DEFAULT_MAX_FILE_SIZE, 0, 0, -1, "/dev/xvda", null, List.of("--output=" + output), false);
    }

    BootFlow flow(Network n) {
        return new BootFlow(n, Log.silent(), cmd -> { pygrubRuns.add(cmd); return 0; }, new PrintStream(stdout, true));
    }

    void write(String path, String text) throws Exception {
        Path p = root.resolve(path);
        Files.createDirectories(p.getParent());
        Files.writeString(p, text, StandardCharsets.ISO_8859_1);
    }

    @BeforeEach
    void tree() throws Exception {
        write("boot/linux", "KERNEL-BYTES");
        write("boot/initrd-a", "AAAA");
        write("boot/initrd-b", "BBBB");
    }

    @Test
    void searchOrderStopsAtTheFirstConfigFound() throws Exception {
        write("pxelinux.cfg/0A000032", "label x\n kernel boot/linux\n");
        write("pxelinux.cfg/default", "label wrong\n kernel boot/none\n");
        DirectoryNetwork net = new DirectoryNetwork(root, lease("pxelinux.0", null, null));
        BootFlow.Outcome o = flow(net).run(request("-", OutputFormat.SIMPLE, null, null));
        assertEquals("x", o.entry().label());
        assertEquals(List.of(UUID_NAME, "pxelinux.cfg/01-aa-00-86-e2-35-72", "pxelinux.cfg/0A000032", "boot/linux"), net.requested);
    }

    @Test
    void option209ComesFirstAndTheBootFileDirectoryIsThePrefix() throws Exception {
        write("tree/my.cfg", "default x\nlabel x\n kernel boot/linux\n append a=b=c initrd=boot/initrd-a,boot/initrd-b quiet\n ipappend 2\n");
        write("tree/boot/linux", "K");
        write("tree/boot/initrd-a", "1");
        write("tree/boot/initrd-b", "2");
        DirectoryNetwork net = new DirectoryNetwork(root, lease("tree/pxelinux.0", "my.cfg", null));
        BootFlow.Outcome o = flow(net).run(request("-", OutputFormat.SIMPLE, null, "console=hvc0"));
        assertEquals("tree/my.cfg", net.requested.get(0));
        assertEquals("a=b=c quiet BOOTIF=01-aa-00-86-e2-35-72 console=hvc0", o.stanza().args());
        assertEquals("12", Files.readString(Path.of(o.stanza().ramdisk())), "initrds concatenated in order");
        assertEquals("kernel " + o.stanza().kernel() + "\nramdisk " + o.stanza().ramdisk()
                + "\nargs a=b=c quiet BOOTIF=01-aa-00-86-e2-35-72 console=hvc0\n\n", stdout.toString(StandardCharsets.ISO_8859_1));
        assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(Path.of(o.stanza().kernel()))));
        assertArrayEquals("K".getBytes(), Files.readAllBytes(Path.of(o.stanza().kernel())));
    }

    @Test
    void eachConfigFileIsFetchedOncePerBoot() throws Exception {
        write("pxelinux.cfg/default", "include common.cfg\nmenu begin x\n include common.cfg\nmenu end\nlabel a\n kernel boot/linux\n");
        write("common.cfg", "menu color x\n");
        DirectoryNetwork net = new DirectoryNetwork(root, lease("pxelinux.0", null, null));
        flow(net).run(request("-", OutputFormat.SXP, null, null));
        assertEquals(1, net.requested.stream().filter("pxelinux.cfg/default"::equals).count(), net.requested.toString());
        assertEquals(1, net.requested.stream().filter("common.cfg"::equals).count(), net.requested.toString());
    }

    @Test
    void entryOptionPicksTheLabel() throws Exception {
        write("pxelinux.cfg/default", "default a\nlabel a\n kernel boot/none\nlabel b\n kernel boot/linux\n");
        BootFlow.Outcome o = flow(new DirectoryNetwork(root, lease("pxelinux.0", null, null)))
                .run(request("-", OutputFormat.SXP, "b", null));
        assertEquals("b", o.entry().label());
        assertNull(o.stanza().ramdisk());
    }

    @Test
    void outputFileIsWrittenButNeverCreated() throws Exception {
        write("pxelinux.cfg/default", "label a\n kernel boot/linux\n");
        Path missing = root.resolve("not-there");
        BootException e = assertThrows(BootException.class,
                () -> flow(new DirectoryNetwork(root, lease("pxelinux.0", null, null))).run(request(missing.toString(), OutputFormat.SXP, null, null)));
        assertTrue(e.getMessage().contains("does not exist"), e.getMessage());
        assertTrue(Files.notExists(missing));
        assertEmpty(xen);
    }

    @Test
    void failureMidFileLeavesNothingBehind() throws Exception {
        write("pxelinux.cfg/default", "label a\n kernel boot/linux\n initrd boot/initrd-a\n");
        DirectoryNetwork net = new DirectoryNetwork(root, lease("pxelinux.0", null, null));
        net.failPath = "boot/initrd-a";
        net.failAfter = 2;
        BootException e = assertThrows(BootException.class, () -> flow(net).run(request("-", OutputFormat.SXP, null, null)));
        assertTrue(e.getMessage().contains("boot/initrd-a"), e.getMessage());
        assertEmpty(xen);
        assertEquals("", stdout.toString());
    }

    @Test
    void missingKernelIsReportedWithItsUrl() throws Exception {
        write("pxelinux.cfg/default", "label a\n kernel boot/nope\n");
        BootException e = assertThrows(BootException.class,
                () -> flow(new DirectoryNetwork(root, lease("pxelinux.0", null, null))).run(request("-", OutputFormat.SXP, null, null)));
        assertEquals("tftp://10.0.0.1/boot/nope: file not found on the server", e.getMessage());
        assertEmpty(xen);
    }

    @Test
    void noConfigAtAllNamesTheMacAndWhatWasTried() throws Exception {
        BootException e = assertThrows(BootException.class,
                () -> flow(new DirectoryNetwork(root, lease("pxelinux.0", null, null))).run(request("-", OutputFormat.SXP, null, null)));
        assertTrue(e.getMessage().startsWith("guest aa:00:86:e2:35:72: no pxelinux config on 10.0.0.1: tried 11 names"), e.getMessage());
    }

    @Test
    void dhcpFailureIsOneLine() {
        BootException e = assertThrows(BootException.class,
                () -> flow(new DirectoryNetwork(root, null)).run(request("-", OutputFormat.SXP, null, null)));
        assertEquals("no DHCP offer for aa:00:86:e2:35:72 within 1 s (test)", e.getMessage());
    }

    @Test
    void localbootHandsOverToPygrubWithTheToolstackOptionsAndTheDisk() throws Exception {
        write("pxelinux.cfg/default", "default local\nlabel local\n localboot 0\n");
        Path fake = Files.createFile(root.resolve("pygrub"), PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
        BootRequest r = request("/tmp/out", OutputFormat.SIMPLE0, null, null);
        r = new BootRequest(r.mac(), null, null, null, r.output(), r.format(), xen, false, false, null, null, r.dhcpTarget(),
                68, 69, r.dhcpTimeout(), null, r.maxFileSize(), 0, 0, -1, "/dev/vg/guest", fake, List.of("--output=/tmp/out", "--output-format=simple0"), false);
        BootFlow.Outcome o = flow(new DirectoryNetwork(root, lease("pxelinux.0", null, null))).run(r);
        assertNull(o.stanza());
        assertEquals(List.of(List.of(fake.toString(), "--output=/tmp/out", "--output-format=simple0", "/dev/vg/guest")), pygrubRuns);
    }

    @Test
    void localbootWithoutPygrubFailsClearly() throws Exception {
        write("pxelinux.cfg/default", "default local\nlabel local\n localboot 0\n");
        BootRequest r = request("-", OutputFormat.SXP, null, null);
        r = new BootRequest(r.mac(), null, null, null, "-", r.format(), xen, false, false, null, null, r.dhcpTarget(),
                68, 69, r.dhcpTimeout(), null, r.maxFileSize(), 0, 0, -1, "/dev/vg/guest", root.resolve("no-pygrub"), List.of(), false);
        BootRequest fr = r;
        BootException e = assertThrows(BootException.class, () -> flow(new DirectoryNetwork(root, lease("pxelinux.0", null, null))).run(fr));
        assertTrue(e.getMessage().contains("LOCALBOOT") && e.getMessage().contains("no-pygrub"), e.getMessage());
    }

    @Test
    void notReallyFetchesNothing() throws Exception {
        write("pxelinux.cfg/default", "label a\n kernel boot/linux\n initrd boot/initrd-a\n");
        DirectoryNetwork net = new DirectoryNetwork(root, lease("pxelinux.0", null, null));
        BootRequest r = request("-", OutputFormat.SXP, null, null);
        r = new BootRequest(r.mac(), null, null, null, "-", r.format(), xen, true, false, null, null, r.dhcpTarget(),
                68, 69, r.dhcpTimeout(), null, r.maxFileSize(), 0, 0, -1, null, null, List.of(), false);
        BootFlow.Outcome o = flow(net).run(r);
        assertEquals("tftp://10.0.0.1/boot/linux", o.stanza().kernel());
        assertEquals(List.of(UUID_NAME, "pxelinux.cfg/01-aa-00-86-e2-35-72", "pxelinux.cfg/0A000032", "pxelinux.cfg/0A00003",
                "pxelinux.cfg/0A0000", "pxelinux.cfg/0A000", "pxelinux.cfg/0A00", "pxelinux.cfg/0A0", "pxelinux.cfg/0A",
                "pxelinux.cfg/0", "pxelinux.cfg/default"), net.requested);
        assertEmpty(xen);
    }

    @Test
    void listEntriesWorksEvenWhenTheDefaultIsBroken() throws Exception {
        write("pxelinux.cfg/default", "default broken\nlabel broken\n menu label x\nlabel good\n kernel boot/linux\n");
        BootRequest r = request("-", OutputFormat.SXP, null, null);
        r = new BootRequest(r.mac(), null, null, null, "-", r.format(), xen, false, false, null, null, r.dhcpTarget(),
                68, 69, r.dhcpTimeout(), null, r.maxFileSize(), 0, 0, -1, null, null, List.of(), true);
        flow(new DirectoryNetwork(root, lease("pxelinux.0", null, null))).run(r);
        assertEquals("broken\ngood\n", stdout.toString(StandardCharsets.ISO_8859_1));
        assertEmpty(xen);
    }

    @Test
    void listedLabelsAreEscaped() throws Exception {
        write("pxelinux.cfg/default", "label good\n kernel boot/linux\nlabel evil\u009b2J\u009d0;owned\u009c\u007f\n kernel boot/linux\n");
        BootRequest r = request("-", OutputFormat.SXP, null, null);
        r = new BootRequest(r.mac(), null, null, null, "-", r.format(), xen, false, false, null, null, r.dhcpTarget(),
                68, 69, r.dhcpTimeout(), null, r.maxFileSize(), 0, 0, -1, null, null, List.of(), true);
        flow(new DirectoryNetwork(root, lease("pxelinux.0", null, null))).run(r);
        // syslinux splits words at every byte up to 0x20, so C0 controls cannot be in a label; C1 ones can.
        assertEquals("good\nevil\\x9b2J\\x9d0;owned\\x9c\\x7f\n", stdout.toString(StandardCharsets.ISO_8859_1));
    }

    @Test
    void missingOutputDirectoryIsReportedBeforeAnyNetworkTraffic() {
        BootRequest r = request("-", OutputFormat.SXP, null, null);
        BootRequest bad = new BootRequest(r.mac(), null, null, null, "-", r.format(), root.resolve("no-such-dir"), false, false,
                null, null, r.dhcpTarget(), 68, 69, r.dhcpTimeout(), null, r.maxFileSize(), 0, 0, -1, null, null, List.of(), false);
        DirectoryNetwork net = new DirectoryNetwork(root, null);   // would fail DHCP if asked
        BootException e = assertThrows(BootException.class, () -> flow(net).run(bad));
        assertEquals("output directory " + root.resolve("no-such-dir") + " does not exist", e.getMessage());
        assertEquals(List.of(), net.requested);
    }

    @Test
    void dhcpPathsThatLeaveTheTreeAreRefusedBeforeAnyRequest() throws Exception {
        String[][] cases = {
            {null, "../../etc/x.cfg", "DHCP option 209 (config file) '../../etc/x.cfg' refused: it contains a '..' component"},
            {null, "/etc/x.cfg", "DHCP option 209 (config file) '/etc/x.cfg' refused: it is an absolute path"},
            {null, "::/etc/x.cfg", "DHCP option 209 (config file) '::/etc/x.cfg' refused: it is an absolute path"},
            {"a/.", "./x.cfg", "DHCP option 209 (config file) './x.cfg' refused: it contains a '..' component"},
            {"../", null, "DHCP option 210 (path prefix) '../' refused: it contains a '..' component"},
            {"/srv/tftp/", null, "DHCP option 210 (path prefix) '/srv/tftp/' refused: it is an absolute path"},
            {"boot\\..\\..\\", "x.cfg", "DHCP option 210 (path prefix) 'boot\\..\\..\\' refused: it contains a '..' component"},
        };
        for (String[] c : cases) {
            DirectoryNetwork net = new DirectoryNetwork(root, lease("pxelinux.0", c[1], c[0]));
            BootException e = assertThrows(BootException.class, () -> flow(net).run(request("-", OutputFormat.SXP, null, null)));
            assertTrue(e.getMessage().startsWith("guest aa:00:86:e2:35:72: " + c[2]), e.getMessage());
            assertEquals(List.of(), net.requested, c[2]);
        }
        assertEmpty(xen);
    }

    /** Without option 210 the boot file's folder is the prefix: a forged boot file must not steer the search either. */
    @Test
    void aBootFileThatLeavesTheTreeIsRefusedBeforeAnyRequest() throws Exception {
        String[][] cases = {
            {"../../etc/pxelinux.0", "the path prefix '../../etc/' taken from the DHCP boot file '../../etc/pxelinux.0' refused: it contains a '..' component"},
            {"/srv/tftp/pxelinux.0", "the path prefix '/srv/tftp/' taken from the DHCP boot file '/srv/tftp/pxelinux.0' refused: it is an absolute path"},
        };
        for (String[] c : cases) {
            DirectoryNetwork net = new DirectoryNetwork(root, lease(c[0], null, null));
            BootException e = assertThrows(BootException.class, () -> flow(net).run(request("-", OutputFormat.SXP, null, null)));
            assertTrue(e.getMessage().startsWith("guest aa:00:86:e2:35:72: " + c[1]), e.getMessage());
            assertEquals(List.of(), net.requested, c[1]);
        }
        assertEmpty(xen);
    }

    /** dhcpd configs often say filename "/pxelinux.0": a boot file at the root gives no prefix, and the boot works. */
    @Test
    void aBootFileAtTheRootWithALeadingSlashGivesNoPrefix() throws Exception {
        write("pxelinux.cfg/default", "label x\n kernel linux\n");
        write("linux", "K");
        DirectoryNetwork net = new DirectoryNetwork(root, lease("/pxelinux.0", null, null));
        BootFlow.Outcome o = flow(net).run(request("-", OutputFormat.SIMPLE, null, null));
        assertEquals("x", o.entry().label());
        assertTrue(net.requested.stream().noneMatch(n -> n.startsWith("/")), net.requested.toString());
    }

    @Test
    void option209WithDoubleColonSkipsThePrefix() throws Exception {
        write("cfg/my.cfg", "label x\n kernel ::boot/linux\n");
        DirectoryNetwork net = new DirectoryNetwork(root, lease("pxelinux.0", "::cfg/my.cfg", "tree/"));
        BootFlow.Outcome o = flow(net).run(request("-", OutputFormat.SIMPLE, null, null));
        assertEquals(List.of("cfg/my.cfg", "boot/linux"), net.requested);
        assertEquals("x", o.entry().label());
    }

    @Test
    void theDebianNetbootTreeBootsWellWithinTheDefaultLimits() throws Exception {
        Path debian = Path.of("/usr/lib/debian-installer/images/12/amd64/text");
        org.junit.jupiter.api.Assumptions.assumeTrue(Files.isDirectory(debian),
                "skipped: apt-get install debian-installer-12-netboot-amd64");
        DirectoryNetwork net = new DirectoryNetwork(debian, lease("pxelinux.0", null, null));
        BootFlow.Outcome o = flow(net).run(request("-", OutputFormat.SIMPLE0, null, null));
        assertEquals("install", o.entry().label());
        assertEquals(Files.size(debian.resolve("debian-installer/amd64/initrd.gz")), Files.size(Path.of(o.stanza().ramdisk())));
        assertTrue(net.requested.size() < 64, net.requested.size() + " requests: " + net.requested);
    }

    @Test
    void pathPrefixRules() throws Exception {
        assertEquals("", BootFlow.pathPrefix(lease(null, null, null)));
        assertEquals("", BootFlow.pathPrefix(lease("pxelinux.0", null, null)));
        assertEquals("a/b/", BootFlow.pathPrefix(lease("a/b/pxelinux.0", null, null)));
        assertEquals("x", BootFlow.pathPrefix(lease("a/b/pxelinux.0", null, "x")));
    }

    @Test
    void anInitrdListRepeatingOneFileStopsAtTheTotalSize() throws Exception {
        write("boot/big", "x".repeat(1000));
        write("pxelinux.cfg/default", "label a\n kernel boot/linux\n initrd " + String.join(",", java.util.Collections.nCopies(50, "boot/big")) + "\n");
        DirectoryNetwork net = new DirectoryNetwork(root, lease("pxelinux.0", null, null));
        BootRequest r = request("-", OutputFormat.SXP, null, null).withLimits(10_000, Duration.ofSeconds(300), 256);
        BootException e = assertThrows(BootException.class, () -> flow(net).run(r));
        assertEquals("the boot fetched more than 10000 bytes in total, the limit (--max-total-size)", e.getMessage());
        assertEquals(10, net.requested.stream().filter("boot/big"::equals).count(), "the 10th initrd crosses the cap; no 11th is asked for");
        assertEmpty(xen);
        assertEquals("", stdout.toString());
    }

    @Test
    void missingIncludesCountAgainstTheRequestBudget() throws Exception {
        StringBuilder cfg = new StringBuilder();
        for (int i = 0; i < 1000; i++) cfg.append("include missing-").append(i).append(".cfg\n");
        write("pxelinux.cfg/default", cfg + "label a\n kernel boot/linux\n");
        DirectoryNetwork net = new DirectoryNetwork(root, lease("pxelinux.0", null, null));
        BootException e = assertThrows(BootException.class, () -> flow(net).run(request("-", OutputFormat.SXP, null, null)));
        // 11 config names were tried before default was found; request 257 is INCLUDE number 246.
        assertEquals("tftp://10.0.0.1/pxelinux.cfg/default:246: INCLUDE missing-245.cfg: cannot read missing-245.cfg: "
                + "the boot made 256 TFTP requests, the limit (--max-requests=256); refusing tftp://10.0.0.1/missing-245.cfg",
                e.getMessage());
        assertEquals(256, net.requested.size());
        assertEmpty(xen);
        assertEquals("", stdout.toString());
    }

    @Test
    void theBootDeadlineEndsATransferMidFileAndEachFetchGetsWhatIsLeft() throws Exception {
        write("pxelinux.cfg/default", "label a\n kernel boot/linux\n initrd boot/initrd-a\n");
        java.util.concurrent.atomic.AtomicLong now = new java.util.concurrent.atomic.AtomicLong(5_000_000_000L);
        DirectoryNetwork net = new DirectoryNetwork(root, lease("pxelinux.0", null, null));
        // Each config request takes 10 s; the kernel's server then trickles for 300 s more.
        net.onFetch = path -> now.addAndGet(path.equals("boot/linux") ? 300_000_000_000L : 10_000_000_000L);
        BootFlow flow = new BootFlow(net, Log.silent(), cmd -> 0, new PrintStream(stdout, true), now::get);
        BootException e = assertThrows(BootException.class,
                () -> flow.run(request("-", OutputFormat.SXP, null, null).withLimits(1L << 30, Duration.ofSeconds(300), 256)));
        assertEquals("the boot did not finish within 300 s (--boot-timeout)", e.getMessage());
        assertEquals(Duration.ofSeconds(300), net.timeLimits.get(0));
        assertEquals(Duration.ofSeconds(290), net.timeLimits.get(1), "the network is told what is left of the deadline");
        assertEquals("boot/linux", net.requested.get(net.requested.size() - 1), "the initrd is never asked for");
        assertEmpty(xen);
        assertEquals("", stdout.toString());
    }

    @Test
    void noRequestIsMadeOnceTheDeadlineHasPassed() throws Exception {
        java.util.concurrent.atomic.AtomicLong now = new java.util.concurrent.atomic.AtomicLong();
        DirectoryNetwork net = new DirectoryNetwork(root, lease("pxelinux.0", null, null));
        net.onFetch = path -> now.addAndGet(61_000_000_000L);
        BootFlow flow = new BootFlow(net, Log.silent(), cmd -> 0, new PrintStream(stdout, true), now::get);
        BootException e = assertThrows(BootException.class,
                () -> flow.run(request("-", OutputFormat.SXP, null, null).withLimits(1L << 30, Duration.ofSeconds(120), 256)));
        assertEquals("the boot did not finish within 120 s (--boot-timeout)", e.getMessage());
        assertEquals(2, net.requested.size());
    }

    static void assertEmpty(Path dir) throws Exception {
        try (var s = Files.list(dir)) {
            assertEquals(List.of(), s.toList(), "nothing left behind in " + dir);
        }
    }

    @Test
    void aConfigLabelLoadsTheOtherConfigWithItsDirectory() throws Exception {
        write("pxelinux.cfg/default", "default net\nlabel net\n config boot/net.cfg boot/\n");
        write("boot/net.cfg", "label x\n kernel linux\n initrd initrd-a\n");
        DirectoryNetwork net = new DirectoryNetwork(root, lease("pxelinux.0", null, null));
        BootFlow.Outcome o = flow(net).run(request("-", OutputFormat.SIMPLE, null, null));
        assertEquals("x", o.entry().label());
        assertEquals("KERNEL-BYTES", Files.readString(Path.of(o.stanza().kernel())));
        assertEquals(List.of("boot/net.cfg", "boot/linux", "boot/initrd-a"), net.requested.subList(net.requested.size() - 3, net.requested.size()));
    }
}
