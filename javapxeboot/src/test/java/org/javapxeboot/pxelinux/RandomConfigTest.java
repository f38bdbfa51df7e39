package org.javapxeboot.pxelinux;

import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Random configs built from real keywords, odd white space and junk: parsing and selecting must either
 * give an entry or a PxelinuxException, never another exception. Seeds are fixed so a failure repeats.
 */
class RandomConfigTest {
    static final List<String> WORDS = List.of("label", "LABEL", "kernel", "linux", "append", "initrd", "include",
            "menu", "begin", "end", "default", "menu default", "menu include", "ontimeout", "ipappend", "sysappend",
            "localboot", "config", "com32", "ui", "path", "text", "endtext", "menu exit", "menu hide", "-", "::", "..",
            "initrd=", "initrd=a,b", "initrd=,", "a.c32", "x.0", "=", "==", "\"", "#", "\t", "\r", " ", "", "0x",
            "99999999999", "a.cfg", "b.cfg", "menu begin", "menu end", "\u00ff", "\u0000");

    static void checkOneLocatedLine(PxelinuxException e, long seed) {
        String m = e.getMessage();
        if (!m.matches("(p/)?(pxelinux\\.cfg/default|a\\.cfg|b\\.cfg)(:\\d+)?: [^\\n]+") || !m.startsWith(e.file())) {
            throw new AssertionError("seed " + seed + ": not a one-line located message: " + m);
        }
    }

    @Test
    @Timeout(value = 120, unit = TimeUnit.SECONDS)
    void neverAnythingButAnEntryOrALocatedError() throws Exception {
        int entries = 0;
        int errors = 0;
        for (long seed = 0; seed < 3000; seed++) {
            Random r = new Random(seed);
            MapSource src = new MapSource();
            for (String file : List.of(PxelinuxParserTest.MAIN, "a.cfg", "b.cfg")) {
                StringBuilder b = new StringBuilder();
                int lines = r.nextInt(30);
                for (int i = 0; i < lines; i++) {
                    int words = r.nextInt(5);
                    for (int w = 0; w < words; w++) {
                        b.append(WORDS.get(r.nextInt(WORDS.size())));
                        if (r.nextBoolean()) b.append(' ');
                    }
                    b.append(r.nextInt(10) == 0 ? "\r\n" : "\n");
                }
                src.putRaw(file, b.toString());
            }
            try {
                PxelinuxConfig c = PxelinuxParser.parse(PxelinuxParserTest.MAIN, r.nextBoolean() ? "" : "p/", src);
                BootEntry e = c.select(r.nextInt(4) == 0 ? "a.c32" : null);
                assertNotNull(e.append());
                entries++;
                for (String name : c.labelNames()) {
                    try {
                        c.select(name);
                    } catch (PxelinuxException expected) {
                        checkOneLocatedLine(expected, seed);
                    }
                }
            } catch (PxelinuxException expected) {
                errors++;
                checkOneLocatedLine(expected, seed);
            } catch (RuntimeException e) {
                throw new AssertionError("seed " + seed + ": " + e + "\n" + src.files.get(PxelinuxParserTest.MAIN), e);
            }
        }
        // The generator must reach both outcomes, or this test proves nothing.
        assertTrue(entries > 100 && errors > 100, entries + " entries, " + errors + " errors");
    }
}
