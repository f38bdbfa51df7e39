package org.javapxeboot.provisioner.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** The command line end to end on the embedded host (kept in OUT/state/test-node.xml between runs). */
@Timeout(120)
class ProvisionCliTest {
    static final Path EXAMPLE = Path.of("examples/cluster.yaml");

    @TempDir Path dir;

    record Run(int code, String out, String err) {
    }

    static Run run(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int code = ProvisionCli.run(args, new PrintWriter(out), new PrintWriter(err));
        return new Run(code, out.toString(), err.toString());
    }

    String out() {
        return dir.resolve("out").toString();
    }

    @Test
    void validateTheExample() {
        Run r = run("validate", EXAMPLE.toString());
        assertEquals(0, r.code, r.err);
        assertEquals("examples/cluster.yaml: valid, 3 domain(s)\n", r.out);
    }

    @Test
    void invalidYamlExitsTwoWithEveryErrorLocated() throws Exception {
        Path bad = dir.resolve("bad.yaml");
        Files.writeString(bad, "domains:\n  a:\n    memroy: 1\n    vif: [\"mac=52:54:00:00:00:01\"]\n  b:\n    vif: [\"mac=52:54:00:00:00:01\"]\n");
        for (String cmd : new String[] {"validate", "plan", "apply"}) {
            Run r = cmd.equals("validate") ? run(cmd, bad.toString()) : run(cmd, bad.toString(), "--out", out());
            assertEquals(2, r.code, cmd);
            assertTrue(r.err.contains(bad + ":3:5: error: unknown key 'memroy' in domain 'a'; did you mean 'memory'?"), r.err);
            assertTrue(r.err.contains(bad + ":6:11: error: MAC 52:54:00:00:00:01 is given to both 'a' (at 4:11) and 'b'"), r.err);
            assertTrue(r.err.endsWith(bad + ": 2 error(s); nothing done\n"), r.err);
            assertFalse(r.err.contains("\tat "), "no stack trace");
        }
        assertFalse(Files.exists(dir.resolve("out")));
    }

    @Test
    void hostileYamlFilesGetOneClearLine() throws Exception {
        Path laughs = dir.resolve("laughs.yaml");
        StringBuilder y = new StringBuilder("a: &a [x,x,x,x,x,x,x,x,x]\n");
        for (char c = 'b'; c <= 'k'; c++) {
            y.append(c).append(": &").append(c).append(" [").append(("*" + (char) (c - 1) + ",").repeat(8))
                    .append('*').append((char) (c - 1)).append("]\n");
        }
        Files.writeString(laughs, y);
        Run r = run("validate", laughs.toString());
        assertEquals(2, r.code);
        assertTrue(r.err.startsWith(laughs + ":"), r.err);
        assertTrue(r.err.contains("aliases"), r.err);
        Path tag = dir.resolve("tag.yaml");
        Files.writeString(tag, "domains: !!java.net.URL [\"http://127.0.0.1/\"]\n");
        Run t = run("validate", tag.toString());
        assertEquals(2, t.code);
        assertTrue(t.err.startsWith(tag + ":1:10: error: tag 'tag:yaml.org,2002:java.net.URL' is not allowed"), t.err);
    }

    @Test
    void planApplyApplyPlanOnTheExample() throws Exception {
        Run plan = run("plan", EXAMPLE.toString(), "--out", out());
        assertEquals(3, plan.code, plan.err);
        assertTrue(plan.out.contains("+ disk cagnode50: " + dir.resolve("out/disks/cagnode50/fs/disk") + " (10GiB sparse)"), plan.out);
        assertTrue(plan.out.endsWith("Plan: 20 to create, 1 to change, 3 to start, 0 differing (left alone); 0 of 3 guest(s) unchanged.\n"),
                plan.out);
        assertFalse(Files.exists(dir.resolve("out")), "plan touches nothing");

        Run apply = run("apply", EXAMPLE.toString(), "--out", out());
        assertEquals(0, apply.code, apply.err);
        assertTrue(apply.out.contains("> start cagnode50: libvirt domain"), apply.out);
        assertTrue(apply.out.endsWith("Done: 24 step(s) for 3 guest(s).\n"), apply.out);

        Run again = run("apply", EXAMPLE.toString(), "--out", out());
        assertEquals(0, again.code, again.err);
        assertEquals("Nothing to do: 3 guest(s) up to date.\n", again.out);
        Run plan2 = run("plan", EXAMPLE.toString(), "--out", out());
        assertEquals(0, plan2.code);
        assertEquals("Plan: 0 to create, 0 to change, 0 to start, 0 differing (left alone); 3 of 3 guest(s) unchanged.\n", plan2.out);
    }

    /**
     * Root with a user's {@code XDG_CACHE_HOME} (su without -, sudo -E): libvirt's binding unpacks and
     * loads its native library from root's own cache, never from that folder, which the user could
     * write. A process of its own (the environment is the point); root only.
     */
    @Test
    void rootLoadsNoNativeLibraryFromAUsersCacheFolder() throws Exception {
        org.junit.jupiter.api.Assumptions.assumeTrue(Home.runningAsRoot(), "needs root: the rule is root's");
        Path xdg = dir.resolve("users-cache");
        ProcessBuilder b = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-cp",
                System.getProperty("java.class.path"), ProvisionCli.class.getName(), "apply", EXAMPLE.toString(), "--out", out())
                .redirectErrorStream(true);
        b.environment().put("XDG_CACHE_HOME", xdg.toString());
        Process p = b.start();
        String output = new String(p.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
        assertTrue(p.waitFor(120, java.util.concurrent.TimeUnit.SECONDS), output);
        assertEquals(0, p.exitValue(), output);
        assertTrue(output.contains("> start cagnode50: libvirt domain"), "libvirt was used: " + output);
        assertFalse(Files.exists(xdg), "nothing unpacked into the user's cache folder");
    }

    /** apply --serve, the installer fetches its kickstart and acks, then plan keeps the local boot. */
    @Test
    void applyServeAckThenPlanKeepsLocalBoot() throws Exception {
        java.util.concurrent.LinkedBlockingQueue<String> lines = new java.util.concurrent.LinkedBlockingQueue<>();
        java.io.Writer collector = new java.io.Writer() {
            private final StringBuilder line = new StringBuilder();

            @Override
            public synchronized void write(char[] cbuf, int off, int len) {
                for (int i = off; i < off + len; i++) {
                    if (cbuf[i] == '\n') {
                        lines.add(line.toString());
                        line.setLength(0);
                    } else {
                        line.append(cbuf[i]);
                    }
                }
            }

            @Override
            public void flush() {
            }

            @Override
            public void close() {
            }
        };
        int[] code = {-1};
        // the server answers a guest only from its own address: cagnode50 is on loopback here
        Path yaml = dir.resolve("cluster.yaml");
        Files.writeString(yaml, Files.readString(EXAMPLE).replace("ip=192.0.2.50",
                "ip=127.0.0.1"));
        Thread t = new Thread(() -> code[0] = ProvisionCli.run(new String[] {"apply", yaml.toString(), "--out", out(),
                "--serve", "--port", "0", "--bind", "127.0.0.1"}, new PrintWriter(collector, true), new PrintWriter(new StringWriter())));
        t.start();
        String serving = null;
        while (serving == null) {
            String l = lines.poll(30, java.util.concurrent.TimeUnit.SECONDS);
            assertTrue(l != null, "no 'serving' line");
            if (l.startsWith("serving ")) {
                serving = l;
            }
        }
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("http://127.0.0.1:(\\d+)/").matcher(serving);
        assertTrue(m.find(), serving);
        String base = "http://127.0.0.1:" + m.group(1);
        java.net.http.HttpClient http = java.net.http.HttpClient.newHttpClient();
        java.net.http.HttpResponse<String> ks = http.send(java.net.http.HttpRequest.newBuilder(
                java.net.URI.create(base + "/ks/cagnode50.ks")).build(), java.net.http.HttpResponse.BodyHandlers.ofString());
        assertEquals(200, ks.statusCode());
        assertTrue(ks.body().contains("ack/cagnode50"), ks.body());
        java.net.http.HttpResponse<String> ack = http.send(java.net.http.HttpRequest.newBuilder(
                java.net.URI.create(base + "/ack/cagnode50")).POST(java.net.http.HttpRequest.BodyPublishers.ofString(
                "mac=aa:00:86:e2:35:72")).build(), java.net.http.HttpResponse.BodyHandlers.ofString());
        assertEquals(200, ack.statusCode(), ack.body());
        t.interrupt();
        t.join(30_000);
        assertEquals(0, code[0]);
        assertTrue(Files.readString(dir.resolve("out/tftp/pxelinux.cfg/01-aa-00-86-e2-35-72")).contains("LOCALBOOT 0"));
        Run plan = run("plan", yaml.toString(), "--out", out());
        assertEquals(0, plan.code, "the acked entry is what apply wants now: " + plan.out);
    }

    @Test
    void hostWithConnectOrABadHostIsAUsageError() {
        for (String cmd : new String[] {"plan", "apply", "destroy"}) {
            String[] args = cmd.equals("destroy")
                    ? new String[] {cmd, EXAMPLE.toString(), "cagnode50", "--out", out(), "--host", "h1", "--connect", "qemu:///system"}
                    : new String[] {cmd, EXAMPLE.toString(), "--out", out(), "--host", "h1", "--connect", "qemu:///system"};
            Run r = run(args);
            assertEquals(2, r.code, cmd + ": " + r.err);
            assertEquals("provision: --host h1 and --connect qemu:///system exclude each other: --host uses that host's"
                    + " xmand, --connect a libvirt URI\n", r.err, cmd);
        }
        Run port = run("apply", EXAMPLE.toString(), "--out", out(), "--host", "h1:http");
        assertEquals(2, port.code);
        assertEquals("provision: --host: host h1:http: the port is not a number\n", port.err);
        // --connect with its default value is no conflict: it is where --host's guests would not go
        Run deflt = run("apply", EXAMPLE.toString(), "--out", out(), "--host", "h1:0", "--connect", "test:///default");
        assertEquals(2, deflt.code);
        assertEquals("provision: --host: bad host h1:0\n", deflt.err);
        assertFalse(Files.exists(dir.resolve("out")), "nothing done");
    }

    @Test
    void helpDocumentsTheRemoteEnvironment() {
        // provision --help, and the usage printed after a wrong apply command line
        for (String[] args : new String[][] {{"--help"}, {"apply"}}) {
            Run r = run(args);
            assertEquals(args.length == 1 && args[0].equals("--help") ? 0 : 2, r.code);
            String text = r.out + r.err;
            for (String s : new String[] {"--host HOST[:PORT]", "KRB5CCNAME", "XMAN_KEYTAB", "XMAN_PRINCIPAL", "XMAN_SERVICE_PRINCIPAL",
                    "XMAN_CACERT", "KRB5_CONFIG"}) {
                assertTrue(text.contains(s), s + " missing in\n" + text);
            }
        }
    }

    @Test
    void renderPrintsEverySection() {
        Run r = run("render", EXAMPLE.toString(), "cagnode50", "--out", out());
        assertEquals(0, r.code, r.err);
        for (String s : new String[] {"==> xl.cfg: ", "==> xm config: ", "==> libvirt domain XML: ", "==> pxelinux entry: ",
                "==> kickstart (sl-basic.ks): ", "bootloader_args = [ \"--mac=aa:00:86:e2:35:72\", \"--interface=xenbr0\" ]",
                "bootargs = \"vif[0]\"", "ks=http://192.0.2.1:8069/ks/cagnode50.ks"}) {
            assertTrue(r.out.contains(s), s + " missing in\n" + r.out);
        }
        Run missing = run("render", EXAMPLE.toString(), "nobody", "--out", out());
        assertEquals(2, missing.code);
        assertTrue(missing.err.contains("no domain 'nobody'; domains: cagnode50, cagnode51, debnode1"), missing.err);
    }

    @Test
    void destroyRefusesARunningGuestAndKeepsDisks() throws Exception {
        assertEquals(0, run("apply", EXAMPLE.toString(), "--out", out()).code);
        Run refused = run("destroy", EXAMPLE.toString(), "cagnode51", "--out", out());
        assertEquals(1, refused.code);
        assertTrue(refused.err.contains("cagnode51 is running; shut it down first or pass --force-stop; nothing done"), refused.err);
        Path disk = dir.resolve("out/disks/cagnode51.img");
        Run forced = run("destroy", EXAMPLE.toString(), "cagnode51", "--out", out(), "--force-stop");
        assertEquals(0, forced.code, forced.err);
        assertTrue(forced.out.contains("- stopped cagnode51\n- undefined cagnode51\n"), forced.out);
        assertTrue(forced.out.contains("= kept disk " + disk + " (--delete-disks removes it)"), forced.out);
        assertTrue(Files.exists(disk));
        assertFalse(Files.exists(dir.resolve("out/xen/cagnode51.cfg")));
        // the other guests are untouched; apply brings cagnode51 back on its old disk
        Run plan = run("plan", EXAMPLE.toString(), "--out", out());
        assertEquals(3, plan.code);
        assertFalse(plan.out.contains("+ disk cagnode51"), plan.out);
        assertTrue(plan.out.contains("+ define cagnode51"), plan.out);
        Run delete = run("destroy", EXAMPLE.toString(), "debnode1", "--out", out(), "--force-stop", "--delete-disks");
        assertEquals(0, delete.code, delete.err);
        assertFalse(Files.exists(dir.resolve("out/disks/debnode1.img")));
    }
}
