package org.javapxeboot.it;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Two network namespaces joined by a veth pair: a "server" host at 10.214.N.1 and a "client" host
 * (the Xen dom0 stand-in) at 10.214.N.2. Traffic stays inside them. Needs root; {@link #unavailable()}
 * says why when it cannot be had, for JUnit assumptions.
 */
public final class Netns implements AutoCloseable {
    private static final AtomicInteger SEQ = new AtomicInteger();

    public final String server, client, serverIf, clientIf, serverIp, clientIp, subnet;

    private Netns(int n) {
        String tag = "jpb" + ProcessHandle.current().pid() % 100000 + "x" + n;
        server = tag + "s";
        client = tag + "c";
        serverIf = "vs" + tag.substring(3);
        clientIf = "vc" + tag.substring(3);
        int third = (int) ((ProcessHandle.current().pid() * 7 + n) % 200) + 20;
        subnet = "10.214." + third;
        serverIp = subnet + ".1";
        clientIp = subnet + ".2";
    }

    /** Why namespaces cannot be used here, or null when they can. */
    public static String unavailable() {
        if (!"root".equals(System.getProperty("user.name"))) return "needs root to create network namespaces (CI runs as root)";
        try {
            Process p = new ProcessBuilder("ip", "netns", "list").redirectErrorStream(true).start();
            if (!p.waitFor(10, TimeUnit.SECONDS) || p.exitValue() != 0) return "'ip netns list' failed";
        } catch (IOException e) {
            return "iproute2 is not installed (" + e.getMessage() + ")";
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return "interrupted";
        }
        return null;
    }

    public static Netns create() throws IOException {
        Netns n = new Netns(SEQ.incrementAndGet());
        try {
            n.setup();
        } catch (IOException | RuntimeException e) {
            n.close();
            throw e;
        }
        return n;
    }

    private void setup() throws IOException {
        run("ip", "netns", "add", server);
        run("ip", "netns", "add", client);
        run("ip", "link", "add", serverIf, "type", "veth", "peer", "name", clientIf);
        run("ip", "link", "set", serverIf, "netns", server);
        run("ip", "link", "set", clientIf, "netns", client);
        run("ip", "-n", server, "addr", "add", serverIp + "/24", "dev", serverIf);
        run("ip", "-n", client, "addr", "add", clientIp + "/24", "dev", clientIf);
        for (String[] ns : new String[][] {{server, serverIf}, {client, clientIf}}) {
            run("ip", "-n", ns[0], "link", "set", "lo", "up");
            run("ip", "-n", ns[0], "link", "set", ns[1], "up");
        }
    }

    /** A command line that runs {@code cmd} inside namespace {@code ns}. */
    public static List<String> in(String ns, List<String> cmd) {
        List<String> all = new ArrayList<>(List.of("ip", "netns", "exec", ns));
        all.addAll(cmd);
        return all;
    }

    /** Runs a command to completion, failing with its output if it exits non-zero. */
    public static String run(String... cmd) throws IOException {
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        try {
            if (!p.waitFor(60, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                throw new IOException(String.join(" ", cmd) + ": timed out");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted", e);
        }
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (p.exitValue() != 0) throw new IOException(String.join(" ", cmd) + " exited " + p.exitValue() + ": " + out.trim());
        return out;
    }

    @Override
    public void close() {
        for (String ns : new String[] {server, client}) {
            try {
                // Kill whatever still runs inside, then the namespace (its veth end goes with it).
                Process p = new ProcessBuilder("ip", "netns", "pids", ns).redirectErrorStream(true).start();
                String pids = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
                p.waitFor(10, TimeUnit.SECONDS);
                for (String pid : pids.split("\\s+")) {
                    if (pid.matches("\\d+")) ProcessHandle.of(Long.parseLong(pid)).ifPresent(ProcessHandle::destroyForcibly);
                }
                new ProcessBuilder("ip", "netns", "del", ns).redirectErrorStream(true).start().waitFor(10, TimeUnit.SECONDS);
            } catch (IOException e) {
                // nothing more to do
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }
}
