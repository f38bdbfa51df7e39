package org.javapxeboot.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/** Exit codes and the one-line rule of the entry point; the boot itself is tested in boot/ and tests/. */
class MainTest {
    record Result(int code, String out, String err) {}

    static Result run(String... args) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(), err = new ByteArrayOutputStream();
        int code = Main.run(args, new PrintStream(out, true), new PrintStream(err, true));
        return new Result(code, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    }

    @Test
    void anUnresolvableDhcpServerIsAUsageError() {
        Result r = run("--mac=aa:00:86:e2:35:72", "--dhcp-server=no-such-host.invalid:67");
        assertEquals(2, r.code());
        assertEquals("javapxeboot: --dhcp-server: unknown host 'no-such-host.invalid'\n", r.err());
        assertEquals("", r.out());
    }

    @Test
    void noMacIsOneErrorLine() {
        Result r = run("--output=-", "--output-directory=/tmp");
        assertEquals(1, r.code());
        assertEquals(1, r.err().lines().count(), r.err());
        assertEquals(true, r.err().startsWith("javapxeboot: error: no MAC address"), r.err());
    }

    @Test
    void aMissingOutputDirectoryFailsBeforeDhcp() {
        Result r = run("--mac=aa:00:86:e2:35:72", "--output-directory=/no/such/dir", "--dhcp-server=127.0.0.1:9", "--dhcp-port=0", "--timeout=30");
        assertEquals(1, r.code());
        assertEquals("javapxeboot: error: output directory /no/such/dir does not exist\n", r.err());
    }

    @Test
    void badOptionIsExitTwoWithAHint() {
        Result r = run("--blksize=1");
        assertEquals(2, r.code());
        assertEquals("javapxeboot: --blksize: '1' is not a whole number from 8 to 65464\nTry 'javapxeboot --help'.\n", r.err());
    }
}
