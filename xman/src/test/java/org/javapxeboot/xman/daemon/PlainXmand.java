package org.javapxeboot.xman.daemon;

import org.javapxeboot.xman.wire.Protocol;

import org.javapxeboot.xman.vm.VmControl;

import java.io.ByteArrayOutputStream;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Clock;

/**
 * xmand in this JVM without Kerberos or TLS (--insecure-no-auth --no-tls on loopback) over any
 * VmControl, usually a {@link FakeVm}: for what does not depend on authentication. Port 0.
 */
public final class PlainXmand implements AutoCloseable {
    public final XmandServer server;
    public final ByteArrayOutputStream log = new ByteArrayOutputStream();
    public final Audit audit;
    private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

    public PlainXmand(VmControl vm, boolean testDriver) throws Exception {
        this(vm, new Audit(new ByteArrayOutputStream(), null, Clock.systemUTC(), "h0"), testDriver);
    }

    public PlainXmand(VmControl vm, Audit audit, boolean testDriver) throws Exception {
        this(vm, audit, testDriver, XmandServer.Limits.DEFAULT, Operations.REAL_TIME);
    }

    public PlainXmand(VmControl vm, Audit audit, boolean testDriver, XmandServer.Limits limits, Operations.Deadlines deadlines) throws Exception {
        this.audit = audit;
        server = new XmandServer(new XmandServer.Settings(new InetSocketAddress("127.0.0.1", 0), "h0", 64 * 1024, 4, 16, null, true, null, testDriver, limits),
                vm, null, null, audit, deadlines);
        server.start();
    }

    /** POST in the background: the answer arrives in the future. */
    public java.util.concurrent.CompletableFuture<HttpResponse<String>> postAsync(String op, String json) {
        return http.sendAsync(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.address().getPort() + Protocol.PREFIX + op))
                .POST(HttpRequest.BodyPublishers.ofString(json)).build(), HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
    }

    /** POST /v1/OP with a JSON body. */
    public HttpResponse<String> post(String op, String json) throws Exception {
        return http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.address().getPort() + Protocol.PREFIX + op))
                .POST(HttpRequest.BodyPublishers.ofString(json)).build(), HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
    }

    @Override
    public void close() {
        server.close();
    }
}
