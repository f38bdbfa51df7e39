package org.javapxeboot.provisioner.serve;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.function.Consumer;
import java.util.regex.Pattern;
import org.javapxeboot.provisioner.model.Cluster;
import org.javapxeboot.provisioner.model.Guest;
import org.javapxeboot.provisioner.model.Hypervisor;
import org.javapxeboot.provisioner.plan.Layout;
import org.javapxeboot.provisioner.plan.OutputLock;
import org.javapxeboot.provisioner.render.DomainXml;
import org.javapxeboot.provisioner.render.Kickstart;
import org.javapxeboot.provisioner.render.RenderException;
import org.javapxeboot.provisioner.serve.HttpLite.Request;
import org.javapxeboot.provisioner.serve.HttpLite.Response;
import org.javapxeboot.xman.vm.VirtException;
import org.javapxeboot.xman.vm.VmControl;
import org.javapxeboot.xman.text.Escape;

/**
 * The install server guests talk to: {@code GET /ks/NAME.ks} returns the guest's rendered
 * kickstart (or preseed); {@code POST /ack/NAME} with {@code mac=MAC} is the installer saying it
 * is done: a KVM/QEMU guest's domain is redefined to boot its disk, the guest's pxelinux entry is
 * switched to local boot (written to a temporary file and renamed, so the TFTP server never sends
 * half a file) and {@code OUT/state/NAME.installed} is recorded, so that {@code apply} keeps it
 * that way.
 *
 * <p>Whom it trusts: a guest is known by the address its first vif names ({@code ip=} in the
 * YAML, the address its DHCP entry hands out). Its kickstart (which holds the root password hash)
 * is sent only to that address, and only a POST from that address with the guest's boot MAC acks
 * it. A guest without {@code ip=} gets neither (403, and a warning at start). The address is the
 * TCP peer's: nothing the client sends (X-Forwarded-For, a query) can claim another. Any other
 * peer is closed at accept ({@link #admits}; loopback peers too when listening on loopback), and
 * one address holds at most {@link HttpLite#MAX_PER_SOURCE} connections. Log lines are escaped.
 *
 * <p>Kickstarts are rendered once at start: a template error stops the server from starting
 * rather than failing a guest mid-install. Only names from the YAML are served; anything else is 404.
 */
public final class KickstartServer implements AutoCloseable {
    private static final Pattern IPV4 = Pattern.compile("\\d{1,3}(\\.\\d{1,3}){3}");

    /**
     * @param threads         requests handled at once
     * @param queue           connections waiting for a worker; beyond that 503 at once
     * @param requestDeadline from accept to the answer written: a client slower than this (half a
     *                        header, a trickled body) is answered 408 and dropped
     * @param ackLockWait     how long an ack waits for an apply holding the output tree; then 503
     *                        with Retry-After (the templates retry). Shorter than the request
     *                        deadline, so that the guest is told 503, not 408.
     */
    public record Settings(int threads, int queue, Duration requestDeadline, Duration ackLockWait) {
        /** What an ack waits for the output lock at most: {@link #ackLockWaitFor} of the deadline. */
        public static final Duration ACK_LOCK_WAIT = Duration.ofSeconds(3);

        public static final Settings DEFAULT = of(8, 32, Duration.ofSeconds(10));

        public Settings {
            if (threads < 1 || queue < 1 || requestDeadline.isNegative() || requestDeadline.isZero() || ackLockWait.isNegative()) {
                throw new IllegalArgumentException("threads and queue must be at least 1 and the deadline positive: " + threads
                        + ", " + queue + ", " + requestDeadline);
            }
            if (ackLockWait.compareTo(requestDeadline) >= 0) {
                throw new IllegalArgumentException("the ack's lock wait (" + ackLockWait.toMillis()
                        + " ms) must be shorter than the request deadline (" + requestDeadline.toMillis()
                        + " ms), or the guest gets 408 instead of 503 with Retry-After");
            }
        }

        /** With the ack's lock wait derived from the deadline ({@link #ackLockWaitFor}). */
        public static Settings of(int threads, int queue, Duration requestDeadline) {
            return new Settings(threads, queue, requestDeadline, ackLockWaitFor(requestDeadline));
        }

        /** {@link #ACK_LOCK_WAIT}, or a third of the request deadline when that is shorter. */
        public static Duration ackLockWaitFor(Duration requestDeadline) {
            Duration third = requestDeadline.dividedBy(3);
            return third.compareTo(ACK_LOCK_WAIT) < 0 ? third : ACK_LOCK_WAIT;
        }
    }

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

    private final HttpLite http;
    private final Map<String, Guest> guests = new LinkedHashMap<>();
    private final Map<String, InetAddress> addresses = new LinkedHashMap<>();
    private final Map<String, byte[]> kickstarts = new LinkedHashMap<>();
    private final Layout layout;
    private final Consumer<String> log;
    private final CountDownLatch stopped = new CountDownLatch(1);
    private final Host host;
    private final String server;
    private final Settings settings;

    private KickstartServer(Cluster c, Layout layout, Kickstart ks, Host host, Settings settings, InetSocketAddress bind,
                            HttpLite.Watchdog watchdog, Consumer<String> log) throws RenderException, IOException {
        this.layout = layout;
        // Every line carries what clients sent (a method, a path, a MAC): control characters in it
        // would drive the admin's terminal or forge log lines, so each line is escaped whole.
        this.log = line -> log.accept(Escape.line(line));
        this.host = host;
        this.server = c.server();
        this.settings = settings;
        for (Guest raw : c.guests()) {
            Guest g = layout.resolve(raw);
            guests.put(g.name(), g);
            kickstarts.put(g.name(), ks.render(c.server(), g).getBytes(StandardCharsets.UTF_8));
            InetAddress a = address(g);
            if (a == null) {
                log.accept("warning: " + g.where() + ": " + g.name() + " has no ip= (an IP address) in its first vif:"
                        + " its kickstart and ack are refused (403)");
            } else {
                addresses.put(g.name(), a);
            }
        }
        // last: every field is set before the first request can arrive
        java.util.Set<InetAddress> known = java.util.Set.copyOf(addresses.values());
        boolean loopback = bind.getAddress() != null && bind.getAddress().isLoopbackAddress();
        this.http = new HttpLite(bind, settings.threads(), settings.queue(), settings.requestDeadline(), watchdog,
                a -> admits(a, known, loopback), HttpLite.MAX_PER_SOURCE, this::handle, this.log);
    }

    /**
     * Whom the server talks to at all, decided at accept: the guests' own addresses ({@code ip=});
     * when it listens on loopback, any loopback peer too (only this host can reach it then, and
     * an admin's curl gets a clear 403 rather than a closed connection). Anyone else is closed
     * at once, before it can take a place in the queue.
     */
    static boolean admits(InetAddress peer, java.util.Set<InetAddress> guests, boolean boundToLoopback) {
        return guests.contains(peer) || boundToLoopback && peer.isLoopbackAddress();
    }

    /** The guest's own address: {@code ip=} of its first vif, when it is an IP address. */
    static InetAddress address(Guest g) {
        String ip = g.vifs().get(0).options().get("ip");
        if (ip == null || !(IPV4.matcher(ip).matches() || ip.contains(":"))) {
            return null;
        }
        try {
            return InetAddress.getByName(ip); // a literal: no name lookup
        } catch (IOException e) {
            return null;
        }
    }

    /**
     * Where to listen when {@code --bind} is not given: the host of the YAML's {@code server} URL
     * when it is an IP address (the provisioning address guests are told to use), else loopback.
     */
    public static String defaultBind(String serverUrl) {
        try {
            String h = URI.create(serverUrl).getHost();
            if (h != null && h.startsWith("[") && h.endsWith("]")) {
                h = h.substring(1, h.length() - 1);
            }
            if (h != null && (IPV4.matcher(h).matches() || h.contains(":"))) {
                return h;
            }
        } catch (IllegalArgumentException e) {
            // not a URL: loopback
        }
        return "127.0.0.1";
    }

    /** Renders every kickstart, then listens on {@code bind:port} (port 0: any free port); no host: KVM acks fail. */
    public static KickstartServer start(Cluster c, Layout layout, Kickstart ks, String bind, int port, Consumer<String> log)
            throws IOException, RenderException {
        return start(c, layout, ks, null, bind, port, log);
    }

    /** With {@code host}: acks of KVM/QEMU guests redefine them to boot their disk. */
    public static KickstartServer start(Cluster c, Layout layout, Kickstart ks, Host host, String bind, int port,
                                        Consumer<String> log) throws IOException, RenderException {
        return start(c, layout, ks, host, bind, port, Settings.DEFAULT, log);
    }

    public static KickstartServer start(Cluster c, Layout layout, Kickstart ks, Host host, String bind, int port,
                                        Settings settings, Consumer<String> log) throws IOException, RenderException {
        return start(c, layout, ks, host, bind, port, settings, HttpLite.Watchdog.scheduled(), log);
    }

    /** With the deadlines armed through {@code watchdog} (tests fire them themselves). */
    static KickstartServer start(Cluster c, Layout layout, Kickstart ks, Host host, String bind, int port,
                                 Settings settings, HttpLite.Watchdog watchdog, Consumer<String> log)
            throws IOException, RenderException {
        try {
            return new KickstartServer(c, layout, ks, host, settings, new InetSocketAddress(bind, port), watchdog, log);
        } catch (RenderException | IOException | RuntimeException e) {
            watchdog.close();
            throw e;
        }
    }

    public int port() {
        return http.port();
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
        http.close();
        stopped.countDown();
    }

    private Response handle(Request r) {
        if (r.path().startsWith("/ks/")) {
            return kickstart(r);
        }
        if (r.path().startsWith("/ack/")) {
            return ack(r);
        }
        return Response.text(404, "not found: try /ks/NAME.ks or POST /ack/NAME\n");
    }

    private static String clean(String s) {
        return s.replaceAll("[^A-Za-z0-9_.+-]", "?");
    }

    /** Null when {@code r} comes from the guest's own address, else the 403 to send (and log). */
    private Response notFromGuest(Request r, Guest g, String what) {
        InetAddress own = addresses.get(g.name());
        String who = r.remote().getHostAddress();
        if (own == null) {
            log.accept(who + " " + r.method() + " " + r.path() + " 403: " + g.name() + " has no ip= in its first vif");
            return Response.text(403, g.name() + " has no ip= in its first vif in the YAML; " + what + " refused\n");
        }
        if (!own.equals(r.remote())) {
            log.accept(who + " " + r.method() + " " + r.path() + " 403: not " + g.name() + "'s address " + own.getHostAddress());
            // the guest's address stays in the log: a caller is not told which address to spoof
            return Response.text(403, what + " only for " + g.name() + " itself; you are " + who + "\n");
        }
        return null;
    }

    private Response kickstart(Request r) {
        String who = r.remote().getHostAddress();
        if (!r.method().equals("GET") && !r.method().equals("HEAD")) {
            return Response.text(405, "use GET\n");
        }
        String file = r.path().substring("/ks/".length());
        String name = file.endsWith(".ks") ? file.substring(0, file.length() - 3) : null;
        byte[] body = name == null ? null : kickstarts.get(name);
        if (body == null) {
            log.accept(who + " GET " + clean(r.path()) + " 404");
            return Response.text(404, "no kickstart here: " + clean(file) + "\n");
        }
        Response refused = notFromGuest(r, guests.get(name), "its kickstart is served");
        if (refused != null) {
            return refused;
        }
        log.accept(who + " " + r.method() + " " + r.path() + " 200 (" + name + ")");
        return new Response(200, "text/plain; charset=utf-8", r.method().equals("HEAD") ? new byte[0] : body, Map.of());
    }

    private Response ack(Request r) {
        String who = r.remote().getHostAddress();
        String name = r.path().substring("/ack/".length());
        Guest g = guests.get(name);
        if (g == null) {
            log.accept(who + " " + r.method() + " /ack/" + clean(name) + " 404");
            return Response.text(404, "no such guest\n");
        }
        if (!r.method().equals("POST")) {
            // a GET is what crawlers, link previews and typos send: it must never switch a guest
            log.accept(who + " " + r.method() + " /ack/" + name + " 405");
            return new Response(405, "text/plain; charset=utf-8", "use POST with mac=MAC\n".getBytes(StandardCharsets.UTF_8),
                    Map.of("Allow", "POST"));
        }
        Response refused = notFromGuest(r, g, "the ack is taken");
        if (refused != null) {
            return refused;
        }
        // The guest names its boot MAC: a mismatch means a wrong URL in a kickstart (or a guest
        // acking for another), and switching the wrong guest to local boot is worse than no switch.
        String mac = param(null, r.bodyText(), "mac");
        if (mac == null || mac.isEmpty()) {
            log.accept(who + " POST /ack/" + name + " 400: no mac=");
            return Response.text(400, "send mac=" + g.bootMac() + " in the form body; nothing changed\n");
        }
        if (!mac.toLowerCase(Locale.ROOT).replace('-', ':').equals(g.bootMac())) {
            log.accept(who + " POST /ack/" + name + " 409: mac " + mac.replaceAll("[^0-9A-Fa-f:-]", "?") + " is not " + g.bootMac());
            return Response.text(409, "mac does not match " + name + "'s (" + g.bootMac() + "); nothing changed\n");
        }
        boolean already;
        // one writer per output tree: an apply running now waits for this, or this for it
        OutputLock lock;
        try {
            lock = layout.lock(settings.ackLockWait(), "the ack of " + name + " from " + who + " (provision serve, pid "
                    + OutputLock.pid() + ")");
        } catch (IOException e) {
            log.accept(who + " POST /ack/" + name + " 503: " + e.getMessage());
            return new Response(503, "text/plain; charset=utf-8", ("busy, try again: " + e.getMessage() + "\n")
                    .getBytes(StandardCharsets.UTF_8), Map.of("Retry-After", "5"));
        }
        try (lock) {
            already = Files.exists(layout.installed(name), LinkOption.NOFOLLOW_LINKS);
            if (g.hypervisor() != Hypervisor.XEN) {
                // First, so that a failure leaves nothing claiming local boot: the domain's
                // persistent definition boots the disk from its next start on.
                bootDisk(g);
            }
            for (Map.Entry<java.nio.file.Path, String> e : layout.netboot(null, g, true).entrySet()) {
                layout.write(e.getKey(), e.getValue()); // the pxelinux entry, or a UEFI guest's GRUB entry
            }
            layout.write(layout.installed(name), "acknowledged by " + who + "\n");
        } catch (RenderException | IOException | VirtException e) {
            log.accept(who + " POST /ack/" + name + " 500: " + e.getMessage());
            return Response.text(500, "cannot switch to local boot: " + e.getMessage() + "\n");
        }
        log.accept(who + " POST /ack/" + name + " 200: " + (g.uefi() ? layout.grub(g) : layout.pxelinux(g))
                + (already ? " (already local boot)" : " switched to local boot"));
        return Response.text(200, name + ": local boot" + (already ? " (already)" : "") + "\n");
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
}
