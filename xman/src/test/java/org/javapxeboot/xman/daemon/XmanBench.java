package org.javapxeboot.xman.daemon;

import org.javapxeboot.xman.client.XmanClient;
import org.javapxeboot.xman.wire.Protocol;
import org.javapxeboot.xman.vm.VmControl;

import org.javapxeboot.xman.vm.VmControl.DomainState;
import org.javapxeboot.xman.wire.Op;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Load benchmark (not a unit test): CLIENTS threads, each with its own Kerberos login, hammer one
 * xmand (in this JVM, HTTPS, MIT KDC, libvirt test driver) for SECONDS with list and pause/unpause
 * of the thread's own domain. Reports requests/s and latency percentiles, then checks that nothing
 * was lost or applied twice: every answered pause/unpause has exactly one audit line, every domain
 * ends running.
 *
 * <pre>mvn -o -q -pl xman test-compile dependency:build-classpath -Dmdep.includeScope=test -Dmdep.outputFile=target/cp.txt
 *  java -cp xman/target/classes:xman/target/test-classes:$(cat xman/target/cp.txt) \
 *      org.javapxeboot.xman.daemon.XmanBench 16 20</pre>
 */
public final class XmanBench {
    public static void main(String[] args) throws Exception {
        int clients = args.length > 0 ? Integer.parseInt(args[0]) : 16;
        int seconds = args.length > 1 ? Integer.parseInt(args[1]) : 20;
        Path dir = Files.createTempDirectory("xman-bench");
        StringBuilder node = new StringBuilder("<node><cpu><mhz>2000</mhz><model>bench</model><active>4</active><nodes>1</nodes>"
                + "<sockets>1</sockets><cores>2</cores><threads>2</threads></cpu><memory>67108864</memory>");
        for (int i = 0; i < clients; i++) {
            node.append("<domain type='test'><name>b").append(i).append("</name><memory>262144</memory><vcpu>1</vcpu><os><type>hvm</type></os></domain>");
        }
        node.append("</node>");
        Files.createDirectories(dir.resolve("x"));
        int status = 0;
        try (XmandFixture x = new XmandFixture(dir.resolve("x"), node.toString())) {
            List<XmanClient> cs = new ArrayList<>();
            for (int i = 0; i < clients; i++) cs.add(x.client("admin"));
            long[][] lat = new long[clients][];
            int[] counts = new int[clients];
            long[] lifecycle = new long[clients];
            AtomicLong errors = new AtomicLong();
            CountDownLatch go = new CountDownLatch(1);
            List<Thread> ts = new ArrayList<>();
            long end = System.nanoTime() + seconds * 1_000_000_000L;
            for (int i = 0; i < clients; i++) {
                final int t = i;
                Thread th = new Thread(() -> {
                    long[] l = new long[1 << 20];
                    int n = 0;
                    String dom = "b" + t;
                    try {
                        go.await();
                        XmanClient c = cs.get(t);
                        // Warm the ticket: the first call fetches the service ticket from the KDC.
                        c.call(x.target(), Op.LIST, Map.of());
                        while (System.nanoTime() < end && n < l.length - 3) {
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
                    } catch (Exception e) {
                        errors.incrementAndGet();
                        e.printStackTrace();
                    }
                    lat[t] = l;
                    counts[t] = n;
                });
                ts.add(th);
                th.start();
            }
            long t0 = System.nanoTime();
            go.countDown();
            for (Thread th : ts) th.join();
            double elapsed = (System.nanoTime() - t0) / 1e9;
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
            long audited = log.lines().filter(s -> (s.contains(" op=pause ") || s.contains(" op=unpause ")) && s.contains("result=ok")).count();
            boolean allRunning = true;
            for (int i = 0; i < clients; i++) allRunning &= x.vm.lookup("b" + i).state() == DomainState.RUNNING;
            System.out.printf("clients=%d seconds=%.1f requests=%d errors=%d%n", clients, elapsed, total, errors.get());
            System.out.printf("throughput=%.0f req/s  p50=%.1f ms  p90=%.1f ms  p99=%.1f ms  max=%.1f ms%n", total / elapsed,
                    pct(all, 0.50), pct(all, 0.90), pct(all, 0.99), all.length == 0 ? 0 : all[all.length - 1] / 1e6);
            System.out.printf("pause/unpause answered ok=%d audited ok=%d all domains running=%b%n", applied, audited, allRunning);
            if (errors.get() != 0 || applied != audited || !allRunning) {
                System.out.println("FAIL: lost or double-applied operations");
                status = 1;
            }
        } finally {
            XmandFixture.deleteTree(dir);
        }
        System.exit(status);
    }

    static double pct(long[] sorted, double p) {
        if (sorted.length == 0) return 0;
        return sorted[Math.min(sorted.length - 1, (int) Math.ceil(p * sorted.length) - 1)] / 1e6;
    }
}
