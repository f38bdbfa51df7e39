package org.javapxeboot.xman.browser;

import org.javapxeboot.xman.vm.VmControl.DomainState;
import org.junit.jupiter.api.AfterAll;
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

    private static WebElement row(Browser b, String domain) {
        return b.driver.findElement(By.cssSelector("table#overview tr[data-host][data-domain='" + domain + "']"));
    }

    private static String stateOf(Browser b, String domain) {
        return row(b, domain).findElement(By.cssSelector("td.state")).getText();
    }

    private static boolean stale(WebElement tr) {
        return List.of(tr.getAttribute("class").split(" ")).contains("stale");
    }

    private static Object js(Browser b, String script, Object... args) {
        return ((JavascriptExecutor) b.driver).executeScript(script, args);
    }

    @Test
    void theOverviewListsTheDomainsWithStateAndReadTime() throws Exception {
        java.time.Instant readAt = f.pollAndWait().readAt();
        admin.open(f.url("/"));
        assertEquals(200, admin.status(), () -> "warm-up " + admin.warmUpStatus + ": " + admin.text());
        List<WebElement> rows = admin.driver.findElements(By.cssSelector("table#overview tbody tr[data-host][data-domain]"));
        assertEquals(List.of("doomed", "vm1", "vm2"), rows.stream().map(r -> r.getAttribute("data-domain")).toList(), "sorted by host, then domain");
        for (WebElement r : rows) {
            assertEquals(f.host(), r.getAttribute("data-host"));
            assertEquals(f.host(), r.findElement(By.cssSelector("td.host")).getText());
            assertFalse(stale(r), "just read: " + r.getText());
        }
        // What xmand reports, through the portal: state, vCPUs, memory, and when it was read.
        WebElement vm1 = row(admin, "vm1");
        assertEquals("running", stateOf(admin, "vm1"));
        assertEquals("2", vm1.findElements(By.cssSelector("td.num")).get(0).getText());
        assertEquals("512 MiB", vm1.findElements(By.cssSelector("td.num")).get(1).getText());
        assertEquals(java.time.format.DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss 'UTC'").withZone(java.time.ZoneOffset.UTC).format(readAt),
                vm1.findElement(By.cssSelector("td.read-at")).getText());
        assertEquals(readAt.toString(), vm1.findElement(By.cssSelector("td.read-at time")).getAttribute("datetime"));
        WebElement legend = admin.driver.findElement(By.id("legend"));
        assertTrue(legend.getText().contains("A greyed row is stale"), legend.getText());
        assertTrue(legend.getText().contains("No job source is configured"), legend.getText());
        assertTrue(admin.driver.findElement(By.cssSelector("header .user")).getText().equals("admin@XMAN.TEST"));
    }

    @Test
    void rowsOlderThanTwoPollsAreGreyed() throws Exception {
        f.pollAndWait();
        admin.open(f.url("/"));
        WebElement fresh = row(admin, "vm1").findElement(By.cssSelector("td.state"));
        String freshColour = fresh.getCssValue("color");
        assertFalse(stale(row(admin, "vm1")));
        // Two polls old is still fresh; a moment more is stale. No read happens meanwhile: the host "stopped answering".
        f.clock.advance(POLL.multipliedBy(2));
        admin.open(f.url("/"));
        assertFalse(stale(row(admin, "vm1")), "exactly two polls old");
        f.clock.advance(Duration.ofMillis(1));
        admin.open(f.url("/"));
        for (WebElement r : admin.driver.findElements(By.cssSelector("table#overview tr[data-domain]"))) assertTrue(stale(r), r.getText());
        String staleColour = row(admin, "vm1").findElement(By.cssSelector("td.state")).getCssValue("color");
        assertNotEquals(freshColour, staleColour, "a stale row looks different");
        assertEquals(admin.driver.findElement(By.cssSelector("#legend .stale-sample")).getCssValue("color"), staleColour,
                "the legend shows the same grey it explains");
        // The next read makes the rows fresh again, and the page says so by itself (refresh in place).
        js(admin, "window.sameDocument = 'yes';");
        f.pollAndWait();
        admin.await.until(d -> !stale(row(admin, "vm1")));
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
            assertTrue(row(admin, "vm2").isDisplayed());
            assertFalse(row(admin, "vm1").isDisplayed());
            assertFalse(row(admin, "doomed").isDisplayed());
            new Select(admin.driver.findElement(By.id("filter-state"))).selectByValue("running");
            assertFalse(row(admin, "vm2").isDisplayed());
            assertTrue(row(admin, "vm1").isDisplayed());
            new Select(admin.driver.findElement(By.id("filter-state"))).selectByValue("");
            new Select(admin.driver.findElement(By.id("filter-host"))).selectByValue(f.host());
            assertTrue(row(admin, "vm1").isDisplayed() && row(admin, "vm2").isDisplayed());
            assertEquals("yes", js(admin, "return window.sameDocument;"), "filtered without a reload");
            // Without JavaScript the same filter is a query: the server leaves the other rows out.
            admin.open(f.url("/?state=paused"));
            assertEquals(1, admin.driver.findElements(By.cssSelector("table#overview tr[data-domain]")).size());
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
        assumeTrue(f.xmandTrustsPortal, "this build's xmand has no --trust-proxy: the portal cannot act for the user, so xmand cannot refuse him");
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
