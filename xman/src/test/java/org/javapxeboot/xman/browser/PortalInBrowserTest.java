package org.javapxeboot.xman.browser;

import org.javapxeboot.xman.vm.VmControl.DomainState;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.openqa.selenium.By;
import org.openqa.selenium.JavascriptExecutor;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.support.ui.Select;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * The portal in Chromium, as an administrator with a Kerberos ticket, over an xmand on the libvirt
 * test driver: the overview, staleness, filtering, the details page's actions, destroy's
 * confirmation, and the refusals (no ticket: 401; a user xmand does not allow: 403, nothing changed).
 */
class PortalInBrowserTest {
    /** The page refreshes itself every poll; one second keeps the waits for a refresh short. */
    static final Duration POLL = Duration.ofSeconds(1);

    @TempDir
    static Path dir;
    static PortalFixture f;
    static Browser admin;

    @BeforeAll
    static void start() throws Exception {
        String why = Browser.unavailable();
        assumeTrue(why == null, () -> "browser tests skipped: " + why);
        f = new PortalFixture(dir, POLL);
        admin = f.browser("admin");
    }

    @AfterAll
    static void stop() throws Exception {
        try {
            if (admin != null) admin.close();
        } finally {
            if (f != null) f.close();
        }
    }

    /**
     * Every test starts from vm1 and vm2 running, whatever the test before it left behind when it
     * failed half-way: one failure is reported once, not again by each test after it.
     */
    @AfterEach
    void bothGuestsRunAgain() throws Exception {
        for (String d : List.of("vm1", "vm2")) if (f.state(d) == DomainState.PAUSED) f.xmand.vm.unpause(d);
    }

    /**
     * The overview's body rows as the page shows them now, read in one script: the page refreshes
     * its table in place every poll, so element handles could go stale between two calls.
     */
    @SuppressWarnings("unchecked")
    private static List<Map<String, Object>> table(Browser b) {
        return (List<Map<String, Object>>) js(b, """
                return Array.from(document.querySelectorAll('table#overview tbody tr')).map(r => ({
                  host: r.dataset.host || null, domain: r.dataset.domain || null, stale: r.classList.contains('stale'),
                  shown: getComputedStyle(r).display !== 'none', cells: Array.from(r.cells).map(c => c.textContent),
                  datetime: r.querySelector('time') ? r.querySelector('time').dateTime : null,
                  colour: r.querySelector('td.state') ? getComputedStyle(r.querySelector('td.state')).color : null,
                  state: r.querySelector('td.state') ? r.querySelector('td.state').textContent : null}));""");
    }

    private static Map<String, Object> row(Browser b, String domain) {
        for (Map<String, Object> r : table(b)) if (domain.equals(r.get("domain"))) return r;
        throw new AssertionError("no row for " + domain + " in " + table(b));
    }

    private static String stateOf(Browser b, String domain) {
        return (String) row(b, domain).get("state");
    }

    private static boolean stale(Browser b, String domain) {
        return (Boolean) row(b, domain).get("stale");
    }

    private static boolean shown(Browser b, String domain) {
        return (Boolean) row(b, domain).get("shown");
    }

    private static Object js(Browser b, String script, Object... args) {
        return ((JavascriptExecutor) b.driver).executeScript(script, args);
    }

    @Test
    void theOverviewListsTheDomainsWithStateAndReadTime() throws Exception {
        java.time.Instant readAt = f.pollAndWait().readAt();
        admin.open(f.url("/"));
        assertEquals(200, admin.status(), () -> "warm-up " + admin.warmUpStatus + ": " + admin.text());
        List<Map<String, Object>> rows = table(admin).stream().filter(r -> r.get("domain") != null).toList();
        assertEquals(List.of("doomed", "vm1", "vm2"), rows.stream().map(r -> r.get("domain")).toList(), "sorted by host, then domain");
        for (Map<String, Object> r : rows) {
            assertEquals(f.host(), r.get("host"));
            assertEquals(f.host(), ((List<?>) r.get("cells")).get(0));
            assertEquals(false, r.get("stale"), "just read: " + r);
        }
        // What xmand reports, through the portal: state, vCPUs, memory, and when it was read.
        Map<String, Object> vm1 = row(admin, "vm1");
        assertEquals(List.of(f.host(), "vm1", "running", "2", "512 MiB",
                java.time.format.DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss 'UTC'").withZone(java.time.ZoneOffset.UTC).format(readAt)), vm1.get("cells"));
        assertEquals(readAt.toString(), vm1.get("datetime"));
        WebElement legend = admin.driver.findElement(By.id("legend"));
        assertTrue(legend.getText().contains("A greyed row is stale"), legend.getText());
        assertTrue(legend.getText().contains("No job source is configured"), legend.getText());
        assertTrue(admin.driver.findElement(By.cssSelector("header .user")).getText().equals("admin@XMAN.TEST"));
    }

    @Test
    void rowsOlderThanTwoPollsAreGreyed() throws Exception {
        f.pollAndWait();
        admin.open(f.url("/"));
        String freshColour = (String) row(admin, "vm1").get("colour");
        assertFalse(stale(admin, "vm1"));
        // Two polls old is still fresh; a moment more is stale. No read happens meanwhile: the host "stopped answering".
        f.clock.advance(POLL.multipliedBy(2));
        admin.open(f.url("/"));
        assertFalse(stale(admin, "vm1"), "exactly two polls old");
        f.clock.advance(Duration.ofMillis(1));
        admin.open(f.url("/"));
        List<Map<String, Object>> rows = table(admin);
        for (Map<String, Object> r : rows) if (r.get("domain") != null) assertEquals(true, r.get("stale"), r.toString());
        String staleColour = (String) row(admin, "vm1").get("colour");
        assertNotEquals(freshColour, staleColour, "a stale row looks different");
        assertEquals(js(admin, "return getComputedStyle(document.querySelector('#legend .stale-sample')).color;"), staleColour,
                "the legend shows the same grey it explains");
        // The next read makes the rows fresh again, and the page says so by itself (refresh in place).
        js(admin, "window.sameDocument = 'yes';");
        f.pollAndWait();
        admin.await.until(d -> !stale(admin, "vm1"));
        assertEquals("yes", js(admin, "return window.sameDocument;"), "refreshed in place, not reloaded");
    }

    @Test
    void filteringByStateAndHostNeedsNoReload() throws Exception {
        f.xmand.vm.pause("vm2");
        try {
            f.pollAndWait();
            admin.open(f.url("/"));
            assertEquals("paused", stateOf(admin, "vm2"));
            js(admin, "window.sameDocument = 'yes';");
            new Select(admin.driver.findElement(By.id("filter-state"))).selectByValue("paused");
            assertTrue(shown(admin, "vm2"));
            assertFalse(shown(admin, "vm1"));
            assertFalse(shown(admin, "doomed"));
            new Select(admin.driver.findElement(By.id("filter-state"))).selectByValue("running");
            assertFalse(shown(admin, "vm2"));
            assertTrue(shown(admin, "vm1"));
            new Select(admin.driver.findElement(By.id("filter-state"))).selectByValue("");
            new Select(admin.driver.findElement(By.id("filter-host"))).selectByValue(f.host());
            assertTrue(shown(admin, "vm1") && shown(admin, "vm2"));
            assertEquals("yes", js(admin, "return window.sameDocument;"), "filtered without a reload");
            // Without JavaScript the same filter is a query: the server leaves the other rows out.
            admin.open(f.url("/?state=paused"));
            assertEquals(List.of("vm2"), table(admin).stream().map(r -> r.get("domain")).toList());
        } finally {
            f.xmand.vm.unpause("vm2");
        }
    }

    @Test
    void theDetailsPagePausesAndUnpausesAndTheOverviewFollows() throws Exception {
        f.pollAndWait();
        admin.open(f.details("vm1"));
        assertEquals(200, admin.status(), admin.text());
        assertTrue(admin.driver.findElement(By.id("info")).getText().contains("running"));
        admin.clickForNewPage(admin.driver.findElement(By.cssSelector("form.action[data-op='pause'] button")));
        assertTrue(admin.driver.findElements(By.id("error")).isEmpty(), () -> admin.text());
        assertTrue(admin.driver.findElement(By.id("result")).getText().contains("pause vm1"), admin.text());
        assertEquals(DomainState.PAUSED, f.state("vm1"));
        assertTrue(admin.driver.findElement(By.id("info")).getText().contains("paused"));

        admin.open(f.url("/"));
        admin.await.until(d -> stateOf(admin, "vm1").equals("paused"));

        admin.open(f.details("vm1"));
        admin.clickForNewPage(admin.driver.findElement(By.cssSelector("form.action[data-op='unpause'] button")));
        assertTrue(admin.driver.findElements(By.id("error")).isEmpty(), () -> admin.text());
        assertEquals(DomainState.RUNNING, f.state("vm1"));
        admin.open(f.url("/"));
        admin.await.until(d -> stateOf(admin, "vm1").equals("running"));
    }

    @Test
    void destroyNeedsItsConfirmation() throws Exception {
        admin.open(f.details("doomed"));
        WebElement form = admin.driver.findElement(By.cssSelector("form.action[data-op='destroy']"));
        // In the browser: the unticked box keeps the form from being sent.
        assertEquals(Boolean.FALSE, js(admin, "return arguments[0].checkValidity();", form));
        // Past the browser (a form sent without the box): the portal refuses and sends nothing to xmand.
        String before = f.xmand.log();
        admin.scriptForNewPage("const f = arguments[0]; f.querySelector('input[name=confirm]').removeAttribute('required'); f.submit();", form);
        assertEquals(400, admin.status());
        assertTrue(admin.driver.findElement(By.id("error")).getText().contains("destroy needs its confirmation"), admin.text());
        assertEquals(DomainState.RUNNING, f.state("doomed"));
        assertFalse(f.xmand.log().substring(before.length()).contains("op=destroy"), "nothing reached xmand");
        // Ticked: destroyed.
        admin.driver.findElement(By.cssSelector("form.action[data-op='destroy'] input[name=confirm]")).click();
        admin.clickForNewPage(admin.driver.findElement(By.cssSelector("form.action[data-op='destroy'] button")));
        assertTrue(admin.driver.findElements(By.id("error")).isEmpty(), () -> admin.text());
        assertTrue(admin.driver.findElement(By.id("result")).getText().contains("destroy doomed"), admin.text());
        assertEquals(DomainState.SHUTOFF, f.state("doomed"));
    }

    @Test
    void withoutKerberosThePortalAnswers401() throws Exception {
        try (Browser nobody = f.browser(null)) {
            nobody.open(f.url("/"));
            assertEquals(401, nobody.status(), nobody.text());
            assertTrue(nobody.driver.findElement(By.id("error")).getText().contains("Kerberos authentication required"), nobody.text());
            assertTrue(nobody.driver.findElements(By.id("overview")).isEmpty(), "no table for an unauthenticated browser");
            nobody.open(f.details("vm1"));
            assertEquals(401, nobody.status(), nobody.text());
            assertFalse(nobody.text().contains("uuid"), nobody.text());
        }
    }

    @Test
    void aUserXmandDoesNotAllowGets403AndChangesNothing() throws Exception {
        try (Browser other = f.browser("other")) {
            other.open(f.details("vm1"));
            String before = f.xmand.log();
            other.clickForNewPage(other.driver.findElement(By.cssSelector("form.action[data-op='pause'] button")));
            assertEquals(403, other.status(), other.text());
            assertTrue(other.driver.findElements(By.id("result")).isEmpty(), other.text());
            assertTrue(other.driver.findElement(By.id("error")).getText().contains("DENIED"), other.text());
            assertEquals(DomainState.RUNNING, f.state("vm1"));
            String during = f.xmand.log().substring(before.length());
            assertTrue(during.contains("other@XMAN.TEST") && during.contains("op=pause") && during.contains("refused"),
                    "xmand refused the user himself:\n" + during);
        }
    }

    /**
     * The README's pictures. Written to target/screenshots; to regenerate docs/portal-*.png run
     * {@code mvn -o -q -B -pl xman -am test -Dtest=PortalInBrowserTest -Dsurefire.failIfNoSpecifiedTests=false -Dscreenshots.dir=$PWD/docs}.
     */
    @Test
    void screenshotsOfTheOverviewTheDetailsAndTheLegend() throws Exception {
        Path out = Path.of(System.getProperty("screenshots.dir", "target/screenshots"));
        f.xmand.vm.pause("vm2");
        try {
            f.pollAndWait();
            admin.driver.manage().window().setSize(new org.openqa.selenium.Dimension(1100, 720));
            admin.open(f.url("/"));
            assertEquals("paused", stateOf(admin, "vm2"));
            List<Path> shots = List.of(out.resolve("portal-overview.png"), out.resolve("portal-details.png"), out.resolve("portal-legend.png"));
            admin.screenshot(shots.get(0));
            java.nio.file.Files.write(shots.get(2), admin.driver.findElement(By.id("legend")).getScreenshotAs(org.openqa.selenium.OutputType.BYTES));
            admin.open(f.details("vm1"));
            admin.screenshot(shots.get(1));
            for (Path p : shots) {
                java.awt.image.BufferedImage img = javax.imageio.ImageIO.read(p.toFile());
                assertTrue(img != null && img.getWidth() > 200 && img.getHeight() > 100, p + " is not a picture of a page");
            }
        } finally {
            f.xmand.vm.unpause("vm2");
            admin.driver.manage().window().setSize(new org.openqa.selenium.Dimension(1280, 900));
        }
    }
}
