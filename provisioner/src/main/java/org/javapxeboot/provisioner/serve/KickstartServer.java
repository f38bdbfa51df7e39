package org.javapxeboot.provisioner.serve;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.function.Consumer;
import org.javapxeboot.provisioner.model.Cluster;
import org.javapxeboot.provisioner.model.Guest;
import org.javapxeboot.provisioner.plan.Layout;
import org.javapxeboot.provisioner.plan.OutputLock;
import org.javapxeboot.provisioner.model.Hypervisor;
import org.javapxeboot.provisioner.render.DomainXml;
import org.javapxeboot.provisioner.render.Kickstart;
import org.javapxeboot.provisioner.render.PxelinuxEntry;
import org.javapxeboot.provisioner.render.RenderException;
import org.javapxeboot.provisioner.virt.VirtException;
import org.javapxeboot.provisioner.virt.VmControl;

/**
 * The install server guests talk to: {@code GET /ks/NAME.ks} returns the guest's rendered
 * kickstart (or preseed); {@code GET} or {@code POST /ack/NAME} is the installer saying it is done,
 * and switches the guest's pxelinux entry to local boot (written to a temporary file and renamed,
 * so the TFTP server never sends half a file) and records {@code OUT/state/NAME.installed}, so
 * that {@code apply} keeps it that way (and redefines KVM guests to boot their disk). An ack that
 * carries {@code mac=} (the shipped templates send it) must name the guest's boot MAC.
 *
 * <p>Kickstarts are rendered once at start: a template error stops the server from starting
 * rather than failing a guest mid-install. Only names from the YAML are served; anything else is 404.
 */
public final class KickstartServer implements AutoCloseable {
    private static final int MAX_BODY = 4096;
    /** How long an ack waits for an apply holding the output tree; then 503, and the installer retries. */
    static final java.time.Duration ACK_LOCK_WAIT = java.time.Duration.ofSeconds(10);

    private final HttpServer http;
    private final ExecutorService pool;
    private final Map<String, Guest> guests = new LinkedHashMap<>();
    private final Map<String, byte[]> kickstarts = new LinkedHashMap<>();
    private final Layout layout;
    private final Consumer<String> log;
    private final CountDownLatch stopped = new CountDownLatch(1);
    private final Host host;
    private final String server;

    /**
     * The libvirt host the guests run on, opened per ack (the embedded node is a file: opened,
     * changed, saved). Null: KVM/QEMU acks fail with 500 (Xen guests need only their pxelinux entry).
     */
    public interface Host {
        VmControl open() throws VirtException;

        /** After each use: write back what must outlive the connection, and close it. */
        default void release(VmControl vm) throws VirtException, IOException {
            vm.close();
        }
    }

    private KickstartServer(HttpServer http, Cluster c, Layout layout, Kickstart ks, Host host, Consumer<String> log)
            throws RenderException {
        this.http = http;
        this.host = host;
        this.server = c.server();
        this.layout = layout;
        this.log = log;
        for (Guest raw : c.guests()) {
            Guest g = layout.resolve(raw);
            guests.put(g.name(), g);
            kickstarts.put(g.name(), ks.render(c.server(), g).getBytes(StandardCharsets.UTF_8));
        }
        this.pool = Executors.newFixedThreadPool(4, r -> {
            Thread t = new Thread(r, "ks-http");
            t.setDaemon(true);
            return t;
        });
        http.setExecutor(pool);
        http.createContext("/ks/", this::kickstart);
        http.createContext("/ack/", this::ack);
        http.createContext("/", ex -> reply(ex, 404, "not found: try /ks/NAME.ks or /ack/NAME\n"));
    }

    /** Renders every kickstart, then listens on {@code bind:port} (port 0: any free port). */
    public static KickstartServer start(Cluster c, Layout layout, Kickstart ks, String bind, int port, Consumer<String> log)
            throws IOException, RenderException {
        return start(c, layout, ks, null, bind, port, log);
    }

    /** With {@code host}: acks of KVM/QEMU guests redefine them to boot their disk. */
    public static KickstartServer start(Cluster c, Layout layout, Kickstart ks, Host host, String bind, int port,
                                        Consumer<String> log) throws IOException, RenderException {
        HttpServer http = HttpServer.create(new InetSocketAddress(bind, port), 64);
        KickstartServer s;
        try {
            s = new KickstartServer(http, c, layout, ks, host, log);
        } catch (RenderException | RuntimeException e) {
            http.stop(0);
            throw e;
        }
        http.start();
        return s;
    }

    public int port() {
        return http.getAddress().getPort();
    }

    /** Blocks until {@link #close()} is called (another thread, a shutdown hook) or the thread is interrupted. */
    public void awaitStop() throws InterruptedException {
        Thread hook = new Thread(this::close, "ks-http-stop");
        Runtime.getRuntime().addShutdownHook(hook);
        try {
            stopped.await();
        } finally {
            close();
            try {
                Runtime.getRuntime().removeShutdownHook(hook);
            } catch (IllegalStateException shuttingDown) {
                // the hook is running or has run: nothing to remove
            }
        }
    }

    @Override
    public void close() {
        if (stopped.getCount() == 0) {
            return;
        }
        http.stop(0);
        pool.shutdownNow();
        stopped.countDown();
    }

    private void kickstart(HttpExchange ex) throws IOException {
        try (ex) {
            drain(ex);
            if (!ex.getRequestMethod().equals("GET") && !ex.getRequestMethod().equals("HEAD")) {
                reply(ex, 405, "use GET\n");
                return;
            }
            String path = ex.getRequestURI().getRawPath();
            String file = path.substring("/ks/".length());
            String name = file.endsWith(".ks") ? file.substring(0, file.length() - 3) : null;
            byte[] body = name == null ? null : kickstarts.get(name);
            if (body == null) {
                log.accept(remote(ex) + " GET " + path + " 404");
                reply(ex, 404, "no kickstart here: " + file.replaceAll("[^A-Za-z0-9_.+-]", "?") + "\n");
                return;
            }
            log.accept(remote(ex) + " GET " + path + " 200 (" + name + ")");
            ex.getResponseHeaders().set("Content-Type", "text/plain; charset=utf-8");
            if (ex.getRequestMethod().equals("HEAD")) {
                ex.sendResponseHeaders(200, -1);
                return;
            }
            ex.sendResponseHeaders(200, body.length);
            try (OutputStream out = ex.getResponseBody()) {
                out.write(body);
            }
        }
    }

    private void ack(HttpExchange ex) throws IOException {
        try (ex) {
            String body = drain(ex);
            String method = ex.getRequestMethod();
            if (!method.equals("GET") && !method.equals("POST")) {
                reply(ex, 405, "use GET or POST\n");
                return;
            }
            String name = ex.getRequestURI().getRawPath().substring("/ack/".length());
            Guest g = guests.get(name);
            if (g == null) {
                log.accept(remote(ex) + " " + method + " /ack/" + name.replaceAll("[^A-Za-z0-9_.+-]", "?") + " 404");
                reply(ex, 404, "no such guest\n");
                return;
            }
            // The shipped templates send mac=...: a mismatch means a wrong URL in a kickstart (or a
            // guest acking for another), and switching the wrong guest to local boot is worse than no switch.
            String mac = param(ex.getRequestURI().getRawQuery(), body, "mac");
            if (mac != null && !mac.toLowerCase(java.util.Locale.ROOT).replace('-', ':').equals(g.bootMac())) {
                log.accept(remote(ex) + " " + method + " /ack/" + name + " 409: mac " + mac.replaceAll("[^0-9A-Fa-f:-]", "?")
                        + " is not " + g.bootMac());
                reply(ex, 409, "mac does not match " + name + "'s (" + g.bootMac() + "); nothing changed\n");
                return;
            }
            boolean already;
            // one writer per output tree: an apply running now waits for this, or this for it
            OutputLock lock;
            try {
                lock = layout.lock(ACK_LOCK_WAIT, "the ack of " + name + " from " + remote(ex) + " (provision serve, pid "
                        + ProcessHandle.current().pid() + ")");
            } catch (IOException e) {
                log.accept(remote(ex) + " " + method + " /ack/" + name + " 503: " + e.getMessage());
                ex.getResponseHeaders().set("Retry-After", "5");
                reply(ex, 503, "busy, try again: " + e.getMessage() + "\n");
                return;
            }
            try (lock) {
                already = Files.exists(layout.installed(name), java.nio.file.LinkOption.NOFOLLOW_LINKS);
                try {
                    if (g.hypervisor() != Hypervisor.XEN) {
                        // First, so that a failure leaves nothing claiming local boot: the domain's
                        // persistent definition boots the disk from its next start on.
                        bootDisk(g);
                    }
                    layout.write(layout.pxelinux(g), PxelinuxEntry.localBoot(g));
                    layout.write(layout.installed(name), "acknowledged by " + remote(ex) + "\n");
                } catch (RenderException | IOException | VirtException e) {
                    log.accept(remote(ex) + " " + method + " /ack/" + name + " 500: " + e.getMessage());
                    reply(ex, 500, "cannot switch to local boot: " + e.getMessage() + "\n");
                    return;
                }
            }
            log.accept(remote(ex) + " " + method + " /ack/" + name + " 200: " + layout.pxelinux(g)
                    + (already ? " (already local boot)" : " switched to local boot"));
            reply(ex, 200, name + ": local boot" + (already ? " (already)" : "") + "\n");
        }
    }

    /**
     * Redefines a KVM/QEMU guest to boot its disk: no installer kernel, initrd or command line,
     * {@code <boot dev='hd'/>}, the YAML's on_reboot. libvirt keeps a running instance (the
     * installer in its %post) as it is and applies this at the next start. Saved in
     * {@code OUT/libvirt/NAME.xml} too, so that the next apply finds nothing to change.
     */
    private void bootDisk(Guest g) throws VirtException, RenderException, IOException {
        if (host == null) {
            throw new VirtException(VirtException.Kind.UNAVAILABLE, "define", g.name(),
                    "this server has no libvirt connection to make the guest boot its disk");
        }
        VmControl vm = host.open();
        try {
            String uuid = vm.lookup(g.name()).uuid();
            vm.define(DomainXml.render(g, server, true, uuid));
            layout.write(layout.domainXml(g), DomainXml.render(g, server, true));
        } finally {
            host.release(vm);
        }
    }

    /** The request body (its first {@link #MAX_BODY} bytes; the rest is discarded). */
    private static String drain(HttpExchange ex) throws IOException {
        java.io.ByteArrayOutputStream kept = new java.io.ByteArrayOutputStream();
        try (InputStream in = ex.getRequestBody()) {
            byte[] buf = new byte[1024];
            long total = 0;
            int n;
            while ((n = in.read(buf)) > 0 && total < 16 * MAX_BODY) {
                if (kept.size() < MAX_BODY) {
                    kept.write(buf, 0, Math.min(n, MAX_BODY - kept.size()));
                }
                total += n;
            }
        }
        return kept.toString(StandardCharsets.UTF_8);
    }

    /** A form parameter from the query or an x-www-form-urlencoded body; split at the first '='. */
    static String param(String query, String body, String key) {
        for (String src : new String[] {query, body}) {
            if (src == null) {
                continue;
            }
            for (String pair : src.split("&")) {
                int eq = pair.indexOf('=');
                String k = eq < 0 ? pair : pair.substring(0, eq);
                if (k.equals(key)) {
                    try {
                        return java.net.URLDecoder.decode(eq < 0 ? "" : pair.substring(eq + 1), StandardCharsets.UTF_8).strip();
                    } catch (IllegalArgumentException e) {
                        return "";
                    }
                }
            }
        }
        return null;
    }

    private static String remote(HttpExchange ex) {
        return ex.getRemoteAddress() == null ? "?" : ex.getRemoteAddress().getAddress().getHostAddress();
    }

    private static void reply(HttpExchange ex, int code, String text) throws IOException {
        byte[] b = text.getBytes(StandardCharsets.UTF_8);
        ex.getResponseHeaders().set("Content-Type", "text/plain; charset=utf-8");
        ex.sendResponseHeaders(code, b.length);
        try (OutputStream out = ex.getResponseBody()) {
            out.write(b);
        }
    }
}
