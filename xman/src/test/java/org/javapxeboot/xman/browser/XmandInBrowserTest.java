package org.javapxeboot.xman.browser;

import org.javapxeboot.xman.daemon.XmandFixture;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * The browser fixture against xmand itself (no portal needed): Chromium with a Kerberos ticket
 * reads GET /v1/list over HTTPS as that principal; without a ticket it gets 401, with a principal
 * outside .k5login 403; and it trusts only the certificate it was given.
 */
class XmandInBrowserTest {
    @TempDir
    static Path dir;
    static XmandFixture xmand;

    @BeforeAll
    static void start() throws Exception {
        String why = Browser.unavailable();
        assumeTrue(why == null, () -> "browser tests skipped: " + why);
        xmand = new XmandFixture(dir);
    }

    @AfterAll
    static void stop() {
        if (xmand != null) xmand.close();
    }

    private static String url(String path) {
        return "https://localhost:" + xmand.server.address().getPort() + path;
    }

    @Test
    void withATicketTheBrowserReadsTheListAsItsPrincipal() throws Exception {
        try (Browser b = new Browser(xmand.kdc, xmand.kdc.kinit("admin"), List.of(xmand.cert), "/v1/help")) {
            b.open(url("/v1/list"));
            assertEquals(200, b.status(), () -> "warm-up status " + b.warmUpStatus + "; page: " + b.text() + "\n" + xmand.log());
            String json = b.text();
            assertTrue(json.startsWith("{\"ok\":true,\"host\":\"h1\",\"op\":\"list\""), json);
            assertTrue(json.contains("\"name\":\"vm1\"") && json.contains("\"name\":\"vm2\""), json);
            assertTrue(xmand.log().contains("principal=admin@XMAN.TEST op=list result=ok status=200"), xmand.log());
        }
    }

    @Test
    void withoutATicketTheBrowserGets401() throws Exception {
        try (Browser b = new Browser(xmand.kdc, null, List.of(xmand.cert), "/v1/help")) {
            String before = xmand.log();
            b.open(url("/v1/list"));
            assertEquals(401, b.status(), b.text());
            assertTrue(b.text().contains("\"kind\":\"UNAUTHENTICATED\""), b.text());
            assertFalse(b.text().contains("vm1"), b.text());
            String during = xmand.log().substring(before.length());
            assertFalse(during.contains("result=ok status=200"), during);
        }
    }

    @Test
    void aPrincipalOutsideK5loginGets403() throws Exception {
        try (Browser b = new Browser(xmand.kdc, xmand.kdc.kinit("other"), List.of(xmand.cert), "/v1/help")) {
            // info is for administrators only (list would answer him too, with only his own domains).
            b.open(url("/v1/info"));
            assertEquals(403, b.status(), b.text());
            assertTrue(b.text().contains("\"kind\":\"DENIED\"") && b.text().contains("other@XMAN.TEST"), b.text());
            assertFalse(b.text().contains("\"uri\""), b.text());
        }
    }

    /** The SPKI list trusts the test's own certificate only: another self-signed one stops the browser before any request. */
    @Test
    void theBrowserRefusesACertificateItWasNotGiven(@TempDir Path elsewhere) throws Exception {
        Path otherCert = org.javapxeboot.xman.transport.Tls.certificateFile(elsewhere.resolve("other.p12"));
        org.javapxeboot.xman.transport.Tls.loadOrCreate(elsewhere.resolve("other.p12"), "pw-other".toCharArray(), List.of("localhost"));
        try (Browser b = new Browser(xmand.kdc, xmand.kdc.kinit("admin"), List.of(otherCert), null)) {
            String before = xmand.log();
            b.open(url("/v1/list"));
            assertFalse(b.text().contains("vm1"), b.text());
            String during = xmand.log().substring(before.length());
            assertFalse(during.contains("REQUEST"), "the browser sent a request over an untrusted connection:\n" + during);
        }
    }
}
