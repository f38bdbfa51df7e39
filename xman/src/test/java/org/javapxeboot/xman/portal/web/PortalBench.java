package org.javapxeboot.xman.portal.web;

import org.javapxeboot.xman.client.XmanClient;
import org.javapxeboot.xman.daemon.PlainXmand;
import org.javapxeboot.xman.portal.fleet.Fleet;
import org.javapxeboot.xman.portal.fleet.HostSnapshot;
import org.javapxeboot.xman.portal.fleet.Hosts;
import org.javapxeboot.xman.portal.fleet.LibvirtStates;
import org.javapxeboot.xman.portal.fleet.Overview;
import org.javapxeboot.xman.vm.FakeVm;

import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * The portal at scale (BENCHMARKS.md): one PlainXmand answers for N host names x 2 domains; reports
 * the poll cycle (every host read once, over the real protocol) and the overview's server time for
 * 2N rows (rows + HTML, and GET / end to end). Run:
 * {@code java -cp xman/target/classes:xman/target/test-classes:xman/target/lib/* org.javapxeboot.xman.portal.web.PortalBench [HOSTS] [POLL-THREADS]}
 */
public final class PortalBench {
    public static void main(String[] args) throws Exception {
        int hosts = args.length > 0 ? Integer.parseInt(args[0]) : 1000;
        int threads = args.length > 1 ? Integer.parseInt(args[1]) : 64;
        FakeVm vm = new FakeVm();
        try (PlainXmand xmand = new PlainXmand(vm, false)) {
            XmanClient.Target real = new XmanClient.Target("127.0.0.1", xmand.server.address().getPort());
            XmanClient client = new XmanClient(null, null, null, Duration.ofSeconds(30));
            List<String> names = new ArrayList<>();
            for (int i = 0; i < hosts; i++) names.add(String.format("skirit%04d.example.org", i));
            CountDownLatch[] cycle = {new CountDownLatch(hosts)};
            Fleet fleet = new Fleet(Hosts.of(names), (t, op, a) -> client.call(real, op, a), Clock.systemUTC(), new LibvirtStates(), threads,
                    (HostSnapshot s) -> cycle[0].countDown());
            PortalServer portal = new PortalServer(new PortalServer.Settings(new InetSocketAddress("127.0.0.1", 0), null, 4, Duration.ofSeconds(10)),
                    fleet, client::call, Authenticator.NONE);
            portal.start();
            long[] polls = new long[5];
            for (int i = 0; i < polls.length; i++) {
                cycle[0] = new CountDownLatch(hosts);
                long t0 = System.nanoTime();
                fleet.pollOnce();
                if (!cycle[0].await(5, TimeUnit.MINUTES)) throw new IllegalStateException("a poll cycle did not finish");
                polls[i] = System.nanoTime() - t0;
            }
            long[] render = new long[30];
            int rows = 0, bytes = 0;
            for (int i = 0; i < render.length; i++) {
                long t0 = System.nanoTime();
                List<Overview.Row> r = Overview.rows(fleet.snapshots(), Instant.now(), Duration.ofSeconds(10), fleet.view());
                String html = Pages.overview(r, fleet.view(), null, Instant.now(), 10, null, null);
                render[i] = System.nanoTime() - t0;
                rows = r.size();
                bytes = html.length();
            }
            HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
            long[] get = new long[20];
            for (int i = 0; i < get.length; i++) {
                long t0 = System.nanoTime();
                HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + portal.address().getPort() + "/")).build(),
                        HttpResponse.BodyHandlers.ofString());
                get[i] = System.nanoTime() - t0;
                if (r.statusCode() != 200) throw new IllegalStateException("GET / answered " + r.statusCode());
            }
            System.out.printf("hosts %d, poll threads %d, rows %d, page %d KiB%n", hosts, threads, rows, bytes / 1024);
            System.out.printf("poll cycle (all hosts read once): median %d ms, best %d ms%n", median(polls), min(polls));
            System.out.printf("overview rows + HTML (server time): median %.1f ms, best %.1f ms%n", median(render) / 1e3, min(render) / 1e3);
            System.out.printf("GET / end to end over loopback: median %.1f ms, best %.1f ms%n", median(get) / 1e3, min(get) / 1e3);
            portal.close();
            fleet.close();
        }
    }

    /** In ms for polls (ns / 1e6), in µs for the rest (ns / 1e3): the caller scales. */
    private static long median(long[] ns) {
        long[] c = ns.clone();
        Arrays.sort(c);
        return ns == null ? 0 : c[c.length / 2] / (c.length == 5 ? 1_000_000 : 1_000);
    }

    private static long min(long[] ns) {
        return Arrays.stream(ns).min().orElse(0) / (ns.length == 5 ? 1_000_000 : 1_000);
    }
}
