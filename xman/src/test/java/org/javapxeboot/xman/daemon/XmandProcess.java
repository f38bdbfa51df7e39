package org.javapxeboot.xman.daemon;

import org.javapxeboot.xman.auth.MitKdc;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * xmand as its own process, the way admins run it: a libvirt test:/// node file, the MIT KDC's
 * HTTP/localhost keytab, a .k5login, a TLS certificate made at start (HOST/xmand.crt), its log in
 * HOST.log, all under {@code dir}. Shared by XmanProcessTest and ProvisionRemoteTest.
 */
public final class XmandProcess implements AutoCloseable {
    public final Process process;
    public final int port;
    /** The daemon's certificate, for --cacert / $XMAN_CACERT. */
    public final Path cert;
    /** The daemon's own log (the audit lines). */
    public final Path log;

    private XmandProcess(Process process, int port, Path cert, Path log) {
        this.process = process;
        this.port = port;
        this.cert = cert;
        this.log = log;
    }

    /** A JVM running {@code main} from this test class path, with the KDC's krb5.conf and {@code env}. */
    public static Process java(MitKdc kdc, String main, Map<String, String> env, List<String> args) throws IOException {
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp", System.getProperty("java.class.path"), main));
        cmd.addAll(args);
        ProcessBuilder pb = new ProcessBuilder(cmd);
        if (kdc != null) kdc.env(pb.environment());
        pb.environment().putAll(env);
        return pb.start();
    }

    /**
     * Starts xmand named {@code host} on a free loopback port over {@code test://dir/HOST-node.xml}
     * (written from {@code nodeXml}); returns once it says where it listens.
     */
    public static XmandProcess start(MitKdc kdc, Path dir, String host, String nodeXml, Path k5login, List<String> extra) throws Exception {
        List<String> args = new ArrayList<>(List.of("--keytab", kdc.keytab("HTTP/localhost").toString(),
                "--principal", kdc.principal("HTTP/localhost"), "--k5login", k5login.toString(),
                "--tls-keystore", dir.resolve(host + "/xmand.p12").toString()));
        args.addAll(extra);
        return start(kdc, dir, host, nodeXml, args);
    }

    /** xmand without Kerberos or TLS (--insecure-no-auth --no-tls), on loopback: no KDC needed. */
    public static XmandProcess startPlain(Path dir, String host, String nodeXml, List<String> extra) throws Exception {
        List<String> args = new ArrayList<>(List.of("--insecure-no-auth", "--no-tls", "--syslog", "off"));
        args.addAll(extra);
        return start(null, dir, host, nodeXml, args);
    }

    private static XmandProcess start(MitKdc kdc, Path dir, String host, String nodeXml, List<String> more) throws Exception {
        Path node = dir.resolve(host + "-node.xml");
        Files.writeString(node, nodeXml);
        List<String> args = new ArrayList<>(List.of("--listen", "127.0.0.1:0",
                "--connect", "test://" + node.toAbsolutePath(), "--log", dir.resolve(host + ".log").toString(), "--host-name", host));
        args.addAll(more);
        // -Dxmand.jvm="OPTIONS": JVM options for the daemon alone (benchmarks compare collectors and such).
        String jvm = System.getProperty("xmand.jvm");
        Process p = java(kdc, "org.javapxeboot.xman.daemon.XmandMain", jvm == null ? Map.of() : Map.of("JAVA_TOOL_OPTIONS", jvm), args);
        BufferedReader r = new BufferedReader(new InputStreamReader(p.getErrorStream(), StandardCharsets.UTF_8));
        String line;
        Pattern listening = Pattern.compile("listening on 127\\.0\\.0\\.1:(\\d+)");
        StringBuilder seen = new StringBuilder();
        int port = 0;
        while ((line = r.readLine()) != null) {
            seen.append(line).append('\n');
            Matcher m = listening.matcher(line);
            if (m.find()) {
                port = Integer.parseInt(m.group(1));
                break;
            }
        }
        if (port == 0) {
            p.destroy();
            throw new IOException("xmand " + host + " did not start: " + seen);
        }
        // Keep draining stderr (the audit copy): a full pipe would block the daemon.
        Thread drain = new Thread(() -> {
            try {
                while (r.readLine() != null) {
                    // discarded: the same lines are in HOST.log
                }
            } catch (IOException ignored) {
                // the daemon ended
            }
        }, "xmand-" + host + "-stderr");
        drain.setDaemon(true);
        drain.start();
        return new XmandProcess(p, port, dir.resolve(host + "/xmand.crt"), dir.resolve(host + ".log"));
    }

    @Override
    public void close() throws InterruptedException {
        process.destroy();
        process.waitFor(10, TimeUnit.SECONDS);
    }
}
