package org.javapxeboot.xman.daemon;

import org.javapxeboot.xman.client.XmanClient;
import org.javapxeboot.xman.vm.VmControl.DomainState;
import org.javapxeboot.xman.wire.Op;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Load benchmark (not a unit test): CLIENTS threads, each with its own Kerberos login and
 * keep-alive connection, loop list, pause and unpause of the thread's own domain against one
 * xmand in this JVM (MIT KDC, libvirt test driver). MODE {@code both} (the default) runs the
 * secure daemon (HTTPS + Kerberos, sessions on) and then the same daemon with --no-tls
 * --insecure-no-auth, with the same generator, one after the other; {@code all} runs the insecure
 * daemon, the secure one, the secure one with --session-lifetime 0 (a Kerberos authenticator on
 * every request), and the insecure one again, and compares with the mean of the insecure runs;
 * {@code secure}, {@code nosession} or {@code insecure} runs one.
 *
 * <p>Each run warms up for WARMUP seconds (logins, service tickets, TLS handshakes, JIT), then
 * measures SECONDS: requests/s, latency percentiles, errors, and CPU seconds of the whole process
 * and of the generator alone (its client threads and the JDK HTTP client's threads). Then it
 * checks that nothing was lost or applied twice: every answered pause/unpause has exactly one
 * audit line, every domain ends running.
 *
 * <pre>mvn -o -q -pl xman test-compile dependency:build-classpath -Dmdep.includeScope=test -Dmdep.outputFile=target/cp.txt
 *  java -cp xman/target/classes:xman/target/test-classes:$(cat xman/target/cp.txt) \
 *      org.javapxeboot.xman.daemon.XmanBench 100 20 both 5</pre>
 */
public final class XmanBench {
    /** What one run measured. */
    record Result(String mode, int clients, double seconds, int requests, long errors, long[] sorted, double processCpu,
                  double generatorCpu, boolean consistent, long applied, long audited) {
        String line() {
            return String.format("%-8s clients=%d seconds=%.1f requests=%d req/s=%.0f p50=%.1f ms p90=%.1f ms p99=%.1f ms max=%.1f ms errors=%d"
                            + " cpu: process=%.1f s generator=%.1f s rest=%.1f s (%.2f ms/request without the generator)"
                            + " lifecycle ok=%d audited=%d",
                    mode, clients, seconds, requests, requests / seconds, pct(sorted, 0.50), pct(sorted, 0.90), pct(sorted, 0.99),
                    sorted.length == 0 ? 0 : sorted[sorted.length - 1] / 1e6, errors, processCpu, generatorCpu, processCpu - generatorCpu,
                    requests == 0 ? 0 : (processCpu - generatorCpu) * 1000 / requests, applied, audited);
        }
    }

    public static void main(String[] args) throws Exception {
        int clients = args.length > 0 ? Integer.parseInt(args[0]) : 100;
        int seconds = args.length > 1 ? Integer.parseInt(args[1]) : 20;
        String mode = args.length > 2 ? args[2] : "both";
        int warmup = args.length > 3 ? Integer.parseInt(args[3]) : 5;
        List<String> runs = switch (mode) {
            case "both" -> List.of("secure", "insecure");
            // The insecure daemon first and last: the runs share one JVM, whose JIT keeps compiling
            // (slowly on a loaded machine), so the secure runs are compared with the mean of both.
            case "all" -> List.of("insecure", "secure", "nosession", "insecure");
            case "secure", "insecure", "nosession" -> List.of(mode);
            default -> throw new IllegalArgumentException("mode: both, all, secure, nosession or insecure, not " + mode);
        };
        System.out.println("load average before: " + loadAverage());
        List<Result> results = new ArrayList<>();
        for (String m : runs) {
            Result r = run(clients, seconds, warmup, m);
            System.out.println(r.line());
            results.add(r);
        }
        System.out.println("load average after: " + loadAverage());
        List<Result> plain = results.stream().filter(r -> r.mode().equals("insecure") && r.requests() > 0).toList();
        if (!plain.isEmpty()) {
            double rate = plain.stream().mapToDouble(r -> r.requests() / r.seconds()).average().orElse(0);
            double p99 = plain.stream().mapToDouble(r -> pct(r.sorted(), 0.99)).average().orElse(0);
            double cpu = plain.stream().mapToDouble(r -> (r.processCpu() - r.generatorCpu()) / r.requests()).average().orElse(0);
            for (Result s : results) {
                if (s.mode().equals("insecure") || s.requests() == 0) continue;
                System.out.printf("%s/insecure (mean of %d): throughput %.2fx  p99 %.2fx  CPU per request without the generator %.2fx%n", s.mode(),
                        plain.size(), rate / (s.requests() / s.seconds()), pct(s.sorted(), 0.99) / p99,
                        ((s.processCpu() - s.generatorCpu()) / s.requests()) / cpu);
            }
        }
        boolean ok = results.stream().allMatch(r -> r.errors() == 0 && r.consistent());
        if (!ok) System.out.println("FAIL: errors, or lost or double-applied operations");
        System.exit(ok ? 0 : 1);
    }

    /** One run: "secure" (HTTPS, Kerberos, sessions), "nosession" (the same, Negotiate on every request) or "insecure". */
    static Result run(int clients, int seconds, int warmup, String mode) throws Exception {
        boolean secure = !mode.equals("insecure");
        Path dir = Files.createTempDirectory("xman-bench");
        StringBuilder node = new StringBuilder("<node><cpu><mhz>2000</mhz><model>bench</model><active>4</active><nodes>1</nodes>"
                + "<sockets>1</sockets><cores>2</cores><threads>2</threads></cpu><memory>67108864</memory>");
        for (int i = 0; i < clients; i++) {
            node.append("<domain type='test'><name>b").append(i).append("</name><memory>262144</memory><vcpu>1</vcpu><os><type>hvm</type></os></domain>");
        }
        node.append("</node>");
        Files.createDirectories(dir.resolve("x"));
        // Every client may wait for a libvirt thread at once: --max-queued of at least the clients.
        XmandServer.Limits limits = new XmandServer.Limits(XmandServer.Limits.DEFAULT.opTimeout(), XmandServer.Limits.DEFAULT.migrateTimeout(),
                XmandServer.Limits.DEFAULT.opThreads(), Math.max(XmandServer.Limits.DEFAULT.maxQueued(), clients));
        ThreadMXBean mx = ManagementFactory.getThreadMXBean();
        com.sun.management.OperatingSystemMXBean os = (com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();
        try (XmandFixture x = new XmandFixture(dir.resolve("x"), node.toString(), secure, limits,
                mode.equals("nosession") ? Duration.ZERO : XmandServer.Settings.DEFAULT_SESSION_LIFETIME)) {
            List<XmanClient> cs = new ArrayList<>();
            for (int i = 0; i < clients; i++) cs.add(x.client("admin"));
            long[][] lat = new long[clients][];
            int[] counts = new int[clients];
            long[] lifecycle = new long[clients];
            long[] ownCpu = new long[clients];
            AtomicLong errors = new AtomicLong();
            // Everyone warmed up -> the window opens (the action samples the CPU clocks); everyone done -> it closes.
            long[] window = new long[4];
            Map<Long, Long> httpThreadsAtStart = new HashMap<>();
            CyclicBarrier start = new CyclicBarrier(clients, () -> {
                window[0] = System.nanoTime();
                window[1] = os.getProcessCpuTime();
                httpThreadsAtStart.putAll(httpClientThreadCpu(mx));
                // A profiler attached now sees the measured window only.
                System.out.println(mode + ": measuring for " + seconds + " s");
            });
            long[] endAt = new long[1];
            List<Thread> ts = new ArrayList<>();
            for (int i = 0; i < clients; i++) {
                final int t = i;
                Thread th = new Thread(() -> {
                    // Grown as needed: 100 clients with a fixed 8 MiB each cost more page faults than the requests.
                    long[] l = new long[4096];
                    int n = 0;
                    String dom = "b" + t;
                    XmanClient c = cs.get(t);
                    try {
                        long warmEnd = System.nanoTime() + Duration.ofSeconds(warmup).toNanos();
                        do {
                            for (Op op : new Op[] {Op.LIST, Op.PAUSE, Op.UNPAUSE}) call(c, x, op, dom);
                        } while (System.nanoTime() < warmEnd);
                        start.await();
                        synchronized (endAt) {
                            if (endAt[0] == 0) endAt[0] = window[0] + Duration.ofSeconds(seconds).toNanos();
                        }
                        long cpu0 = mx.getCurrentThreadCpuTime();
                        while (System.nanoTime() < endAt[0]) {
                            if (n + 3 > l.length) l = Arrays.copyOf(l, l.length * 2);
                            for (Op op : new Op[] {Op.LIST, Op.PAUSE, Op.UNPAUSE}) {
                                long t0 = System.nanoTime();
                                try {
                                    c.call(x.target(), op, op == Op.LIST ? Map.of() : Map.of("domain", dom));
                                    if (op != Op.LIST) lifecycle[t]++;
                                } catch (XmanClient.Failure f) {
                                    errors.incrementAndGet();
                                    System.err.println(dom + " " + op.wire + ": " + f.getMessage());
                                }
                                l[n++] = System.nanoTime() - t0;
                            }
                        }
                        ownCpu[t] = mx.getCurrentThreadCpuTime() - cpu0;
                    } catch (Exception e) {
                        errors.incrementAndGet();
                        e.printStackTrace();
                    }
                    lat[t] = l;
                    counts[t] = n;
                }, "bench-" + i);
                ts.add(th);
                th.start();
            }
            for (Thread th : ts) th.join();
            window[2] = System.nanoTime();
            window[3] = os.getProcessCpuTime();
            long httpCpu = 0;
            for (Map.Entry<Long, Long> e : httpClientThreadCpu(mx).entrySet()) httpCpu += e.getValue() - httpThreadsAtStart.getOrDefault(e.getKey(), 0L);
            double elapsed = (window[2] - window[0]) / 1e9;
            int total = Arrays.stream(counts).sum();
            long[] all = new long[total];
            int k = 0;
            for (int i = 0; i < clients; i++) {
                System.arraycopy(lat[i], 0, all, k, counts[i]);
                k += counts[i];
            }
            Arrays.sort(all);
            long applied = Arrays.stream(lifecycle).sum();
            String log = x.log();
            // The warm-up's lifecycle calls are audited too: count every ok pause/unpause the daemon answered.
            long audited = log.lines().filter(s -> (s.contains(" op=pause ") || s.contains(" op=unpause ")) && s.contains("result=ok")).count();
            boolean allRunning = true;
            for (int i = 0; i < clients; i++) allRunning &= x.vm.lookup("b" + i).state() == DomainState.RUNNING;
            long warmOk = warmupLifecycle.getAndSet(0);
            double generator = (Arrays.stream(ownCpu).sum() + httpCpu) / 1e9;
            return new Result(mode, clients, elapsed, total, errors.get(), all, (window[3] - window[1]) / 1e9,
                    generator, applied + warmOk == audited && allRunning, applied + warmOk, audited);
        } finally {
            XmandFixture.deleteTree(dir);
        }
    }

    private static final AtomicLong warmupLifecycle = new AtomicLong();

    private static void call(XmanClient c, XmandFixture x, Op op, String dom) throws XmanClient.Failure {
        c.call(x.target(), op, op == Op.LIST ? Map.of() : Map.of("domain", dom));
        if (op != Op.LIST) warmupLifecycle.incrementAndGet();
    }

    /** CPU nanoseconds of each live JDK HTTP client thread (selector managers, workers), by thread id. */
    private static Map<Long, Long> httpClientThreadCpu(ThreadMXBean mx) {
        Map<Long, Long> m = new HashMap<>();
        for (Thread t : Thread.getAllStackTraces().keySet()) {
            if (!t.getName().startsWith("HttpClient-")) continue;
            long cpu = mx.getThreadCpuTime(t.getId());
            if (cpu >= 0) m.put(t.getId(), cpu);
        }
        return m;
    }

    static String loadAverage() {
        try {
            return Files.readString(Path.of("/proc/loadavg")).trim();
        } catch (java.io.IOException e) {
            return "unknown";
        }
    }

    static double pct(long[] sorted, double p) {
        if (sorted.length == 0) return 0;
        return sorted[Math.min(sorted.length - 1, (int) Math.ceil(p * sorted.length) - 1)] / 1e6;
    }
}
