package org.javapxeboot.xman.vm;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * A real, private {@code libvirtd} (privileged, so {@code qemu:///system}) for one test, sharing
 * nothing with a system libvirtd and leaving nothing behind on the host.
 *
 * <p>A privileged libvirtd has its directories compiled in ({@code /etc/libvirt}, {@code /run/libvirt},
 * {@code /var/lib/libvirt}, {@code /var/log/libvirt}, {@code /var/cache/libvirt}) and reads
 * {@code /etc/libvirt/qemu.conf} whatever {@code --config} says. So it runs under
 * {@code unshare --mount --net}: in its own mount namespace, tmpfs covers {@code /run}, {@code /var/lib},
 * {@code /var/log} and {@code /var/cache}, and each libvirt directory is a bind mount of a folder
 * under {@link #dir()} (visible from the host for diagnostics). Its socket is in {@code DIR/sock}
 * ({@code unix_sock_dir}), reached with {@code qemu:///system?socket=DIR/sock/libvirt-sock}.
 *
 * <p>Debian's qemu driver looks up its compiled-in user and group {@code libvirt-qemu} before it
 * reads qemu.conf and refuses to load without them (they come with libvirt-daemon-system, which
 * this does not need). Rather than add a user to the host, the namespace sees copies of
 * {@code /etc/passwd} and {@code /etc/group} with that user added; qemu.conf then runs qemu as root.
 * There is no virtlogd, so {@code stdio_handler = "file"}. In its own network namespace the guests'
 * taps sit on a bridge {@link #BRIDGE} that reaches nothing.
 *
 * <p>Closing kills the daemon and any qemu it left (pid files under {@code DIR/run/qemu}); the
 * namespaces go with their last process. A JVM shutdown hook does the same if a test is killed.
 */
public final class PrivateLibvirtd implements AutoCloseable {

    /** The bridge the guests' vifs use, inside the daemon's network namespace. */
    public static final String BRIDGE = "jpbr0";

    public static final Path LIBVIRTD = Path.of("/usr/sbin/libvirtd");
    public static final Path QEMU = Path.of("/usr/bin/qemu-system-x86_64");

    // Debian: qemu.conf's user/group default (meson -Dqemu_user/-Dqemu_group); uid/gid of the
    // namespace-only entry, unused on the host (checked).
    private static final String QEMU_USER = "libvirt-qemu";

    private static final String QEMU_CONF = String.join("\n",
            "# written by PrivateLibvirtd (provisioner tests)",
            "user = \"root\"",
            "group = \"root\"",
            // root owns the disks already; and never relabel or tag (xattrs) host files like the kernel
            "dynamic_ownership = 0",
            "remember_owner = 0",
            "security_driver = \"none\"",
            // no virtlogd here: qemu writes its own log file
            "stdio_handler = \"file\"",
            // containers and CI runners: no cgroup delegation, no per-VM /dev namespace
            "cgroup_controllers = [ ]",
            "namespaces = [ ]",
            "");

    // Runs inside the new namespaces as sh -c SCRIPT sh DIR; exec keeps the Process pid = libvirtd.
    private static final String SCRIPT = String.join("\n",
            "set -e",
            "PATH=/usr/sbin:/usr/bin:/sbin:/bin:$PATH",
            "D=$1",
            "for m in /run /var/lib /var/log /var/cache; do mount -t tmpfs -o mode=0755 tmpfs $m; done",
            "mkdir -p /run/libvirt /var/lib/libvirt /var/log/libvirt /var/cache/libvirt",
            "mount --bind \"$D/run\" /run/libvirt",
            "mount --bind \"$D/lib\" /var/lib/libvirt",
            "mount --bind \"$D/log\" /var/log/libvirt",
            "mount --bind \"$D/cache\" /var/cache/libvirt",
            "mount --bind \"$D/etc\" /etc/libvirt",
            "mount --bind \"$D/passwd\" /etc/passwd",
            "mount --bind \"$D/group\" /etc/group",
            "ip link set lo up",
            "ip link add " + BRIDGE + " type bridge",
            "ip link set " + BRIDGE + " up",
            "exec " + LIBVIRTD + " --config \"$D/etc/libvirtd.conf\" --pid-file \"$D/libvirtd.pid\"",
            "");

    private final Path dir;
    private final Process process;
    private final Thread hook;
    private boolean closed;

    private PrivateLibvirtd(Path dir, Process process) {
        this.dir = dir;
        this.process = process;
        this.hook = new Thread(this::stop, "private-libvirtd-cleanup");
        Runtime.getRuntime().addShutdownHook(hook);
    }

    /** Why this machine cannot run a private libvirtd, or empty if it can. */
    public static Optional<String> unavailable() {
        if (!"root".equals(System.getProperty("user.name"))) {
            return Optional.of("needs root: a privileged libvirtd in its own mount and network namespace");
        }
        List<String> missing = new ArrayList<>();
        if (!Files.isExecutable(LIBVIRTD)) {
            missing.add(LIBVIRTD + " (Debian package libvirt-daemon)");
        }
        if (qemuDriver().isEmpty()) {
            missing.add("libvirt_driver_qemu.so (libvirt-daemon-driver-qemu)");
        }
        if (!Files.isExecutable(QEMU)) {
            missing.add(QEMU + " (qemu-system-x86)");
        }
        if (!Files.isDirectory(Path.of("/etc/libvirt"))) {
            missing.add("/etc/libvirt (libvirt-clients)"); // a bind-mount target: the host's is never written
        }
        String[][] tools = {{"unshare", "util-linux"}, {"nsenter", "util-linux"}, {"ip", "iproute2"}, {"stty", "coreutils"},
            {"mount", "mount"}};
        for (String[] tool : tools) {
            if (onPath(tool[0]).isEmpty()) {
                missing.add(tool[0] + " (" + tool[1] + ")");
            }
        }
        return missing.isEmpty() ? Optional.empty() : Optional.of("missing " + String.join(", ", missing));
    }

    private static Optional<Path> onPath(String name) {
        String path = System.getenv().getOrDefault("PATH", "/usr/bin:/bin") + ":/usr/sbin:/sbin";
        for (String d : path.split(":")) {
            Path p = Path.of(d.isEmpty() ? "." : d, name);
            if (Files.isExecutable(p)) {
                return Optional.of(p);
            }
        }
        return Optional.empty();
    }

    private static Optional<Path> qemuDriver() {
        for (String lib : new String[] {"/usr/lib/x86_64-linux-gnu", "/usr/lib64", "/usr/lib"}) {
            Path p = Path.of(lib, "libvirt", "connection-driver", "libvirt_driver_qemu.so");
            if (Files.exists(p)) {
                return Optional.of(p);
            }
        }
        return Optional.empty();
    }

    /**
     * Starts the daemon with its state under {@code dir} (which should be empty) and waits until its
     * socket exists. The first call on a connection may take several seconds more: the daemon probes
     * qemu's capabilities before it answers.
     */
    public static PrivateLibvirtd start(Path dir, Duration timeout) throws IOException, InterruptedException {
        dir = dir.toAbsolutePath();
        for (String d : new String[] {"etc", "run", "lib", "log", "cache", "sock"}) {
            Files.createDirectories(dir.resolve(d));
        }
        Files.writeString(dir.resolve("etc/libvirtd.conf"), String.join("\n",
                "# written by PrivateLibvirtd (provisioner tests)",
                "unix_sock_dir = \"" + dir.resolve("sock") + "\"",
                "unix_sock_rw_perms = \"0700\"",
                "auth_unix_rw = \"none\"",
                "auth_unix_ro = \"none\"",
                "log_outputs = \"3:stderr\"",
                ""));
        Files.writeString(dir.resolve("etc/qemu.conf"), QEMU_CONF);
        Files.writeString(dir.resolve("passwd"), withEntry(Path.of("/etc/passwd"),
                QEMU_USER + ":x:%d:%d:Libvirt Qemu (test namespace only):/var/lib/libvirt:/usr/sbin/nologin"));
        Files.writeString(dir.resolve("group"), withEntry(Path.of("/etc/group"), QEMU_USER + ":x:%d:"));
        ProcessBuilder pb = new ProcessBuilder(onPath("unshare").map(Path::toString).orElse("unshare"), "--mount", "--net", "--propagation", "private",
                "sh", "-c", SCRIPT, "sh", dir.toString());
        pb.redirectErrorStream(true);
        pb.redirectOutput(dir.resolve("libvirtd.log").toFile());
        PrivateLibvirtd d = new PrivateLibvirtd(dir, pb.start());
        long deadline = System.nanoTime() + timeout.toNanos();
        Path sock = d.socket();
        while (!Files.exists(sock)) {
            if (!d.process.isAlive()) {
                String log = d.log();
                d.close();
                throw new IOException("private libvirtd exited with " + d.process.exitValue() + ": " + log);
            }
            if (System.nanoTime() > deadline) {
                String log = d.log();
                d.close();
                throw new IOException("private libvirtd made no socket " + sock + " within " + timeout + ": " + log);
            }
            Thread.sleep(50);
        }
        return d;
    }

    /** {@code file} plus {@code format} (with a free id twice) unless it already has the qemu user. */
    private static String withEntry(Path file, String format) throws IOException {
        String text = Files.readString(file, StandardCharsets.UTF_8);
        if (text.startsWith(QEMU_USER + ":") || text.contains("\n" + QEMU_USER + ":")) {
            return text;
        }
        int id = 64055; // Debian's usual libvirt-qemu uid; any id free in passwd and group does
        while (text.contains(":" + id + ":") || Files.readString(Path.of("/etc/group")).contains(":" + id + ":")) {
            id++;
        }
        return text + (text.endsWith("\n") || text.isEmpty() ? "" : "\n") + String.format(format, id, id) + "\n";
    }

    public Path dir() {
        return dir;
    }

    public Path socket() {
        return dir.resolve("sock").resolve("libvirt-sock");
    }

    /** {@code qemu:///system} on this daemon's socket. */
    public String uri() {
        return "qemu:///system?socket=" + socket();
    }

    /**
     * Puts the guests' bridge on a link with network namespace {@code netns}: a veth pair whose end
     * {@code ifName} (at most 15 characters, free on the host) goes into {@code netns} with address
     * {@code cidr} (e.g. {@code 10.77.0.1/24}), the other end onto {@link #BRIDGE} in the daemon's
     * namespace. Servers in {@code netns} (DHCP, TFTP, HTTP) then reach the guests as on a LAN. The
     * pair goes away with either namespace.
     */
    public void linkBridge(String netns, String ifName, String cidr) throws IOException, InterruptedException {
        String pid = Long.toString(process.pid()); // unshare, sh and libvirtd are one process (exec)
        String peer = "jl" + pid;
        run("ip", "link", "add", ifName, "type", "veth", "peer", "name", peer);
        try {
            run("ip", "link", "set", peer, "netns", pid);
        } catch (IOException e) {
            run("ip", "link", "del", ifName);
            throw e;
        }
        run("ip", "link", "set", ifName, "netns", netns);
        run("ip", "-n", netns, "addr", "add", cidr, "dev", ifName);
        run("ip", "-n", netns, "link", "set", ifName, "up");
        run("ip", "-n", netns, "link", "set", "lo", "up");
        run("nsenter", "-t", pid, "-n", "ip", "link", "set", peer, "master", BRIDGE);
        run("nsenter", "-t", pid, "-n", "ip", "link", "set", peer, "up");
    }

    /**
     * {@code cmd} run in the daemon's network namespace (where {@link #BRIDGE} and the guests' taps
     * are), as a command line: {@code nsenter -t PID -n CMD...}. The mount namespace stays the
     * caller's, so the command sees the host's files.
     */
    public List<String> inNetns(List<String> cmd) {
        List<String> all = new ArrayList<>(List.of(onPath("nsenter").map(Path::toString).orElse("nsenter"), "-t",
                Long.toString(process.pid()), "-n"));
        all.addAll(cmd);
        return all;
    }

    /**
     * Gives {@link #BRIDGE} the address {@code cidr} (e.g. {@code 10.77.0.2/24}) and, unless
     * {@code gateway} is null, a default route through it: the daemon's namespace then stands in
     * for a Xen dom0, whose bridge (xenbr0) carries the host's own address on the guests' LAN.
     */
    public void addressBridge(String cidr, String gateway) throws IOException, InterruptedException {
        String pid = Long.toString(process.pid());
        run("nsenter", "-t", pid, "-n", "ip", "addr", "add", cidr, "dev", BRIDGE);
        if (gateway != null) {
            run("nsenter", "-t", pid, "-n", "ip", "route", "add", "default", "via", gateway, "dev", BRIDGE);
        }
    }

    /** The qemu process libvirt runs for {@code domain}, if it is running (its pid file names it). */
    public Optional<ProcessHandle> qemuProcess(String domain) {
        Path pidFile = dir.resolve("run/qemu").resolve(domain + ".pid");
        try {
            long pid = Long.parseLong(Files.readString(pidFile).trim());
            return ProcessHandle.of(pid).filter(h -> h.info().command().map(c -> c.contains("qemu")).orElse(false));
        } catch (IOException | NumberFormatException e) {
            return Optional.empty(); // no pid file (not running) or a half-written one
        }
    }

    private static void run(String... cmd) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!p.waitFor(30, TimeUnit.SECONDS) || p.exitValue() != 0) {
            p.destroyForcibly();
            throw new IOException(String.join(" ", cmd) + " failed: " + out.trim());
        }
    }

    /** The daemon's own messages (warnings and errors). */
    public String log() {
        return read(dir.resolve("libvirtd.log"));
    }

    /** libvirt's log of a guest's qemu: its command line, and qemu's stderr. */
    public String qemuLog(String domain) {
        return read(dir.resolve("log/qemu").resolve(domain + ".log"));
    }

    private static String read(Path p) {
        try {
            return Files.exists(p) ? Files.readString(p, StandardCharsets.ISO_8859_1) : "(no " + p + ")";
        } catch (IOException e) {
            return "(cannot read " + p + ": " + e.getMessage() + ")";
        }
    }

    /** Stops the daemon (SIGTERM, then SIGKILL after 15 s) and kills any qemu it left running. */
    @Override
    public void close() {
        stop();
        try {
            Runtime.getRuntime().removeShutdownHook(hook);
        } catch (IllegalStateException e) {
            // the JVM is already shutting down and runs the hook itself
        }
    }

    private synchronized void stop() {
        if (closed) {
            return;
        }
        closed = true;
        process.destroy();
        try {
            if (!process.waitFor(15, TimeUnit.SECONDS)) {
                process.destroyForcibly();
                process.waitFor(5, TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            process.destroyForcibly();
            Thread.currentThread().interrupt();
        }
        // a running guest's qemu outlives libvirtd (it is its own process); libvirt keeps its pid here
        Path pids = dir.resolve("run/qemu");
        if (Files.isDirectory(pids)) {
            try (DirectoryStream<Path> s = Files.newDirectoryStream(pids, "*.pid")) {
                for (Path p : s) {
                    killQemu(p);
                }
            } catch (IOException e) {
                // best effort: nothing else to clean up with
            }
        }
    }

    private static void killQemu(Path pidFile) {
        try {
            long pid = Long.parseLong(Files.readString(pidFile).trim());
            ProcessHandle.of(pid)
                    .filter(h -> h.info().command().map(c -> c.contains("qemu")).orElse(false))
                    .ifPresent(h -> {
                        h.destroyForcibly();
                        h.onExit().orTimeout(5, TimeUnit.SECONDS).exceptionally(t -> null).join();
                    });
        } catch (IOException | NumberFormatException e) {
            // an unreadable or half-written pid file: qemu never started
        }
    }
}
