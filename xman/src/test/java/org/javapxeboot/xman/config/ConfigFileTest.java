package org.javapxeboot.xman.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** Settings files: keys are the long option names, flags override them, a bad or unsafe file starts nothing. */
class ConfigFileTest {
    @TempDir Path dir;

    @Command(name = "demo", mixinStandardHelpOptions = true)
    static final class Demo {
        @Option(names = "--config") Path config;
        @Option(names = "--listen") String listen = "127.0.0.1:1";
        @Option(names = {"-t", "--threads"}) int threads = 16;
        @Option(names = "--no-tls") boolean noTls;
        @Option(names = "--tls-password") String tlsPassword;
        @Option(names = "--trust-proxy", split = ",") List<String> trustProxy;
    }

    static CommandLine.Model.CommandSpec spec() {
        return new CommandLine(new Demo()).getCommandSpec();
    }

    Path file(String text, String mode) throws Exception {
        Path f = dir.resolve("demo.conf");
        Files.writeString(f, text);
        Files.setPosixFilePermissions(f, PosixFilePermissions.fromString(mode));
        return f;
    }

    Demo parse(Path defaultFile, String... args) {
        CommandLine cl = new CommandLine(new Demo());
        String bad = ConfigFile.apply(cl, defaultFile, args);
        if (bad != null) {
            throw new IllegalArgumentException(bad);
        }
        cl.parseArgs(args);
        return cl.getCommand();
    }

    @Test
    void keysAreTheLongOptionNamesWithCommentsAndBlankLines() throws Exception {
        Map<String, String> v = ConfigFile.parse("f", "# xmand\n\n  listen = 0.0.0.0:8740  \nthreads=4\r\nno-tls = true\ntrust-proxy = a@R,b@R\n", spec());
        assertEquals(Map.of("listen", "0.0.0.0:8740", "threads", "4", "no-tls", "true", "trust-proxy", "a@R,b@R"), v);
        assertEquals(Map.of("listen", "a=b"), ConfigFile.parse("f", "listen = a=b", spec()), "only the first = separates");
    }

    @Test
    void theFileSetsDefaultsAndFlagsOverrideThem() throws Exception {
        Path f = file("listen = 0.0.0.0:9\nthreads = 4\ntrust-proxy = a@R,b@R\n", "rw-r--r--");
        Demo fromFile = parse(f);
        assertEquals("0.0.0.0:9", fromFile.listen);
        assertEquals(4, fromFile.threads);
        assertEquals(List.of("a@R", "b@R"), fromFile.trustProxy);
        Demo flags = parse(f, "--listen=127.0.0.1:7", "-t", "2");
        assertEquals("127.0.0.1:7", flags.listen);
        assertEquals(2, flags.threads);
        Demo none = parse(dir.resolve("missing.conf"));
        assertEquals("127.0.0.1:1", none.listen, "a missing default file is no error: built-in defaults");
    }

    @Test
    void configNamesTheFileAndAMissingNamedFileIsAnError() throws Exception {
        Path f = file("threads = 3\n", "rw-r--r--");
        assertEquals(3, parse(dir.resolve("missing.conf"), "--config", f.toString()).threads);
        assertEquals(3, parse(dir.resolve("missing.conf"), "--config=" + f).threads);
        Path missing = dir.resolve("nope.conf");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> parse(f, "--config", missing.toString()));
        assertEquals(missing + ": no such file", e.getMessage());
    }

    @Test
    void badLinesAreLocatedErrors() {
        assertEquals("f:2: unknown setting 'lisen' (settings: listen, threads, no-tls, tls-password, trust-proxy)",
                assertThrows(ConfigFile.ConfigException.class, () -> ConfigFile.parse("f", "# x\nlisen = 1\n", spec())).getMessage());
        assertEquals("f:1: expected 'key = value' (the line is not repeated here: it may hold a secret)",
                assertThrows(ConfigFile.ConfigException.class, () -> ConfigFile.parse("f", "listen\n", spec())).getMessage());
        String leak = assertThrows(ConfigFile.ConfigException.class,
                () -> ConfigFile.parse("f", "tls-password: hunter2\n", spec())).getMessage();
        assertFalse(leak.contains("hunter2"), leak);
        assertEquals("f:2: 'threads' is set twice",
                assertThrows(ConfigFile.ConfigException.class, () -> ConfigFile.parse("f", "threads=1\nthreads=2\n", spec())).getMessage());
        assertEquals("f:1: 'no-tls' is true or false, not 'yes'",
                assertThrows(ConfigFile.ConfigException.class, () -> ConfigFile.parse("f", "no-tls = yes\n", spec())).getMessage());
        assertEquals("f:1: write the key without dashes: 'listen = ...'",
                assertThrows(ConfigFile.ConfigException.class, () -> ConfigFile.parse("f", "--listen = x\n", spec())).getMessage());
        assertEquals("f:1: 'listen' has no value (leave the line out for the default)",
                assertThrows(ConfigFile.ConfigException.class, () -> ConfigFile.parse("f", "listen =\n", spec())).getMessage());
        assertEquals("f:1: control character 0x1b",
                assertThrows(ConfigFile.ConfigException.class, () -> ConfigFile.parse("f", "listen = \u001b[2J\n", spec())).getMessage());
        assertEquals("f:1: unknown setting 'config' (settings: listen, threads, no-tls, tls-password, trust-proxy)",
                assertThrows(ConfigFile.ConfigException.class, () -> ConfigFile.parse("f", "config = /x\n", spec())).getMessage(),
                "a file cannot name another");
    }

    @Test
    void aBadFileChangesNothingAndSaysWhere() throws Exception {
        Path f = file("listen = 0.0.0.0:9\nbogus = 1\n", "rw-r--r--");
        CommandLine cl = new CommandLine(new Demo());
        assertEquals(f + ":2: unknown setting 'bogus' (settings: listen, threads, no-tls, tls-password, trust-proxy)", ConfigFile.apply(cl, f, new String[0]));
        cl.parseArgs();
        assertEquals("127.0.0.1:1", ((Demo) cl.getCommand()).listen);
    }

    @Test
    void aFileOthersCanWriteIsRefused() throws Exception {
        Path f = file("listen = 0.0.0.0:9\n", "rw-rw-rw-");
        String bad = ConfigFile.apply(new CommandLine(new Demo()), f, new String[0]);
        assertEquals(f + ": refused: " + f.toRealPath() + " is writable by everyone (mode 0666); make it root's and not writable by others (chown root, chmod go-w)", bad);
        Files.setPosixFilePermissions(f, PosixFilePermissions.fromString("rw-rw-r--"));
        assertEquals(f + ": refused: " + f.toRealPath() + " is writable by its group (mode 0664); make it root's and not writable by others (chown root, chmod go-w)",
                ConfigFile.apply(new CommandLine(new Demo()), f, new String[0]));
        Files.setPosixFilePermissions(f, PosixFilePermissions.fromString("rw-r--r--"));
        Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwxrwxrwx"));
        try {
            assertEquals(f + ": refused: " + dir.toRealPath() + " is writable by everyone (mode 0777); make it root's and not writable by others (chown root, chmod go-w)",
                    ConfigFile.apply(new CommandLine(new Demo()), f, new String[0]), "the folder too: the file could be replaced");
        } finally {
            Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwx------"));
        }
        assertNull(ConfigFile.apply(new CommandLine(new Demo()), f, new String[0]));
    }

    @Test
    void aPasswordInAFileEveryoneCanReadIsRefused() throws Exception {
        Path f = file("tls-password = s3cret\n", "rw-r--r--");
        assertEquals(f + ": holds tls-password but it is readable by everyone (mode 0644) (chmod o-r)",
                ConfigFile.apply(new CommandLine(new Demo()), f, new String[0]));
        Files.setPosixFilePermissions(f, PosixFilePermissions.fromString("rw-r-----"));
        assertEquals("s3cret", parse(f).tlsPassword);
    }

    @Test
    void tooLargeOrNotUtf8IsRefused() throws Exception {
        Path f = file("# " + "x".repeat(ConfigFile.MAX_BYTES) + "\n", "rw-r--r--");
        assertEquals(f + ": larger than 65536 bytes", ConfigFile.apply(new CommandLine(new Demo()), f, new String[0]));
        Files.write(f, new byte[] {'l', '=', (byte) 0xff});
        assertEquals(f + ": not UTF-8 text", ConfigFile.apply(new CommandLine(new Demo()), f, new String[0]));
    }
}
