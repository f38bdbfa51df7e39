package org.javapxeboot.provisioner.host;

import org.javapxeboot.xman.daemon.XmandProcess;
import org.javapxeboot.xman.daemon.XmandFixture;
import org.javapxeboot.xman.auth.MitKdc;
import org.javapxeboot.xman.client.RxmMain;
import org.javapxeboot.xman.client.RemoteVmControl;
import org.javapxeboot.xman.auth.Kerberos;

import org.javapxeboot.xman.vm.VirtException;
import org.javapxeboot.xman.vm.VmControl;
import org.javapxeboot.xman.vm.VmControl.DomainState;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * {@code provision apply --host} end to end, as separate processes: an xmand process over a
 * libvirt test:/// node file, the MIT KDC, a .k5login listing admin, its TLS certificate; the
 * provision CLI in its own JVM with the Kerberos and TLS settings in its environment, as an admin
 * runs it. The host is checked through xmand (RemoteVmControl) and with rxm.
 */
@Timeout(300)
class ProvisionRemoteTest {
    static final String YAML = """
            server: http://192.0.2.1:8069
            defaults:
              bootloader: /usr/bin/javapxeboot
              kickstart: sl-basic.ks
              memory: 256
              vcpus: 1
              vars:
                repo: http://ftp.scientificlinux.org/linux/scientific/6x/x86_64/os
                rootpw: "$6$javapxeb$trxlNyZ9V/Pn/2EUpPj2yTsfWZWmpB1kOIeZPfA6oetsvC1m0A/xNEsGuuMQJXWsT6IBivHrTgjoz0ddR3.vt."
                timezone: Europe/Dublin
                domain: example.org
            domains:
              %s:
                vif: [ "mac=aa:00:86:00:00:%s, bridge=xenbr0" ]
                auto: true
                disk:
                  - { type: file, path: disks/%s.img, device: xvda, size: 1GiB }
            """;

    static MitKdc kdc;
    @TempDir static Path dir;
    static XmandProcess h1;

    /**
     * Why this class cannot run here, or null. Surefire reports a skip in @BeforeAll as "Tests run: 0"
     * with no reason; skipping each test keeps the reason in the report.
     */
    static String skip;

    @BeforeAll
    static void startXmand() throws Exception {
        skip = MitKdc.available() ? null : "MIT krb5-kdc and krb5-user are not installed";
        if (skip != null) return;
        kdc = MitKdc.shared();
        Files.writeString(dir.resolve("k5login"), kdc.principal("admin") + "\n");
        h1 = XmandProcess.start(kdc, dir, "h1", XmandFixture.NODE, dir.resolve("k5login"), List.of());
    }

    @BeforeEach
    void runnableHere() {
        assumeTrue(skip == null, () -> skip);
    }

    @AfterAll
    static void stopXmand() throws Exception {
        if (h1 != null) h1.close();
    }

    record Result(int exit, String out, String err) {}

    static Path yaml(String guest, String macByte) throws Exception {
        Path f = dir.resolve(guest + ".yaml");
        Files.writeString(f, String.format(YAML, guest, macByte, guest));
        return f;
    }

    /** bin/provision's main class in its own JVM; the environment as an admin's shell has it. */
    static Result provision(Map<String, String> env, String... args) throws Exception {
        Process p = XmandProcess.java(kdc, "org.javapxeboot.provisioner.cli.ProvisionCli", env, List.of(args));
        p.getOutputStream().close();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        String err = new String(p.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(120, TimeUnit.SECONDS));
        return new Result(p.exitValue(), out, err);
    }

    /** An admin after kinit: ticket cache, the daemon's certificate, the daemon's principal (we reach it as 127.0.0.1). */
    static Map<String, String> adminEnv() throws Exception {
        Map<String, String> env = new HashMap<>();
        env.put("KRB5CCNAME", "FILE:" + kdc.kinit("admin"));
        env.put("XMAN_CACERT", h1.cert.toString());
        env.put("XMAN_SERVICE_PRINCIPAL", kdc.principal("HTTP/localhost"));
        return env;
    }

    static String host() {
        return "127.0.0.1:" + h1.port;
    }

    static VmControl remote() throws Exception {
        return RemoteVmControl.connect(host(), kdc.keytab("admin"), kdc.principal("admin"), List.of(h1.cert), kdc.principal("HTTP/localhost"));
    }

    @Test
    void applyBootsTheGuestOnTheOtherHostThenChangesNothing() throws Exception {
        Path yaml = yaml("farnode1", "01");
        Path out = dir.resolve("out-admin");
        Map<String, String> env = adminEnv();

        Result plan = provision(env, "plan", yaml.toString(), "--out", out.toString(), "--host", host());
        assertEquals(3, plan.exit(), plan.err());
        assertTrue(plan.out().contains("+ define farnode1: libvirt domain"), plan.out());

        Result apply = provision(env, "apply", yaml.toString(), "--out", out.toString(), "--host", host());
        assertEquals(0, apply.exit(), apply.out() + apply.err());
        assertTrue(apply.out().contains("> start farnode1: libvirt domain"), apply.out());
        assertTrue(apply.out().contains("farnode1: libvirt domain (on)"), apply.out());

        try (VmControl vm = remote()) {
            VmControl.DomainInfo d = vm.lookup("farnode1");
            assertEquals(DomainState.RUNNING, d.state());
            assertTrue(d.persistent(), "defined, not transient");
            assertTrue(d.autostart(), "auto: true");
            assertTrue(vm.describe("farnode1").contains("aa:00:86:00:00:01"));
        }
        // rxm, the admins' client, sees the same
        Process rxm = XmandProcess.java(kdc, "org.javapxeboot.xman.client.RxmMain", env,
                List.of("-H", host(), "--json", "lookup", "farnode1"));
        String rxmOut = new String(rxm.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(rxm.waitFor(60, TimeUnit.SECONDS));
        assertEquals(0, rxm.exitValue(), rxmOut);
        assertTrue(rxmOut.contains("\"state\":\"running\"") && rxmOut.contains("\"autostart\":true"), rxmOut);

        String log = Files.readString(h1.log);
        assertTrue(log.contains("principal=admin@XMAN.TEST op=define domain=farnode1 result=ok status=200"), log);
        assertTrue(log.contains("principal=admin@XMAN.TEST op=autostart domain=farnode1 result=ok status=200"), log);
        assertTrue(log.contains("principal=admin@XMAN.TEST op=start domain=farnode1 result=ok status=200"), log);

        // Idempotent: the host's domain list (through xmand) and OUT/libvirt/farnode1.xml agree.
        Result again = provision(env, "apply", yaml.toString(), "--out", out.toString(), "--host", host());
        assertEquals(0, again.exit(), again.err());
        assertEquals("Nothing to do: 1 guest(s) up to date.\n", again.out());
        long defines = Files.readString(h1.log).lines().filter(l -> l.contains("op=define domain=farnode1")).count();
        assertEquals(1, defines, "the second apply defined nothing");
        Result plan2 = provision(env, "plan", yaml.toString(), "--out", out.toString(), "--host", host());
        assertEquals(0, plan2.exit(), plan2.out() + plan2.err());

        // Someone turned autostart off on the host: apply puts it back, and only that.
        try (VmControl vm = remote()) {
            vm.setAutostart("farnode1", false);
        }
        Result fix = provision(env, "apply", yaml.toString(), "--out", out.toString(), "--host", host());
        assertEquals(0, fix.exit(), fix.err());
        assertTrue(fix.out().endsWith("Done: 1 step(s) for 1 guest(s).\n"), fix.out());
        try (VmControl vm = remote()) {
            assertTrue(vm.lookup("farnode1").autostart());
        }

        // destroy --host takes it off the host again
        Result destroy = provision(env, "destroy", yaml.toString(), "farnode1", "--out", out.toString(), "--host", host(), "--force-stop");
        assertEquals(0, destroy.exit(), destroy.err());
        assertTrue(destroy.out().contains("- stopped farnode1\n- undefined farnode1\n"), destroy.out());
        try (VmControl vm = remote()) {
            assertEquals(VirtException.Kind.NO_DOMAIN, assertThrows(VirtException.class, () -> vm.lookup("farnode1")).kind());
        }
    }

    @Test
    void principalNotInK5loginGetsOneLineAndNothingIsDone() throws Exception {
        Path yaml = yaml("farnode2", "02");
        Path out = dir.resolve("out-other");
        Map<String, String> env = new HashMap<>();
        env.put("XMAN_KEYTAB", kdc.keytab("other").toString());
        env.put("XMAN_PRINCIPAL", kdc.principal("other"));
        env.put("XMAN_CACERT", h1.cert.toString());
        env.put("XMAN_SERVICE_PRINCIPAL", kdc.principal("HTTP/localhost"));
        List<String> before;
        try (VmControl vm = remote()) {
            before = vm.list().stream().map(VmControl.DomainInfo::name).sorted().toList();
        }
        for (String cmd : List.of("apply", "plan")) {
            Result r = provision(env, cmd, yaml.toString(), "--out", out.toString(), "--host", host());
            assertEquals(1, r.exit(), cmd + ": " + r.out() + r.err());
            assertEquals(1, r.err().lines().count(), r.err());
            assertTrue(r.err().startsWith("provision: connect: xmand " + host() + ": other@XMAN.TEST is not listed in "), r.err());
            assertEquals("", r.out());
        }
        assertFalse(Files.exists(out), "nothing written here either");
        try (VmControl vm = remote()) {
            assertEquals(before, vm.list().stream().map(VmControl.DomainInfo::name).sorted().toList(), "nothing defined there");
        }
        assertTrue(Files.readString(h1.log).contains("principal=other@XMAN.TEST op=info result=refused status=403"));
    }

    @Test
    void unreachableHostOrNoTicketGetsOneLineNamingTheHost() throws Exception {
        Path yaml = yaml("farnode3", "03");
        Path out = dir.resolve("out-down");
        int dead;
        try (java.net.ServerSocket s = new java.net.ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            dead = s.getLocalPort();
        }
        Result down = provision(adminEnv(), "apply", yaml.toString(), "--out", out.toString(), "--host", "127.0.0.1:" + dead);
        assertEquals(1, down.exit(), down.err());
        assertEquals("provision: connect: xmand 127.0.0.1:" + dead + ": connection refused; nothing done\n", down.err());

        Map<String, String> noTicket = new HashMap<>(adminEnv());
        noTicket.put("KRB5CCNAME", "FILE:" + dir.resolve("no-such-ccache"));
        Result anon = provision(noTicket, "apply", yaml.toString(), "--out", out.toString(), "--host", host());
        assertEquals(1, anon.exit(), anon.err());
        assertEquals(1, anon.err().lines().count(), anon.err());
        assertTrue(anon.err().startsWith("provision: connect: xmand " + host() + ": no usable Kerberos credentials"), anon.err());
        assertFalse(Files.exists(out));
    }
}
