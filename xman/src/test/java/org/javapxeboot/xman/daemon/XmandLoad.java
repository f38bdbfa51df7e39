package org.javapxeboot.xman.daemon;

import org.javapxeboot.xman.auth.Kerberos;
import org.javapxeboot.xman.auth.MitKdc;
import org.javapxeboot.xman.auth.SessionCookie;
import org.javapxeboot.xman.transport.Tls;
import org.javapxeboot.xman.wire.Protocol;

import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocket;
import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.lang.management.ManagementFactory;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;

/**
 * Load benchmark (not a unit test) with xmand as its own process, started as an administrator
 * starts it (the real {@code XmandMain}, a real MIT KDC, libvirt's test driver with one domain per
 * client), and a lean generator in this JVM: CLIENTS threads, each with one keep-alive connection
 * (TLS, and a Kerberos login whose first request authenticates with Negotiate; then the session
 * cookie, or Negotiate on every request in mode {@code nosession}), sending list, pause and unpause of
 * the thread's own domain over plain blocking sockets, as wrk or ab would, so that the generator
 * costs little next to the daemon.
 *
 * <p>RATE 0 is a closed loop (each client sends its next request when the last is answered: the
 * daemon's capacity). RATE > 0 is an open loop at RATE requests/s in all, spread evenly over the
 * clients: each request has a scheduled send time and its latency counts from that time, so a
 * daemon that falls behind is charged for the queue it built (no coordinated omission).
 *
 * <p>Reports requests/s, p50/p90/p99/p99.9/max, errors, the daemon's CPU per request (from
 * /proc/PID/stat: the daemon alone, JIT and GC included) and the generator's; then checks that every
 * answered pause/unpause has exactly one audit line and every domain ends running.
 *
 * <pre>mvn -o -q -pl xman test-compile dependency:build-classpath -Dmdep.includeScope=test -Dmdep.outputFile=target/cp.txt
 *  java -cp xman/target/classes:xman/target/test-classes:$(cat xman/target/cp.txt) \
 *      org.javapxeboot.xman.daemon.XmandLoad all 100 2000 20 20</pre>
 * MODE: secure, nosession, insecure, or all (insecure, secure, nosession, insecure); then CLIENTS,
 * RATE, SECONDS, WARMUP (seconds of the same load before the window, for the daemon's JIT).
 *
 * <p>MODE {@code nginx}: the same clients and schedule against nginx (Debian's {@code nginx-light},
 * not installed by CI) answering {@code list} with a fixed file of one small entry per client (~7 KB;
 * xmand's list is ~25 KB) and every other call with a few bytes (no TLS, no authentication, no
 * libvirt, two worker processes): the floor of this harness on this machine, what any daemon sharing
 * the cores with this generator would see at least.
 */
public final class XmandLoad {
    private static final String[] OPS = {"list", "pause", "unpause"};

    record Result(String mode, int clients, int rate, double seconds, long requests, long errors, long[] sorted,
                  double daemonCpu, double generatorCpu, boolean consistent, long lifecycle, long audited) {
        String line() {
            return String.format("%-9s clients=%d rate=%s seconds=%.1f requests=%d req/s=%.0f p50=%.2f p90=%.2f p99=%.2f p99.9=%.2f max=%.2f ms"
                            + " errors=%d daemon CPU=%.1f s (%.3f ms/request, %.2f cores) generator CPU=%.1f s (%.3f ms/request) lifecycle ok=%d audited=%d",
                    mode, clients, rate == 0 ? "closed" : Integer.toString(rate), seconds, requests, requests / seconds, XmanBench.pct(sorted, 0.50),
                    XmanBench.pct(sorted, 0.90), XmanBench.pct(sorted, 0.99), XmanBench.pct(sorted, 0.999), XmanBench.pct(sorted, 1.0), errors, daemonCpu,
                    requests == 0 ? 0 : daemonCpu * 1000 / requests, daemonCpu / seconds, generatorCpu,
                    requests == 0 ? 0 : generatorCpu * 1000 / requests, lifecycle, audited);
        }
    }

    public static void main(String[] args) throws Exception {
        String mode = args.length > 0 ? args[0] : "all";
        int clients = args.length > 1 ? Integer.parseInt(args[1]) : 100;
        int rate = args.length > 2 ? Integer.parseInt(args[2]) : 2000;
        int seconds = args.length > 3 ? Integer.parseInt(args[3]) : 20;
        int warmup = args.length > 4 ? Integer.parseInt(args[4]) : 20;
        List<String> modes = mode.equals("all") ? List.of("insecure", "secure", "nosession", "insecure") : List.of(mode);
        System.out.println("load average before: " + XmanBench.loadAverage() + "; " + Runtime.getRuntime().availableProcessors() + " CPUs");
        boolean ok = true;
        List<Result> results = new ArrayList<>();
        for (String m : modes) {
            Result r = run(m, clients, rate, seconds, warmup);
            System.out.println(r.line());
            results.add(r);
            ok &= r.errors() == 0 && r.consistent();
        }
        System.out.println("load average after: " + XmanBench.loadAverage());
        List<Result> plain = results.stream().filter(r -> r.mode().equals("insecure")).toList();
        for (Result s : results) {
            if (s.mode().equals("insecure") || plain.isEmpty()) continue;
            double p99 = plain.stream().mapToDouble(r -> XmanBench.pct(r.sorted(), 0.99)).average().orElse(0);
            double cpu = plain.stream().mapToDouble(r -> r.daemonCpu() / r.requests()).average().orElse(0);
            double thr = plain.stream().mapToDouble(r -> r.requests() / r.seconds()).average().orElse(0);
            System.out.printf("%s/insecure (mean of %d): throughput %.2fx  p99 %.2fx  daemon CPU per request %.2fx%n", s.mode(), plain.size(),
                    thr / (s.requests() / s.seconds()), XmanBench.pct(s.sorted(), 0.99) / p99, (s.daemonCpu() / s.requests()) / cpu);
        }
        if (!ok) System.out.println("FAIL: errors, or lost or double-applied operations");
        System.exit(ok ? 0 : 1);
    }

    static Result run(String mode, int clients, int rate, int seconds, int warmup) throws Exception {
        if (mode.equals("nginx")) {
            return Nginx.run(clients, rate, seconds, warmup);
        }
        boolean secure = !mode.equals("insecure");
        Path dir = Files.createTempDirectory("xmand-load");
        StringBuilder node = new StringBuilder("<node><cpu><mhz>2000</mhz><model>bench</model><active>4</active><nodes>1</nodes>"
                + "<sockets>1</sockets><cores>2</cores><threads>2</threads></cpu><memory>67108864</memory>");
        for (int i = 0; i < clients; i++) {
            node.append("<domain type='test'><name>b").append(i).append("</name><memory>262144</memory><vcpu>1</vcpu><os><type>hvm</type></os></domain>");
        }
        node.append("</node>");
        // Every client may wait for a libvirt thread at once; syslog off in every mode (the audit log file stays).
        List<String> extra = new ArrayList<>(List.of("--max-queued", Integer.toString(Math.max(32, clients))));
        if (secure) extra.addAll(List.of("--syslog", "off")); // startPlain already says so
        if (mode.equals("nosession")) extra.addAll(List.of("--session-lifetime", "0"));
        // -Dxmand.args="--threads 8 ...": more daemon options (benchmarks compare settings)
        String more = System.getProperty("xmand.args");
        if (more != null && !more.isBlank()) extra.addAll(List.of(more.trim().split("\\s+")));
        MitKdc kdc = secure ? MitKdc.shared() : null;
        XmandProcess x;
        if (secure) {
            Path k5login = dir.resolve("k5login");
            Files.writeString(k5login, kdc.principal("admin") + "\n");
            x = XmandProcess.start(kdc, dir, "h1", node.toString(), k5login, extra);
        } else {
            x = XmandProcess.startPlain(dir, "h1", node.toString(), extra);
        }
        try {
            SSLContext tls = secure ? Tls.clientContext(List.of(x.cert)) : null;
            Kerberos.Initiator initiator = secure ? new Kerberos.Initiator(Kerberos.login(kdc.keytab("admin"), kdc.principal("admin"), true)) : null;
            Conn[] conns = new Conn[clients];
            for (int i = 0; i < clients; i++) conns[i] = new Conn(x.port, tls, initiator, mode.equals("nosession"));
            Driven d = drive(conns, x.process.pid(), clients, rate, seconds, warmup);
            long[] all = d.sorted();
            long applied = d.lifecycle();
            double elapsed = d.elapsed();
            double daemonCpu = d.daemonCpu();
            double generatorCpu = d.generatorCpu();
            AtomicLong errors = new AtomicLong(d.errors());
            long total = all.length;
            long audited = Files.readAllLines(x.log).stream()
                    .filter(s -> (s.contains(" op=pause ") || s.contains(" op=unpause ")) && s.contains("result=ok")).count();
            boolean running = allRunning(x.port, tls, initiator, clients);
            return new Result(mode, clients, rate, elapsed, total, errors.get(), all, daemonCpu, generatorCpu,
                    applied == audited && running, applied, audited);
        } finally {
            x.close();
            XmandFixture.deleteTree(dir);
        }
    }

    /** What one driven window gave: latencies sorted (ns), errors, lifecycle calls answered ok, CPU. */
    record Driven(long[] sorted, long errors, long lifecycle, double elapsed, double daemonCpu, double generatorCpu) {
    }

    /**
     * Drives {@code conns} (one per client) at {@code rate} (0: closed loop) for the warm-up and then
     * the window; the daemon's CPU is that of {@code pid} and its descendants.
     */
    static Driven drive(Conn[] conns, long pid, int clients, int rate, int seconds, int warmup) throws Exception {
        var os = (com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();
        long[] window = new long[5];
        long periodNanos = rate == 0 ? 0 : (long) (1e9 * clients / rate);
        CyclicBarrier warm = new CyclicBarrier(clients + 1);
        CyclicBarrier measure = new CyclicBarrier(clients + 1);
        long[][] lat = new long[clients][];
        int[] counts = new int[clients];
        long[] lifecycle = new long[clients];
        AtomicLong errors = new AtomicLong();
        List<Thread> ts = new ArrayList<>();
        for (int i = 0; i < clients; i++) {
            final int t = i;
            Thread th = new Thread(() -> {
                Conn c = conns[t];
                String dom = "b" + t;
                long[] l = new long[8192];
                int n = 0;
                try {
                    warm.await();
                    // Warm-up: the same load, not recorded (latencies), but its lifecycle calls are audited too.
                    long[] phase = {window[0], window[0] + seconds(warmup)};
                    for (int round = 0; round < 2; round++) {
                        long start = phase[0];
                        long end = phase[1];
                        // Each client's schedule is offset so that the sends spread evenly.
                        long next = start + (periodNanos * t) / clients;
                        int k = 0;
                        while (true) {
                            long now = System.nanoTime();
                            if (now >= end) break;
                            long sendAt = now;
                            if (periodNanos > 0) {
                                if (next >= end) break;
                                if (next > now) {
                                    LockSupport.parkNanos(next - now);
                                    continue;
                                }
                                sendAt = next;
                                next += periodNanos;
                            }
                            String op = OPS[k++ % 3];
                            int status = c.call(op, op.equals("list") ? "{}" : "{\"domain\":\"" + dom + "\"}");
                            long done = System.nanoTime();
                            if (status != 200) {
                                if (errors.incrementAndGet() <= 5) System.err.println(dom + " " + op + ": HTTP " + status + " " + c.lastBody());
                            } else if (!op.equals("list")) {
                                lifecycle[t]++;
                            }
                            if (round == 1) {
                                if (n == l.length) l = Arrays.copyOf(l, n * 2);
                                l[n++] = done - sendAt;
                            }
                        }
                        if (round == 0) {
                            // Leave the domain running whatever the warm-up ended on, then wait for the window.
                            if (k % 3 == 2) {
                                if (c.call("unpause", "{\"domain\":\"" + dom + "\"}") == 200) lifecycle[t]++;
                                else errors.incrementAndGet();
                            }
                            measure.await();
                            phase = new long[] {window[2], window[2] + seconds(seconds)};
                        }
                    }
                    // Leave it running at the end too.
                    if (n % 3 == 2) {
                        if (c.call("unpause", "{\"domain\":\"" + dom + "\"}") == 200) lifecycle[t]++;
                        else errors.incrementAndGet();
                    }
                } catch (Exception e) {
                    errors.incrementAndGet();
                    e.printStackTrace();
                }
                lat[t] = l;
                counts[t] = n;
            }, "load-" + i);
            ts.add(th);
            th.start();
        }
        window[0] = System.nanoTime();
        warm.await();
        Thread.sleep(seconds(warmup) / 1_000_000 + 200);
        // Everyone finished the warm-up: the window opens, with both processes' CPU clocks read.
        window[3] = daemonCpuTicks(pid);
        window[4] = os.getProcessCpuTime();
        window[2] = System.nanoTime();
        measure.await();
        for (Thread th : ts) th.join();
        double elapsed = (System.nanoTime() - window[2]) / 1e9;
        double daemonCpu = (daemonCpuTicks(pid) - window[3]) / 100.0;
        double generatorCpu = (os.getProcessCpuTime() - window[4]) / 1e9;
        for (Conn c : conns) c.close();
        long total = Arrays.stream(counts).sum();
        long[] all = new long[(int) total];
        int k = 0;
        for (int i = 0; i < clients; i++) {
            System.arraycopy(lat[i], 0, all, k, counts[i]);
            k += counts[i];
        }
        Arrays.sort(all);
        return new Driven(all, errors.get(), Arrays.stream(lifecycle).sum(), elapsed, daemonCpu, generatorCpu);
    }

    private static long seconds(int s) {
        return s * 1_000_000_000L;
    }

    /** Every b* domain is running (from a list). */
    private static boolean allRunning(int port, SSLContext tls, Kerberos.Initiator initiator, int clients) throws Exception {
        try (Conn c = new Conn(port, tls, initiator, false)) {
            if (c.call("list", "{}") != 200) return false;
            String body = c.lastBody();
            int running = body.split("\"state\"\\s*:\\s*\"running\"", -1).length - 1;
            return running == clients;
        }
    }

    /** The daemon's user + system CPU in clock ticks (USER_HZ = 100), its live child processes' included. */
    private static long daemonCpuTicks(long pid) throws IOException {
        long ticks = cpuTicks(pid);
        for (ProcessHandle h : ProcessHandle.of(pid).map(p -> p.descendants().toList()).orElse(List.of())) {
            ticks += cpuTicks(h.pid());
        }
        return ticks;
    }

    private static long cpuTicks(long pid) throws IOException {
        String stat = Files.readString(Path.of("/proc/" + pid + "/stat"));
        String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
        return Long.parseLong(f[11]) + Long.parseLong(f[12]);
    }

    /** nginx answering every request with xmand's answer sizes: the harness's floor (see the class comment). */
    static final class Nginx {
        static Result run(int clients, int rate, int seconds, int warmup) throws Exception {
            Path dir = Files.createTempDirectory("xmand-load-nginx");
            int port;
            try (java.net.ServerSocket probe = new java.net.ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
                port = probe.getLocalPort();
            }
            // one small entry per client (~7 KB for 100; xmand's own list is ~25 KB); pause/unpause: a few bytes
            String list = "{\"domains\":[" + "{\"name\":\"bNN\",\"state\":\"running\",\"memory_kib\":262144,\"vcpus\":1}".repeat(clients) + "]}";
            Files.writeString(dir.resolve("list.json"), list);
            Files.writeString(dir.resolve("nginx.conf"), "worker_processes 2;\ndaemon off;\npid " + dir.resolve("nginx.pid") + ";\n"
                    + "error_log " + dir.resolve("error.log") + ";\nevents { worker_connections 4096; }\n"
                    + "http { access_log off; keepalive_requests 100000000; keepalive_timeout 600s; client_body_temp_path " + dir + ";\n"
                    + "  server { listen 127.0.0.1:" + port + ";\n"
                    // a POST to a static file is refused (405): the error page, fetched as a GET, is the file
                    + "    location = /v1/list { error_page 405 =200 /list.json; return 405; }\n"
                    + "    location = /list.json { internal; root " + dir + "; default_type application/json; }\n"
                    + "    location / { default_type application/json; return 200 '{\"ok\":true}'; } } }\n");
            Process p = new ProcessBuilder("nginx", "-p", dir.toString(), "-c", dir.resolve("nginx.conf").toString())
                    .redirectErrorStream(true).redirectOutput(dir.resolve("out.log").toFile()).start();
            try {
                long deadline = System.nanoTime() + 10_000_000_000L;
                while (true) {
                    try (Socket s = new Socket("127.0.0.1", port)) {
                        break;
                    } catch (IOException e) {
                        if (System.nanoTime() > deadline || !p.isAlive()) throw new IOException("nginx did not start: " + Files.readString(dir.resolve("out.log")));
                        Thread.sleep(20);
                    }
                }
                Conn[] conns = new Conn[clients];
                for (int i = 0; i < clients; i++) conns[i] = new Conn(port, null, null, false);
                Driven d = drive(conns, p.pid(), clients, rate, seconds, warmup);
                return new Result("nginx", clients, rate, d.elapsed(), d.sorted().length, d.errors(), d.sorted(), d.daemonCpu(), d.generatorCpu(),
                        true, d.lifecycle(), d.lifecycle());
            } finally {
                p.destroy();
                p.waitFor();
                XmandFixture.deleteTree(dir);
            }
        }
    }

    /** One keep-alive HTTP/1.1 connection, blocking, as a load generator keeps it. */
    static final class Conn implements AutoCloseable {
        private final Socket socket;
        private final OutputStream out;
        private final InputStream in;
        private final Kerberos.Initiator initiator;
        private final boolean negotiateEveryTime;
        private String cookie;
        private byte[] body = new byte[0];

        Conn(int port, SSLContext tls, Kerberos.Initiator initiator, boolean negotiateEveryTime) throws IOException {
            Socket s = new Socket();
            s.setTcpNoDelay(true);
            s.connect(new InetSocketAddress("127.0.0.1", port));
            if (tls != null) {
                SSLSocket ssl = (SSLSocket) tls.getSocketFactory().createSocket(s, "localhost", port, true);
                ssl.startHandshake();
                s = ssl;
            }
            socket = s;
            out = s.getOutputStream();
            in = new BufferedInputStream(s.getInputStream(), 64 * 1024);
            this.initiator = initiator;
            this.negotiateEveryTime = negotiateEveryTime;
        }

        /** POSTs {@code json} to op; the HTTP status. */
        int call(String op, String json) throws Exception {
            byte[] b = json.getBytes(StandardCharsets.UTF_8);
            StringBuilder req = new StringBuilder(256).append("POST ").append(Protocol.PREFIX).append(op).append(" HTTP/1.1\r\nHost: localhost\r\n")
                    .append("Content-Type: ").append(Protocol.JSON_TYPE).append("\r\nContent-Length: ").append(b.length).append("\r\n");
            Kerberos.Initiator.Pending pending = null;
            if (initiator != null && (cookie == null || negotiateEveryTime)) {
                pending = initiator.start("HTTP@localhost");
                req.append("Authorization: Negotiate ").append(Base64.getEncoder().encodeToString(pending.token)).append("\r\n");
            } else if (cookie != null) {
                req.append("Cookie: ").append(SessionCookie.NAME).append('=').append(cookie).append("\r\n");
            }
            req.append("\r\n");
            byte[] head = req.toString().getBytes(StandardCharsets.US_ASCII);
            byte[] all = Arrays.copyOf(head, head.length + b.length);
            System.arraycopy(b, 0, all, head.length, b.length);
            out.write(all);
            out.flush();
            int status = 0;
            int length = -1;
            String line;
            boolean first = true;
            while (!(line = readLine()).isEmpty()) {
                if (first) {
                    status = Integer.parseInt(line.substring(9, 12));
                    first = false;
                } else if (line.regionMatches(true, 0, "Content-Length:", 0, 15)) {
                    length = Integer.parseInt(line.substring(15).trim());
                } else if (line.regionMatches(true, 0, "Set-Cookie:", 0, 11)) {
                    String v = line.substring(11).trim();
                    if (v.startsWith(SessionCookie.NAME + "=")) {
                        String value = v.substring(SessionCookie.NAME.length() + 1).split(";", 2)[0];
                        cookie = value.isEmpty() ? null : value;
                    }
                }
            }
            if (length < 0) throw new IOException("no Content-Length from " + op);
            body = in.readNBytes(length);
            if (pending != null) pending.dispose();
            return status;
        }

        String lastBody() {
            return new String(body, StandardCharsets.UTF_8);
        }

        private String readLine() throws IOException {
            StringBuilder sb = new StringBuilder(64);
            int c;
            while ((c = in.read()) != '\n') {
                if (c < 0) throw new IOException("connection closed by the daemon");
                if (c != '\r') sb.append((char) c);
            }
            return sb.toString();
        }

        @Override
        public void close() throws IOException {
            socket.close();
        }
    }
}
