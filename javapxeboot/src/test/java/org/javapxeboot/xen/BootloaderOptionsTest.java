package org.javapxeboot.xen;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.List;

import org.javapxeboot.net.MacAddress;
import org.junit.jupiter.api.Test;

class BootloaderOptionsTest {
    static BootloaderOptions parse(String... argv) throws UsageException {
        return BootloaderOptions.parse(argv);
    }

    static UsageException usage(String... argv) {
        return assertThrows(UsageException.class, () -> BootloaderOptions.parse(argv));
    }

    /** XendBootloader.py: --kernel/--ramdisk/--args, -q, --output=FIFO, the bootargs words, the disk last. */
    @Test
    void xendCommandLine() throws Exception {
        BootloaderOptions o = parse("--kernel=/boot/vmlinuz", "--ramdisk=/boot/initrd.img", "--args=console=hvc0 ks=http://h/ks?a=b",
                "-q", "--output=/var/run/xend/boot/xenbl.2817", "mac=AA:00:86:e2:35:72", "/dev/vg0/guest1-disk");
        assertEquals(MacAddress.parse("aa:00:86:e2:35:72"), o.mac());
        assertEquals("mac=AA:00:86:e2:35:72", o.macSource());
        assertEquals("/dev/vg0/guest1-disk", o.disk());
        assertEquals("/var/run/xend/boot/xenbl.2817", o.output());
        assertFalse(o.outputToStdout());
        assertEquals(OutputFormat.SXP, o.outputFormat());
        assertEquals("console=hvc0 ks=http://h/ks?a=b", o.args());
        assertEquals("/boot/vmlinuz", o.kernel());
        assertEquals("/boot/initrd.img", o.ramdisk());
        assertTrue(o.quiet());
        assertEquals(List.of(), o.warnings());
        assertEquals(List.of("mac=AA:00:86:e2:35:72"), o.vifTokens());
    }

    @Test
    void xendVifStringWithBridgeInOneWord() throws Exception {
        BootloaderOptions o = parse("--output=/fifo", "mac=AA:00:86:e2:35:72,bridge=xenbr0", "/dev/xvda");
        assertEquals("aa:00:86:e2:35:72", o.mac().toString());
        assertEquals("/dev/xvda", o.disk());
        BootloaderOptions o2 = parse("--output=/fifo", "bridge=xenbr0, mac=0:16:3e:1:2:3 ,script=vif-bridge", "file:/img");
        assertEquals("00:16:3e:01:02:03", o2.mac().toString());
        assertEquals("file:/img", o2.disk());
    }

    /** libxl_bootloader.c make_bootloader_args(), with bootloader_restrict and bootloader_args = ["--mac=..."]. */
    @Test
    void libxlCommandLine() throws Exception {
        BootloaderOptions o = parse("--kernel=/k", "--args=root=/dev/xvda1", "--runas=131072", "--quiet",
                "--output=/var/lib/xen/bootloader.7.out", "--output-format=simple0",
                "--output-directory=/var/lib/xen/bootloader.7.d", "--mac=aa:00:86:e2:35:72", "--entry=rescue",
                "/dev/vg0/guest7");
        assertEquals("aa:00:86:e2:35:72", o.mac().toString());
        assertEquals("--mac", o.macSource());
        assertEquals(OutputFormat.SIMPLE0, o.outputFormat());
        assertEquals("/var/lib/xen/bootloader.7.d", o.outputDirectory());
        assertTrue(o.outputDirectoryGiven());
        assertEquals("/var/lib/xen/bootloader.7.out", o.output());
        assertEquals("131072", o.runas());
        assertEquals("rescue", o.entry());
        assertEquals("root=/dev/xvda1", o.args());
        assertEquals("/dev/vg0/guest7", o.disk());
        assertTrue(o.quiet());
        assertEquals(List.of(), o.warnings());
    }

    @Test
    void libxlWithoutRestrictOrBootloaderArgs() throws Exception {
        BootloaderOptions o = parse("--output=/var/lib/xen/bootloader.3.out", "--output-format=simple0",
                "--output-directory=/var/lib/xen/bootloader.3.d", "/dev/xvda");
        assertNull(o.mac()); // not a parse error: the orchestrator says what is missing
        assertEquals("/dev/xvda", o.disk());
    }

    @Test
    void personAtAShell() throws Exception {
        BootloaderOptions o = parse("--mac", "aa:00:86:e2:35:72", "--interface", "xenbr0", "--output", "-");
        assertEquals("xenbr0", o.interfaceName());
        assertTrue(o.outputToStdout());
        assertNull(o.disk());
    }

    @Test
    void defaults() throws Exception {
        BootloaderOptions o = parse();
        assertEquals("-", o.output());
        assertTrue(o.outputToStdout());
        assertEquals(OutputFormat.SXP, o.outputFormat());
        assertEquals("/var/lib/xen", o.outputDirectory());
        assertFalse(o.outputDirectoryGiven());
        assertEquals("255.255.255.255", o.dhcpServerHost());
        assertEquals(67, o.dhcpServerPort());
        assertEquals(68, o.dhcpClientPort());
        assertEquals(69, o.tftpPort());
        assertEquals(Duration.ofSeconds(30), o.timeout());
        assertEquals(512L * 1024 * 1024, o.maxFileSize());
        assertNull(o.blksize());
        assertNull(o.windowsize());
        assertNull(o.spin());
        assertNull(o.uuid());
        assertNull(o.entry());
        assertNull(o.args());
        assertNull(o.mac());
        assertNull(o.server());
        assertNull(o.ip());
        assertFalse(o.quiet() || o.verbose() || o.notReally() || o.noDhcp() || o.help() || o.version() || o.listEntries());
    }

    @Test
    void pygrubAndPypxebootFlags() throws Exception {
        BootloaderOptions o = parse("-q", "-v", "-n", "--entry=install", "--output-format=simple", "--output-directory", "/tmp/d");
        assertTrue(o.quiet());
        assertTrue(o.verbose());
        assertTrue(o.notReally());
        assertEquals("install", o.entry());
        assertEquals(OutputFormat.SIMPLE, o.outputFormat());
        assertEquals("/tmp/d", o.outputDirectory());
        assertEquals("expert", parse("--label=expert").entry());
        assertNull(parse("--entry=").entry());
        assertEquals("expert", parse("--label", "expert").entry());
        assertTrue(parse("--not-really", "--verbose").notReally());
        assertTrue(parse("--debug").verbose());
        assertTrue(parse("-qvn").notReally());
        assertTrue(parse("-l").listEntries());
        assertTrue(parse("-h").help());
        assertTrue(parse("--help").help());
        assertTrue(parse("--version").version());
    }

    @Test
    void isconfigAndInteractiveAreIgnoredWithAWarning() throws Exception {
        BootloaderOptions o = parse("--isconfig", "-i", "/dev/xvda");
        assertEquals(2, o.warnings().size());
        assertTrue(o.warnings().get(0).startsWith("ignoring --isconfig"));
        assertTrue(o.warnings().get(1).startsWith("ignoring --interactive"));
    }

    @Test
    void ownOptions() throws Exception {
        BootloaderOptions o = parse("--no-dhcp", "--server=192.168.2.1", "--ip", "192.168.2.91", "--dhcp-server=127.0.0.1:1067",
                "--dhcp-port=0", "--tftp-port", "1069", "--timeout=2.5", "--uuid=B8945908D6A641A9611D74A6AB80B83D",
                "--max-file-size=64M", "--blksize=1468", "--windowsize", "8", "--spin=0");
        assertTrue(o.noDhcp());
        assertEquals("192.168.2.1", o.server().getHostAddress());
        assertEquals("192.168.2.91", o.ip().getHostAddress());
        assertEquals("127.0.0.1", o.dhcpServerHost());
        assertEquals(1067, o.dhcpServerPort());
        assertEquals(0, o.dhcpClientPort());
        assertEquals(1069, o.tftpPort());
        assertEquals(Duration.ofMillis(2500), o.timeout());
        assertEquals("b8945908-d6a6-41a9-611d-74a6ab80b83d", o.uuid());
        assertEquals(64L * 1024 * 1024, o.maxFileSize());
        assertEquals(1468, o.blksize());
        assertEquals(8, o.windowsize());
        assertEquals(0, o.spin());
        assertEquals("dhcp.example", parse("--dhcp-server=dhcp.example").dhcpServerHost());
        assertEquals(67, parse("--dhcp-server=dhcp.example").dhcpServerPort());
        assertEquals(1000, parse("--max-file-size=1000").maxFileSize());
        assertEquals(2048, parse("--max-file-size=2KiB").maxFileSize());
        assertEquals(1L << 30, parse("--max-file-size=1g").maxFileSize());
    }

    @Test
    void bootLimitsHaveNarrowDefaultsAndTakeTheSizeAndSecondsSyntax() throws Exception {
        BootloaderOptions d = parse();
        assertEquals(2L << 30, d.maxTotalSize());
        assertEquals(java.time.Duration.ofSeconds(300), d.bootTimeout());
        assertEquals(256, d.maxRequests());
        BootloaderOptions o = parse("--max-total-size=3G", "--boot-timeout=90.5", "--max-requests", "64");
        assertEquals(3L << 30, o.maxTotalSize());
        assertEquals(java.time.Duration.ofMillis(90_500), o.bootTimeout());
        assertEquals(64, o.maxRequests());
        assertTrue(usage("--max-total-size=lots").getMessage().startsWith("--max-total-size: 'lots' is not a size"));
        assertTrue(usage("--boot-timeout=0").getMessage().startsWith("--boot-timeout: '0' is not a number of seconds"));
        assertEquals("--max-requests: '0' is not a whole number from 1 to 100000", usage("--max-requests=0").getMessage());
    }

    @Test
    void unknownOptionsWarnAndDoNotEatTheNextWord() throws Exception {
        BootloaderOptions o = parse("--foo", "/dev/xvda", "--bar=baz", "-x", "--quiet=yes");
        assertEquals("/dev/xvda", o.disk());
        assertEquals(List.of("ignoring unknown option --foo", "ignoring unknown option --bar=baz", "ignoring unknown option -x",
                "option --quiet takes no value; ignoring '=yes'"), o.warnings());
        assertTrue(o.quiet());
    }

    @Test
    void extraPositionalsAreWarnedAbout() throws Exception {
        BootloaderOptions o = parse("stray", "/dev/xvda");
        assertEquals("/dev/xvda", o.disk());
        assertEquals(List.of("stray"), o.extraArguments());
        assertEquals(List.of("ignoring extra argument 'stray'"), o.warnings());
    }

    @Test
    void doubleDashEndsOptions() throws Exception {
        assertEquals("--weird-disk-name", parse("--", "--weird-disk-name").disk());
    }

    @Test
    void valueMayStartWithADash() throws Exception {
        assertEquals("-", parse("--output", "-").output());
        assertEquals("--- quiet", parse("--args", "--- quiet").args());
        assertEquals("", parse("--args=").args());
    }

    @Test
    void explicitMacWinsOverAVifWord() throws Exception {
        BootloaderOptions o = parse("--mac=aa:00:00:00:00:01", "mac=aa:00:00:00:00:02", "/dev/xvda");
        assertEquals("aa:00:00:00:00:01", o.mac().toString());
        assertEquals(List.of("ignoring mac=aa:00:00:00:00:02: --mac aa:00:00:00:00:01 was given"), o.warnings());
        assertEquals(List.of(), parse("--mac=aa:00:00:00:00:01", "mac=AA:00:00:00:00:01", "/d").warnings());
    }

    @Test
    void firstVifMacWins() throws Exception {
        BootloaderOptions o = parse("mac=aa:00:00:00:00:01", "mac=aa:00:00:00:00:02", "/dev/xvda");
        assertEquals("aa:00:00:00:00:01", o.mac().toString());
        assertEquals(1, o.warnings().size());
    }

    @Test
    void badValuesAreUsageErrorsQuotingThem() {
        assertEquals("--mac: 'aa:bb' is not a MAC address (expected six hex bytes like aa:00:86:e2:35:72)",
                usage("--mac=aa:bb").getMessage());
        assertTrue(usage("mac=zz:00:86:e2:35:72,bridge=xenbr0", "/d").getMessage()
                .startsWith("'mac=zz:00:86:e2:35:72,bridge=xenbr0': 'zz:00:86:e2:35:72' is not a MAC address"));
        assertEquals("--output-format: unknown output format 'xml' (expected sxp, simple or simple0)",
                usage("--output-format=xml").getMessage());
        assertEquals("--server: '10.0.0' is not an IPv4 address (expected a.b.c.d)", usage("--server=10.0.0").getMessage());
        assertEquals("--ip: '1.2.3.256' is not an IPv4 address (expected a.b.c.d)", usage("--ip", "1.2.3.256").getMessage());
        assertEquals("--tftp-port: '0' is not a whole number from 1 to 65535", usage("--tftp-port=0").getMessage());
        assertEquals("--blksize: '4' is not a whole number from 8 to 65464", usage("--blksize=4").getMessage());
        assertEquals("--windowsize: 'many' is not a whole number from 1 to 65535", usage("--windowsize=many").getMessage());
        assertEquals("--spin: '10001' is not a whole number from 0 to 10000", usage("--spin=10001").getMessage());
        assertEquals("--dhcp-server port: 'x' is not a whole number from 1 to 65535", usage("--dhcp-server=h:x").getMessage());
        assertTrue(usage("--dhcp-server=:67").getMessage().startsWith("--dhcp-server: ':67' names no host"));
        assertTrue(usage("--timeout=0").getMessage().startsWith("--timeout: '0' is not a number of seconds"));
        assertTrue(usage("--timeout=soon").getMessage().startsWith("--timeout: 'soon'"));
        assertTrue(usage("--max-file-size=-5").getMessage().startsWith("--max-file-size: '-5'"));
        assertTrue(usage("--uuid=123").getMessage().startsWith("--uuid: '123' is not a UUID"));
        assertEquals("option --output needs a value", usage("--output").getMessage());
    }

    @Test
    void helpTextNamesEveryOptionWithItsDefault() {
        String h = BootloaderOptions.helpText();
        for (String opt : List.of("--mac", "--entry", "--label", "--args", "--uuid", "--output", "--output-format",
                "--output-directory", "--not-really", "--list-entries", "--quiet", "--verbose", "--interface", "--dhcp-server",
                "--dhcp-port", "--timeout", "--no-dhcp", "--server", "--ip", "--tftp-port", "--blksize", "--windowsize",
                "--spin", "--max-file-size", "--max-total-size", "--boot-timeout", "--max-requests", "--help", "--version", "--kernel", "--ramdisk", "--runas", "--isconfig")) {
            assertTrue(h.contains(opt), opt + " missing from the help text");
        }
        for (String def : List.of("/var/lib/xen", "255.255.255.255:67", "default 68", "default 30", "default 69", "512M", "default 2G", "default 300", "default 256", "sxp (default)")) {
            assertTrue(h.contains(def), def + " missing from the help text");
        }
    }

    @Test
    void httpOptions() throws UsageException {
        BootloaderOptions d = parse("--mac=aa:00:86:e2:35:72");
        assertFalse(d.fetchHttp());
        assertEquals(80, d.httpPort());
        assertEquals(java.util.List.of(), d.httpHosts());
        assertFalse(d.httpAnyHost());
        BootloaderOptions o = parse("--fetch=http", "--http-port", "8080", "--http-hosts=10.0.0.5,boot.example");
        assertTrue(o.fetchHttp());
        assertEquals(8080, o.httpPort());
        assertEquals(java.util.List.of("10.0.0.5", "boot.example"), o.httpHosts());
        assertTrue(parse("--http-hosts=any").httpAnyHost());
        assertEquals("--fetch: expected tftp or http, not 'ftp'", usage("--fetch=ftp").getMessage());
        assertTrue(usage("--http-port=0").getMessage().startsWith("--http-port"));
        assertEquals("--http-hosts: 'a b/c' is not a host name or address", usage("--http-hosts=a b/c").getMessage());
        assertTrue(BootloaderOptions.helpText().contains("--fetch=tftp|http"));
    }
}
