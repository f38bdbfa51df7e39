package org.javapxeboot.xman.daemon;

import org.javapxeboot.xman.auth.MitKdc;
import org.javapxeboot.xman.client.XmanClient;
import org.javapxeboot.xman.transport.Tls;
import org.javapxeboot.xman.auth.K5Login;
import org.javapxeboot.xman.auth.Kerberos;

import org.javapxeboot.xman.vm.LibvirtVmControl;
import org.javapxeboot.xman.vm.VmControl;

import java.io.ByteArrayOutputStream;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * One xmand in this JVM: a fresh libvirt test:/// node (or any VmControl, such as a FakeVm), HTTPS
 * with a certificate made at start, the MIT KDC's HTTP/localhost keytab, a .k5login listing admin,
 * the audit log in memory and its syslog copy on a UDP socket the test reads. In {@link #NODE},
 * vm1's metadata names alice as its owner and vm2's names bob; nobody else owns anything.
 */
public final class XmandFixture implements AutoCloseable {
    /** Deletes {@code dir} and everything under it (a test's or benchmark's scratch directory). */
    public static void deleteTree(Path dir) throws java.io.IOException {
        if (!Files.exists(dir)) return;
        try (java.util.stream.Stream<Path> all = Files.walk(dir)) {
            for (Path p : (Iterable<Path>) all.sorted(java.util.Comparator.reverseOrder())::iterator) Files.deleteIfExists(p);
        }
    }

    public static final String NODE = """
            <node>
              <cpu><mhz>2000</mhz><model>test-cpu</model><active>4</active><nodes>1</nodes>
                <sockets>1</sockets><cores>2</cores><threads>2</threads></cpu>
              <memory>8388608</memory>
              <domain type='test'>
                <name>vm1</name>
                <memory>1048576</memory><currentMemory>524288</currentMemory><vcpu>2</vcpu>
                <os><type>hvm</type></os>
                <metadata>
                  <xman:guest xmlns:xman="urn:javapxeboot:xman:1"><xman:owner>alice@XMAN.TEST</xman:owner></xman:guest>
                </metadata>
              </domain>
              <domain type='test'>
                <name>vm2</name>
                <memory>524288</memory><currentMemory>524288</currentMemory><vcpu>1</vcpu>
                <os><type>hvm</type></os>
                <metadata>
                  <xman:guest xmlns:xman="urn:javapxeboot:xman:1"><xman:owner>bob@XMAN.TEST</xman:owner></xman:guest>
                </metadata>
              </domain>
            </node>
            """;

    // The JDK server's limits in this JVM: ServerTimersOfTheTestJvm, set before any test runs.

    public final MitKdc kdc;
    /** TLS and Kerberos; false: --no-tls --insecure-no-auth. */
    public final boolean secure;
    public final Path dir;
    public final VmControl vm;
    public final XmandServer server;
    public final Path k5login;
    public final Path cert;
    public final ByteArrayOutputStream log = new ByteArrayOutputStream();
    public final DatagramSocket syslogSocket;
    public final LinkedBlockingQueue<String> syslog = new LinkedBlockingQueue<>();
    private final Thread syslogReader;

    public XmandFixture(Path dir) throws Exception {
        this(dir, NODE);
    }

    public XmandFixture(Path dir, String nodeXml) throws Exception {
        this(dir, nodeXml, List.of());
    }

    /** On the test driver with {@link #NODE}, trusting {@code trustedProxies} (--trust-proxy). */
    public XmandFixture(Path dir, List<String> trustedProxies) throws Exception {
        this(dir, NODE, trustedProxies);
    }

    public XmandFixture(Path dir, String nodeXml, List<String> trustedProxies) throws Exception {
        this(dir, testDriver(dir, nodeXml), trustedProxies);
    }

    /**
     * On the test driver with {@code nodeXml} and {@code limits}; {@code secure} false is the same
     * daemon with --no-tls --insecure-no-auth (loopback), for the load benchmark's side-by-side run;
     * {@code sessionLifetime} is --session-lifetime (zero: Negotiate on every request).
     */
    public XmandFixture(Path dir, String nodeXml, boolean secure, XmandServer.Limits limits, Duration sessionLifetime) throws Exception {
        this(dir, testDriver(dir, nodeXml), List.of(), secure, limits, sessionLifetime);
    }

    private static VmControl testDriver(Path dir, String nodeXml) throws Exception {
        Path node = dir.resolve("node.xml");
        Files.writeString(node, nodeXml);
        return new LibvirtVmControl("test://" + node.toAbsolutePath());
    }

    /** Over {@code vm} (closed with the fixture), trusting {@code trustedProxies}. */
    public XmandFixture(Path dir, VmControl vm, List<String> trustedProxies) throws Exception {
        this(dir, vm, trustedProxies, true, XmandServer.Limits.DEFAULT, XmandServer.Settings.DEFAULT_SESSION_LIFETIME);
    }

    private XmandFixture(Path dir, VmControl vm, List<String> trustedProxies, boolean secure, XmandServer.Limits limits,
                         Duration sessionLifetime) throws Exception {
        this.secure = secure;
        this.kdc = MitKdc.shared();
        this.dir = dir;
        this.vm = vm;
        k5login = dir.resolve("k5login");
        Files.writeString(k5login, "# xmand admins\n" + kdc.principal("admin") + "\n");
        Path ks = dir.resolve("tls/xmand.p12");
        cert = Tls.certificateFile(ks);
        syslogSocket = new DatagramSocket(0, InetAddress.getLoopbackAddress());
        syslogReader = new Thread(() -> {
            byte[] buf = new byte[4096];
            while (!syslogSocket.isClosed()) {
                DatagramPacket p = new DatagramPacket(buf, buf.length);
                try {
                    syslogSocket.receive(p);
                    syslog.add(new String(p.getData(), 0, p.getLength(), StandardCharsets.UTF_8));
                } catch (java.io.IOException e) {
                    return;
                }
            }
        });
        syslogReader.setDaemon(true);
        syslogReader.start();
        Audit audit = new Audit(log, Syslog.open("udp:127.0.0.1:" + syslogSocket.getLocalPort()), Clock.systemUTC(), "h1");
        char[] pw = "test-pw".toCharArray();
        var tls = Tls.serverContext(Tls.loadOrCreate(ks, pw, List.of("localhost", "127.0.0.1")), pw);
        Kerberos.Acceptor acceptor = new Kerberos.Acceptor(Kerberos.login(kdc.keytab("HTTP/localhost"), kdc.principal("HTTP/localhost"), false));
        server = new XmandServer(new XmandServer.Settings(new InetSocketAddress("127.0.0.1", 0), "h1", 64 * 1024, 8, 64, secure ? tls : null, !secure,
                dir.resolve("hypervisor.log"), true, limits, trustedProxies, sessionLifetime),
                vm, secure ? acceptor : null, new K5Login(k5login), audit);
        server.start();
    }

    public XmanClient.Target target() {
        return new XmanClient.Target("localhost", server.address().getPort());
    }

    public XmanClient client(String principal) throws Exception {
        if (!secure) return new XmanClient(null, null, null, Duration.ofSeconds(20));
        return new XmanClient(new Kerberos.Initiator(Kerberos.login(kdc.keytab(principal), kdc.principal(principal), true)),
                Tls.clientContext(List.of(cert)), null, Duration.ofSeconds(20));
    }

    public String log() {
        return log.toString(StandardCharsets.UTF_8);
    }

    /** The next syslog message that contains {@code needle}; the 30 s bound only stops a hang. */
    public String syslogWith(String needle) throws InterruptedException {
        long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (System.nanoTime() < end) {
            String m = syslog.poll(200, TimeUnit.MILLISECONDS);
            if (m != null && m.contains(needle)) return m;
        }
        return null;
    }

    @Override
    public void close() {
        server.close();
        vm.close();
        syslogSocket.close();
    }
}
