package org.javapxeboot.dhcp;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.javapxeboot.fixture.Netns;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The client against real dnsmasq, as root: two network namespaces joined by a veth pair ({@link Netns};
 * 10.213.0.1 for dnsmasq, 10.213.0.2 for the client), dnsmasq in one, {@link DhcpProbe} run with {@code ip netns exec} in the
 * other, sending through the interface's directed broadcast exactly as the bootloader would on a bridge.
 */
@Timeout(120)
class DhcpDnsmasqInteropTest {
    static final String MAC = "aa:00:86:e2:35:72";
    static final String DNSMASQ = "/usr/sbin/dnsmasq";

    @TempDir static Path tmp;
    /** The two namespaces, dnsmasq's at 10.213.0.1 and the client's at 10.213.0.2; null when skipped. */
    static Netns net;
    /**
     * Why this class cannot run here, or null. Surefire reports a skip in @BeforeAll as "Tests run: 0"
     * with no reason; skipping each test keeps the reason in the report.
     */
    static String skip;

    @BeforeAll
    static void namespaces() throws Exception {
        if (!"root".equals(System.getProperty("user.name"))) {
            skip = "skipped: creating network namespaces for the dnsmasq interop test needs root";
            return;
        }
        if (!Files.isExecutable(Path.of(DNSMASQ))) {
            skip = "skipped: " + DNSMASQ + " is not installed (dnsmasq-base)";
            return;
        }
        String why = Netns.unavailable();
        if (why != null) {
            skip = "skipped: " + why;
            return;
        }
        net = Netns.create("10.213.0");
    }

    @BeforeEach void runnableHere() {
        Assumptions.assumeTrue(skip == null, skip);
    }

    @AfterAll
    static void cleanUp() {
        if (net != null) net.close(); // deleting a namespace deletes its end of the veth, and the pair
    }

    @Test
    void leaseFromDnsmasqWithTheBootFileAndNextServer() throws Exception {
        Map<String, String> lease = exchange("--dhcp-host=" + MAC + ",10.213.0.77", "--dhcp-boot=pxelinux.0");
        assertEquals("10.213.0.77", lease.get("clientAddress"));
        assertEquals("10.213.0.1", lease.get("serverIdentifier"));
        assertEquals("10.213.0.1", lease.get("nextServer"), "dnsmasq sets siaddr to itself with --dhcp-boot");
        assertEquals("10.213.0.1", lease.get("tftpServer"));
        assertEquals("pxelinux.0", lease.get("bootFile"), "option 67 (we ask for it), NUL stripped");
        assertEquals("255.255.255.0", lease.get("subnetMask"));
        assertEquals("10.213.0.1", lease.get("router"));
        assertEquals("3600", lease.get("leaseSeconds"));
    }

    @Test
    void pxelinuxOptionsAndAnotherTftpServer() throws Exception {
        Map<String, String> lease = exchange("--dhcp-host=" + MAC + ",10.213.0.78",
                "--dhcp-boot=boot/pxelinux.0,,10.213.0.9",
                "--dhcp-option-force=209,pxelinux.cfg/guest1", "--dhcp-option-force=210,/srv/tftp/");
        assertEquals("10.213.0.78", lease.get("clientAddress"));
        assertEquals("10.213.0.9", lease.get("nextServer"));
        assertEquals("10.213.0.9", lease.get("tftpServer"), "siaddr wins over option 54");
        assertEquals("boot/pxelinux.0", lease.get("bootFile"));
        assertEquals("pxelinux.cfg/guest1", lease.get("configFile"));
        assertEquals("/srv/tftp/", lease.get("pathPrefix"));
    }

    @Test
    void aServerThatIgnoresThisMacEndsInAClearError() throws Exception {
        ProbeResult r = probe(3, "--dhcp-host=aa:00:86:00:00:01,10.213.0.79", "--dhcp-ignore=tag:!known");
        assertEquals(1, r.exit, r.stderr);
        assertTrue(r.stderr.contains("error: no DHCP offer for " + MAC + " within 3 s ("), r.stderr);
        assertTrue(r.stderr.contains("DISCOVERs sent to 10.213.0.255:67)"), r.stderr);
    }

    @Test
    void proxyDhcpAndBootServerDiscoveryWithASecondDnsmasq() throws Exception {
        // One dnsmasq hands out addresses and no boot file; a second one in proxy mode offers a PXE menu, and
        // answers the boot server REQUEST on port 4011 with the file (dnsmasq appends ".0" to "pxelinux").
        ProbeResult r = probe(10, List.of(
                List.of("--dhcp-range=10.213.0.100,10.213.0.200,255.255.255.0,1h", "--dhcp-host=" + MAC + ",10.213.0.80"),
                List.of("--dhcp-range=10.213.0.0,proxy", "--pxe-service=x86PC,Boot,pxelinux")));
        assertEquals(0, r.exit, "probe failed:\n" + r.stderr + "\ndnsmasq:\n" + r.dnsmasqLog);
        Map<String, String> lease = keyValues(r.stdout);
        assertEquals("10.213.0.80", lease.get("clientAddress"));
        assertEquals("pxelinux.0", lease.get("bootFile"), r.stderr);
        assertEquals("10.213.0.1", lease.get("tftpServer"));
        assertTrue(r.stderr.contains("boot server REQUEST for " + MAC), r.stderr);
        assertTrue(r.stderr.contains("to 10.213.0.1:4011"), r.stderr);
    }

    // ---------------------------------------------------------------------------------------------------------

    record ProbeResult(int exit, String stdout, String stderr, String dnsmasqLog) {}

    private static Map<String, String> exchange(String... dnsmasqArgs) throws Exception {
        ProbeResult r = probe(10, dnsmasqArgs);
        assertEquals(0, r.exit, "probe failed:\n" + r.stderr + "\ndnsmasq:\n" + r.dnsmasqLog);
        return keyValues(r.stdout);
    }

    private static Map<String, String> keyValues(String stdout) {
        Map<String, String> m = new LinkedHashMap<>();
        for (String line : stdout.split("\n")) {
            int eq = line.indexOf('=');
            if (eq > 0) m.put(line.substring(0, eq), line.substring(eq + 1));
        }
        return m;
    }

    private static ProbeResult probe(int timeoutSeconds, String... dnsmasqArgs) throws Exception {
        List<String> args = new ArrayList<>(List.of("--dhcp-range=10.213.0.100,10.213.0.200,255.255.255.0,1h"));
        args.addAll(Arrays.asList(dnsmasqArgs));
        return probe(timeoutSeconds, List.of(args));
    }

    /** Starts one dnsmasq per argument list (with --bind-interfaces they share port 67), then the probe. */
    private static ProbeResult probe(int timeoutSeconds, List<List<String>> dnsmasqs) throws Exception {
        List<Path> logs = new ArrayList<>();
        List<Process> servers = new ArrayList<>();
        try {
            for (List<String> args : dnsmasqs) {
                Path leases = Files.createTempFile(tmp, "dnsmasq", ".leases");
                List<String> cmd = new ArrayList<>(List.of("ip", "netns", "exec", net.server, DNSMASQ, "--no-daemon",
                        "--port=0", "--conf-file=/dev/null", "--interface=" + net.serverIf, "--bind-interfaces",
                        "--dhcp-leasefile=" + leases, "--pid-file=", "--log-dhcp", "--log-facility=-"));
                cmd.addAll(args);
                Path own = Files.createTempFile(tmp, "dnsmasq", ".log");
                logs.add(own);
                Process p = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(own.toFile()).start();
                servers.add(p);
                waitFor(own, "sockets bound", p);
            }
            Path out = Files.createTempFile(tmp, "probe", ".out");
            Path err = Files.createTempFile(tmp, "probe", ".err");
            Process p = new ProcessBuilder("ip", "netns", "exec", net.client,
                    Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-Xshare:auto",
                    "-cp", System.getProperty("java.class.path"), DhcpProbe.class.getName(),
                    MAC, net.clientIf, Integer.toString(timeoutSeconds))
                    .redirectOutput(out.toFile()).redirectError(err.toFile()).start();
            if (!p.waitFor(timeoutSeconds + 30L, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                throw new AssertionError("the probe did not exit within its timeout + 30 s");
            }
            StringBuilder serverLog = new StringBuilder();
            for (Path l : logs) serverLog.append(Files.readString(l));
            return new ProbeResult(p.exitValue(), Files.readString(out), Files.readString(err), serverLog.toString());
        } finally {
            for (Process s : servers) {
                s.destroy();
                if (!s.waitFor(5, TimeUnit.SECONDS)) s.destroyForcibly();
            }
        }
    }

    private static void waitFor(Path log, String text, Process p) throws Exception {
        for (int i = 0; i < 1200; i++) { // up to 60 s: a readiness probe, the bound only stops a hang
            String s = Files.readString(log, StandardCharsets.UTF_8);
            if (s.contains(text)) return;
            if (!p.isAlive()) throw new AssertionError("dnsmasq exited with " + p.exitValue() + ":\n" + s);
            Thread.sleep(50);
        }
        throw new AssertionError("dnsmasq did not start within 60 s:\n" + Files.readString(log));
    }
}
