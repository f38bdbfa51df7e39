package org.javapxeboot.xman.auth;

import org.javapxeboot.xman.daemon.XmandFixture;

import java.io.IOException;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * A real MIT krb5 KDC (Debian krb5-kdc) in a temp directory on a loopback port: realm XMAN.TEST,
 * principals admin (the fixtures' administrator), other (owns nothing), alice (owns vm1 in the
 * fixtures' node), portal (a front end trusted as a proxy), HTTP/localhost and host/localhost with keytabs (and one keytab holding both services;
 * one holding krbtgt's key, to mint tickets). One per test JVM: the JDK caches its
 * krb5.conf, so every test shares this realm.
 */
public final class MitKdc {
    public static final String REALM = "XMAN.TEST";
    /** The realm's ticket-granting service; {@link #keytab(String)} has its key. */
    public static final String TGS = "krbtgt/" + REALM;
    private static MitKdc shared;

    public final Path dir;
    public final int port;
    public final Path krb5Conf;
    public final Path kdcConf;
    private final Process kdc;

    public static boolean available() {
        return Files.isExecutable(Path.of("/usr/sbin/krb5kdc")) && Files.isExecutable(Path.of("/usr/sbin/kdb5_util"))
                && Files.isExecutable(Path.of("/usr/bin/kinit"));
    }

    public static synchronized MitKdc shared() throws Exception {
        if (shared == null) {
            shared = new MitKdc(Files.createTempDirectory("xman-kdc"));
            Runtime.getRuntime().addShutdownHook(new Thread(shared::destroy));
            System.setProperty("java.security.krb5.conf", shared.krb5Conf.toString());
        }
        return shared;
    }

    /** Stops the KDC and deletes its directory (database, keytabs, logs): run at JVM exit. */
    private void destroy() {
        kdc.destroy();
        try {
            kdc.waitFor(5, TimeUnit.SECONDS);
            XmandFixture.deleteTree(dir);
        } catch (IOException e) {
            System.err.println("MitKdc: could not delete " + dir + ": " + e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private MitKdc(Path dir) throws Exception {
        this.dir = dir;
        try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            port = s.getLocalPort();
        }
        krb5Conf = dir.resolve("krb5.conf");
        kdcConf = dir.resolve("kdc.conf");
        // The default clock skew (300 s): an authenticator may take seconds to arrive on a busy machine. Tests
        // of expired tickets mint them an hour old (MintedTicket) instead of waiting for one to expire.
        // dns_canonicalize_hostname off so that HTTP@localhost is HTTP/localhost.
        Files.writeString(krb5Conf, "[libdefaults]\n default_realm = " + REALM + "\n dns_lookup_kdc = false\n dns_lookup_realm = false\n"
                + " dns_canonicalize_hostname = false\n rdns = false\n udp_preference_limit = 1\n ticket_lifetime = 10h\n forwardable = false\n"
                + "[realms]\n " + REALM + " = {\n  kdc = 127.0.0.1:" + port + "\n }\n"
                + "[domain_realm]\n localhost = " + REALM + "\n");
        Files.writeString(kdcConf, "[kdcdefaults]\n kdc_ports = " + port + "\n kdc_tcp_ports = " + port + "\n"
                + "[realms]\n " + REALM + " = {\n  database_name = " + dir.resolve("principal") + "\n  key_stash_file = " + dir.resolve("stash")
                + "\n  acl_file = " + dir.resolve("kadm5.acl") + "\n  max_life = 10h\n  kdc_ports = " + port + "\n  kdc_tcp_ports = " + port + "\n }\n"
                + "[logging]\n kdc = FILE:" + dir.resolve("kdc.log") + "\n");
        Files.writeString(dir.resolve("kadm5.acl"), "");
        run("/usr/sbin/kdb5_util", "create", "-s", "-r", REALM, "-P", "master-pw-" + port);
        for (String p : List.of("admin", "other", "alice", "portal", "HTTP/localhost", "host/localhost")) run("/usr/sbin/kadmin.local", "-r", REALM, "-q", "addprinc -randkey " + p);
        run("/usr/sbin/kadmin.local", "-r", REALM, "-q", "ktadd -k " + keytab("HTTP/localhost") + " HTTP/localhost");
        // A host keytab shared by two services, as /etc/krb5.keytab often is (-norandkey keeps the keys above valid).
        run("/usr/sbin/kadmin.local", "-r", REALM, "-q", "ktadd -k " + keytab("host/localhost") + " host/localhost");
        run("/usr/sbin/kadmin.local", "-r", REALM, "-q", "ktadd -norandkey -k " + dir.resolve("shared.keytab") + " HTTP/localhost host/localhost");
        // The KDC's own key (-norandkey: the KDC keeps using it), so that a test can mint a ticket-granting ticket.
        run("/usr/sbin/kadmin.local", "-r", REALM, "-q", "ktadd -norandkey -k " + keytab(TGS) + " " + TGS);
        for (String p : List.of("admin", "other", "alice", "portal")) run("/usr/sbin/kadmin.local", "-r", REALM, "-q", "ktadd -k " + keytab(p) + " " + p);
        ProcessBuilder pb = new ProcessBuilder("/usr/sbin/krb5kdc", "-n", "-r", REALM);
        env(pb.environment());
        pb.redirectErrorStream(true).redirectOutput(dir.resolve("krb5kdc.out").toFile());
        kdc = pb.start();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        while (true) {
            try (Socket ignored = new Socket("127.0.0.1", port)) {
                break;
            } catch (IOException e) {
                if (!kdc.isAlive() || System.nanoTime() > deadline) {
                    throw new IOException("krb5kdc did not start: " + Files.readString(dir.resolve("krb5kdc.out")));
                }
                Thread.sleep(50);
            }
        }
    }

    public Path keytab(String principal) {
        return dir.resolve(principal.replace('/', '_') + ".keytab");
    }

    /** One keytab with the keys of HTTP/localhost and host/localhost. */
    public Path sharedKeytab() {
        return dir.resolve("shared.keytab");
    }

    public String principal(String name) {
        return name + "@" + REALM;
    }

    /** Environment for the MIT tools and for child JVMs (xmand and rxm honour KRB5_CONFIG). */
    public void env(Map<String, String> env) {
        env.put("KRB5_CONFIG", krb5Conf.toString());
        env.put("KRB5_KDC_PROFILE", kdcConf.toString());
    }

    /** kinit from the keytab into a fresh ticket cache; returns the cache path. */
    public Path kinit(String principal, String... extra) throws Exception {
        Path cc = Files.createTempFile(dir, "cc-" + principal.replace('/', '_'), "");
        List<String> cmd = new ArrayList<>(List.of("/usr/bin/kinit", "-c", "FILE:" + cc));
        cmd.addAll(List.of(extra));
        cmd.addAll(List.of("-kt", keytab(principal).toString(), principal(principal)));
        run(cmd.toArray(new String[0]));
        return cc;
    }

    public String run(String... cmd) throws Exception {
        ProcessBuilder pb = new ProcessBuilder(cmd);
        env(pb.environment());
        pb.redirectErrorStream(true);
        Process p = pb.start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!p.waitFor(60, TimeUnit.SECONDS) || p.exitValue() != 0) throw new IOException(String.join(" ", cmd) + " failed: " + out);
        return out;
    }
}
