package org.javapxeboot.xman.client;

import org.javapxeboot.xman.transport.Tls;
import org.javapxeboot.xman.auth.Kerberos;
import org.javapxeboot.xman.wire.Protocol;

import org.javapxeboot.xman.vm.VirtException;
import org.javapxeboot.xman.vm.VmControl;
import org.javapxeboot.xman.wire.Op;
import org.javapxeboot.xman.wire.Protocol.ProtocolException;

import javax.net.ssl.SSLContext;
import javax.security.auth.login.LoginException;
import java.io.IOException;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * {@link VmControl} on another host, through its xmand: what {@code provision apply --host h1}
 * uses. Every call is one authenticated HTTPS request; server errors come back as VirtException
 * with the server's kind, transport trouble as UNAVAILABLE, refusals as DENIED.
 */
public final class RemoteVmControl implements VmControl {
    private final XmanClient client;
    private final XmanClient.Target target;

    public RemoteVmControl(XmanClient client, XmanClient.Target target) {
        this.client = client;
        this.target = target;
    }

    /**
     * Connects the way rxm does, from the environment: $XMAN_KEYTAB (+ $XMAN_PRINCIPAL) if set, else
     * the ticket cache ($KRB5CCNAME); $KRB5_CONFIG; the daemon's principal from
     * $XMAN_SERVICE_PRINCIPAL, else HTTP/host; the certificates from $XMAN_CACERT, ~/.xman/ca.pem, or
     * the JDK's CAs.
     */
    public static RemoteVmControl connect(String host) throws VirtException {
        String kt = System.getenv("XMAN_KEYTAB");
        String sp = System.getenv("XMAN_SERVICE_PRINCIPAL");
        return connect(host, kt == null || kt.isBlank() ? null : Path.of(kt), System.getenv("XMAN_PRINCIPAL"),
                XmanClient.defaultCaCerts(), sp == null || sp.isBlank() ? null : sp);
    }

    /** {@link #connect(String, Path, String, List, String)} with the daemon's principal HTTP/host. */
    public static RemoteVmControl connect(String host, Path keytab, String principal, List<Path> caCerts) throws VirtException {
        return connect(host, keytab, principal, caCerts, null);
    }

    /**
     * Logs in and connects: {@code host} is "host[:port]" (port 8740 by default); {@code keytab}
     * null means the ticket cache ($KRB5CCNAME, after kinit); {@code caCerts} null means the JDK's
     * trusted CAs, else the daemons' PEM certificates (xmand.crt); {@code servicePrincipal} null
     * means HTTP/host (RFC 4559's convention). Nothing is sent yet: the first call finds out
     * whether the host answers and lets this principal in.
     */
    public static RemoteVmControl connect(String host, Path keytab, String principal, List<Path> caCerts, String servicePrincipal)
            throws VirtException {
        XmanClient.Target t;
        try {
            t = XmanClient.Target.parse(host);
        } catch (IllegalArgumentException e) {
            throw new VirtException(VirtException.Kind.INVALID_ARGUMENT, "connect", null, e.getMessage());
        }
        try {
            Kerberos.useKrb5ConfigEnv();
            Kerberos.Initiator init = new Kerberos.Initiator(Kerberos.login(keytab, principal, true));
            SSLContext tls = caCerts == null ? SSLContext.getDefault() : Tls.clientContext(caCerts);
            return new RemoteVmControl(new XmanClient(init, tls, servicePrincipal, XmanClient.DEFAULT_TIMEOUT), t);
        } catch (LoginException e) {
            throw new VirtException(VirtException.Kind.DENIED, "connect", null, "xmand " + t + ": no usable Kerberos credentials ("
                    + (keytab != null ? "keytab " + keytab : "ticket cache; run kinit") + "): " + e.getMessage(), e);
        } catch (IOException | GeneralSecurityException e) {
            throw new VirtException(VirtException.Kind.INVALID_ARGUMENT, "connect", null, "xmand " + t + ": " + e.getMessage(), e);
        }
    }

    public XmanClient.Target target() { return target; }

    private Object call(Op op, String domain, Object... kv) throws VirtException {
        Map<String, Object> args = new LinkedHashMap<>();
        if (domain != null) args.put("domain", domain);
        for (int i = 0; i < kv.length; i += 2) args.put((String) kv[i], kv[i + 1]);
        try {
            return client.call(target, op, args);
        } catch (XmanClient.Failure f) {
            VirtException.Kind kind;
            if (f.category == XmanClient.Category.UNREACHABLE) kind = VirtException.Kind.UNAVAILABLE;
            else if (f.category == XmanClient.Category.AUTH) kind = VirtException.Kind.DENIED;
            else kind = kindOf(f);
            throw new VirtException(kind, op.wire, domain, "on " + target + ": " + f.getMessage(), f);
        }
    }

    private static VirtException.Kind kindOf(XmanClient.Failure f) {
        for (VirtException.Kind k : VirtException.Kind.values()) if (k.name().equals(f.kind)) return k;
        return f.status == 400 || f.status == 413 ? VirtException.Kind.INVALID_ARGUMENT : VirtException.Kind.FAILED;
    }

    private DomainInfo domain(Op op, String name, Object result) throws VirtException {
        try {
            return Protocol.domainFrom(result);
        } catch (ProtocolException | RuntimeException e) {
            throw new VirtException(VirtException.Kind.FAILED, op.wire, name, "on " + target + ": unexpected answer: " + e.getMessage());
        }
    }

    @Override
    public List<DomainInfo> list() throws VirtException {
        Object r = call(Op.LIST, null);
        try {
            return Protocol.domainsFrom(r);
        } catch (ProtocolException | RuntimeException e) {
            throw new VirtException(VirtException.Kind.FAILED, "list", null, "on " + target + ": unexpected answer: " + e.getMessage());
        }
    }

    @Override
    public DomainInfo lookup(String name) throws VirtException { return domain(Op.LOOKUP, name, call(Op.LOOKUP, name)); }

    @Override
    public DomainInfo define(String domainXml) throws VirtException { return domain(Op.DEFINE, null, call(Op.DEFINE, null, "xml", domainXml)); }

    @Override
    public DomainInfo start(String name) throws VirtException { return domain(Op.START, name, call(Op.START, name)); }

    @Override
    public void undefine(String name) throws VirtException { call(Op.UNDEFINE, name); }

    @Override
    public void destroy(String name) throws VirtException { call(Op.DESTROY, name); }

    @Override
    public void reboot(String name) throws VirtException { call(Op.REBOOT, name); }

    @Override
    public void shutdown(String name) throws VirtException { call(Op.SHUTDOWN, name); }

    @Override
    public void pause(String name) throws VirtException { call(Op.PAUSE, name); }

    @Override
    public void unpause(String name) throws VirtException { call(Op.UNPAUSE, name); }

    @Override
    public void setMemory(String name, long kib) throws VirtException { call(Op.MEM_SET, name, "kib", kib); }

    @Override
    public void setVcpus(String name, int count) throws VirtException { call(Op.VCPU_SET, name, "count", (long) count); }

    @Override
    public void setAutostart(String name, boolean on) throws VirtException { call(Op.AUTOSTART, name, "on", on); }

    @Override
    public String describe(String name) throws VirtException {
        Object r = call(Op.DESCRIBE, name);
        if (!(r instanceof String)) throw new VirtException(VirtException.Kind.FAILED, "describe", name, "on " + target + ": the answer is not XML text");
        return (String) r;
    }

    @Override
    public void migrate(String name, String destinationUri) throws VirtException { call(Op.MIGRATE, name, "destination", destinationUri); }

    @Override
    public List<String> dmesg() throws VirtException {
        Object r = call(Op.DMESG, null);
        List<String> l = new ArrayList<>();
        if (r instanceof List) for (Object o : (List<?>) r) l.add(String.valueOf(o));
        return l;
    }

    @Override
    public HostInfo info() throws VirtException {
        Object r = call(Op.INFO, null);
        try {
            return Protocol.hostFrom(r);
        } catch (ProtocolException | RuntimeException e) {
            throw new VirtException(VirtException.Kind.FAILED, "info", null, "on " + target + ": unexpected answer: " + e.getMessage());
        }
    }

    /** Nothing to release: every call is its own request. */
    @Override
    public void close() {}
}
