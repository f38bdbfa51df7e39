package org.javapxeboot.xman.daemon;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.javapxeboot.xman.config.ConfigFile;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** xmand's settings file (the one the Debian package installs as /etc/xman/xmand.conf): keys = long flags, flags win. */
class XmandConfigFileTest {
    @TempDir Path dir;

    Xmand.Config parse(Path file, String... args) {
        CommandLine cl = new CommandLine(new XmandMain());
        assertNull(ConfigFile.apply(cl, file, args));
        cl.parseArgs(args);
        return ((XmandMain) cl.getCommand()).config();
    }

    @Test
    void theFileSetsXmandsSettingsAndFlagsOverrideThem() throws Exception {
        Path f = dir.resolve("xmand.conf");
        Files.writeString(f, "listen = 127.0.0.1:9740\nlog = /var/log/xman/xmand.log\ntrust-proxy = HTTP/portal@R,HTTP/p2@R\nop-timeout = 7\n");
        Xmand.Config c = parse(f);
        assertEquals("127.0.0.1:9740", c.listen());
        assertEquals(Path.of("/var/log/xman/xmand.log"), c.log());
        assertEquals(List.of("HTTP/portal@R", "HTTP/p2@R"), c.trustProxies());
        assertEquals(7, c.opTimeout());
        Xmand.Config flags = parse(f, "--listen", "127.0.0.1:1", "--log=-");
        assertEquals("127.0.0.1:1", flags.listen());
        assertEquals(Path.of("-"), flags.log());
        assertEquals(7, flags.opTimeout());
    }

    @Test
    void theInstalledDefaultFileParses() throws Exception {
        // packaging/xman/xmand.conf, as installed: every line a comment or a known key
        Path installed = Path.of(System.getProperty("project.root", ".."), "packaging/xman/xmand.conf");
        Path copy = dir.resolve("xmand.conf");
        Files.copy(installed, copy);
        Xmand.Config c = parse(copy);
        assertEquals(Path.of("/var/log/xman/xmand.log"), c.log());
    }

    @Test
    void xmandRefusesABadFileBeforeStarting() throws Exception {
        Path f = dir.resolve("xmand.conf");
        Files.writeString(f, "listen = 127.0.0.1:0\nlisten-port = 1\n");
        int rc = XmandMain.run("--config", f.toString(), "--no-tls", "--insecure-no-auth");
        assertEquals(2, rc);
    }
}
