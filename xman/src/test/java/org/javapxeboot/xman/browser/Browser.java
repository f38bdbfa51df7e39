package org.javapxeboot.xman.browser;

import org.javapxeboot.xman.auth.MitKdc;
import org.openqa.selenium.By;
import org.openqa.selenium.JavascriptExecutor;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;
import org.openqa.selenium.support.ui.WebDriverWait;

import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * Debian's Chromium, headless, driven by Debian's chromedriver, that authenticates with Kerberos
 * (SPNEGO) from one credential cache. Chromium uses MIT's libgssapi_krb5, so the realm and the
 * cache reach it through KRB5_CONFIG and KRB5CCNAME in chromedriver's environment (the browser
 * inherits it); {@code --auth-server-allowlist=localhost} lets it answer a Negotiate challenge
 * from that host only. TLS: the browser trusts exactly the given certificates, by the SHA-256 of
 * their public keys ({@code --ignore-certificate-errors-spki-list}), and no other bad certificate.
 *
 * <p>The first main-frame navigation after start can show a 401 body even with a valid ticket,
 * while every later request to the host authenticates (seen with Chromium 156 and MIT krb5). The
 * fixture handles it once, explicitly, in {@link #open}: the first time a host is opened it first
 * loads {@code warmUpPath}, waits for that navigation to finish whatever its status, fetches the
 * same path once from that page (a subresource authenticates), then loads the page asked for.
 * Nothing is retried: a 401 on the real page is reported as it is.
 */
public final class Browser implements AutoCloseable {
    static final Path CHROMIUM = Path.of("/usr/lib/chromium/chromium");
    static final Path CHROMEDRIVER = Path.of("/usr/bin/chromedriver");
    /** Only a hang guard: every wait is on a condition, and on this 2-core machine a page loads in well under a second. */
    public static final Duration HANG_GUARD = Duration.ofSeconds(30);
    /** Selenium 4.52 ships no CDP classes for Chromium 156 and says so on every start; we use no CDP. Kept: JUL holds loggers weakly. */
    private static final java.util.logging.Logger CDP_NOTICE = java.util.logging.Logger.getLogger("org.openqa.selenium.devtools.CdpVersionFinder");

    static {
        CDP_NOTICE.setLevel(java.util.logging.Level.OFF);
    }

    /** Why the browser tests cannot run here, or null when they can. */
    public static String unavailable() {
        if (!Files.isExecutable(CHROMIUM)) return "Debian chromium is not installed (" + CHROMIUM + "): apt-get install chromium chromium-driver";
        if (!Files.isExecutable(CHROMEDRIVER)) return "Debian chromium-driver is not installed (" + CHROMEDRIVER + "): apt-get install chromium-driver";
        if (!"root".equals(System.getProperty("user.name"))) return "the browser tests run Chromium as root with --no-sandbox; run them as root";
        if (!MitKdc.available()) return "MIT krb5-kdc is not installed: apt-get install krb5-kdc krb5-admin-server krb5-user";
        return null;
    }

    public final ChromeDriver driver;
    public final WebDriverWait await;
    private final Path profile;
    private final List<String> warmed = new ArrayList<>();
    private final String warmUpPath;
    /** The status of the last warm-up request (for a failure message): 200 or 404 with a ticket, 401 without. */
    public long warmUpStatus = -1;

    /**
     * @param credentials a credential cache (from {@link MitKdc#kinit}), or null for a browser without a ticket
     * @param trusted certificates (PEM) the browser accepts although no CA signed them
     * @param warmUpPath a small resource on each host, loaded once before the first real page (see the class comment)
     */
    public Browser(MitKdc kdc, Path credentials, List<Path> trusted, String warmUpPath) throws Exception {
        this.warmUpPath = warmUpPath;
        profile = Files.createTempDirectory(kdc.dir, "chromium-");
        // Without a ticket the cache names a file that does not exist: Chromium then has no credentials to offer.
        Path cache = credentials != null ? credentials : profile.resolve("no-credentials");
        ChromeDriverService service = new ChromeDriverService.Builder()
                .usingDriverExecutable(CHROMEDRIVER.toFile())
                .usingAnyFreePort()
                .withEnvironment(Map.of("KRB5_CONFIG", kdc.krb5Conf.toString(), "KRB5CCNAME", "FILE:" + cache,
                        "HOME", profile.toString()))
                .withLogOutput(java.io.OutputStream.nullOutputStream())
                .build();
        ChromeOptions options = new ChromeOptions();
        options.setBinary(CHROMIUM.toFile());
        options.addArguments("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu",
                "--user-data-dir=" + profile.resolve("profile"), "--window-size=1280,900",
                "--no-first-run", "--no-default-browser-check", "--disable-background-networking", "--disable-extensions",
                "--auth-server-allowlist=localhost");
        if (!trusted.isEmpty()) options.addArguments("--ignore-certificate-errors-spki-list=" + String.join(",", spkiHashes(trusted)));
        driver = new ChromeDriver(service, options);
        driver.manage().timeouts().pageLoadTimeout(HANG_GUARD).scriptTimeout(HANG_GUARD);
        // A page that refreshes itself in place replaces elements while a condition looks at them.
        await = (WebDriverWait) new WebDriverWait(driver, HANG_GUARD).ignoring(org.openqa.selenium.StaleElementReferenceException.class);
    }

    /** base64(SHA-256(SubjectPublicKeyInfo)) of each certificate: the form Chromium's SPKI list takes. */
    static List<String> spkiHashes(List<Path> pemFiles) throws Exception {
        List<String> out = new ArrayList<>();
        CertificateFactory cf = CertificateFactory.getInstance("X.509");
        for (Path p : pemFiles) {
            try (InputStream in = Files.newInputStream(p)) {
                X509Certificate c = (X509Certificate) cf.generateCertificate(in);
                out.add(Base64.getEncoder().encodeToString(MessageDigest.getInstance("SHA-256").digest(c.getPublicKey().getEncoded())));
            }
        }
        return out;
    }

    /**
     * Navigates to {@code url} (a main-frame navigation) and waits until the document is loaded.
     * The first time for each origin, {@link #warmUpPath} on that origin is loaded before it.
     */
    public void open(String url) {
        String origin = origin(url);
        if (warmUpPath != null && !warmed.contains(origin)) {
            driver.get(origin + warmUpPath);
            waitLoaded();
            // One subresource request from that page: it answers its own Negotiate challenge, so when it
            // has completed the browser's GSS-API is ready. Its status is not judged here (a browser
            // without a ticket gets 401, as it should): the page asked for next is the verdict.
            warmUpStatus = ((Number) Objects.requireNonNull(((JavascriptExecutor) driver).executeAsyncScript(
                    "const done = arguments[arguments.length - 1];"
                            + "fetch(arguments[0], {credentials: 'same-origin', cache: 'no-store'}).then(r => done(r.status), e => done(-1));",
                    origin + warmUpPath))).longValue();
            warmed.add(origin);
        }
        driver.get(url);
        waitLoaded();
    }

    /** The HTTP status of the current document (Navigation Timing), e.g. 200 or 401. */
    public long status() {
        Object s = ((JavascriptExecutor) driver).executeScript(
                "const e = performance.getEntriesByType('navigation'); return e.length ? e[0].responseStatus : -1;");
        return ((Number) Objects.requireNonNull(s)).longValue();
    }

    /** The page's text as a person sees it (for JSON answers: the JSON). */
    public String text() {
        return driver.findElement(By.tagName("body")).getText();
    }

    /**
     * Clicks {@code element} (a submit button) and waits for the page it leads to: the old
     * document goes stale first, so an element of the old page can never pass for the answer.
     */
    public void clickForNewPage(org.openqa.selenium.WebElement element) {
        org.openqa.selenium.WebElement old = driver.findElement(By.tagName("html"));
        element.click();
        await.until(d -> gone(old));
        waitLoaded();
    }

    /** Runs {@code script} (which sends a form) and waits for the page it leads to, as {@link #clickForNewPage}. */
    public void scriptForNewPage(String script, Object... args) {
        org.openqa.selenium.WebElement old = driver.findElement(By.tagName("html"));
        ((JavascriptExecutor) driver).executeScript(script, args);
        await.until(d -> gone(old));
        waitLoaded();
    }

    /**
     * Whether {@code old}'s document has been replaced. ChromeDriver says so with a stale-element
     * error, except while the new document is being committed: then the DevTools protocol answers
     * "Node with given id does not belong to the document" and ChromeDriver passes that on as an
     * unknown error (seen once in CI with Chromium 156, failing a test that had already navigated).
     * It means the same thing. Any other error still fails the wait.
     */
    static boolean gone(org.openqa.selenium.WebElement old) {
        try {
            old.isEnabled();
            return false;
        } catch (org.openqa.selenium.StaleElementReferenceException e) {
            return true;
        } catch (org.openqa.selenium.WebDriverException e) {
            if (String.valueOf(e.getMessage()).contains("does not belong to the document")) return true;
            throw e;
        }
    }

    public void waitLoaded() {
        await.until(d -> "complete".equals(((JavascriptExecutor) d).executeScript("return document.readyState")));
    }

    /** A PNG of the current viewport, written to {@code file}. */
    public void screenshot(Path file) throws Exception {
        if (file.getParent() != null) Files.createDirectories(file.getParent());
        Files.write(file, driver.getScreenshotAs(OutputType.BYTES));
    }

    static String origin(String url) {
        java.net.URI u = java.net.URI.create(url);
        return u.getScheme() + "://" + u.getRawAuthority();
    }

    @Override
    public void close() throws Exception {
        try {
            driver.quit();
        } finally {
            org.javapxeboot.xman.daemon.XmandFixture.deleteTree(profile);
        }
    }
}
