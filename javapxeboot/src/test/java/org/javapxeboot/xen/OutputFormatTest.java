package org.javapxeboot.xen;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Byte-exact stanzas, checked against golden files in src/test/resources/golden/ (regenerate with
 * {@code -Dgolden.update=true} and review the diff), and read back with a transcription of xend's
 * sxp.Parser and of libxl's simple0 reader.
 */
class OutputFormatTest {
    static final Path GOLDEN = Path.of(System.getProperty("basedir", "."), "src/test/resources/golden");
    static final boolean UPDATE = Boolean.getBoolean("golden.update");

    static final Map<String, Stanza> CASES = new LinkedHashMap<>();

    static {
        CASES.put("debian", new Stanza("/var/lib/xen/kernel.Ab3dEf", "/var/lib/xen/ramdisk.X9y8Z7", "vga=788 --- quiet"));
        CASES.put("no-ramdisk", new Stanza("/var/lib/xen/kernel.Ab3dEf", null, "root=/dev/xvda1 ro console=hvc0"));
        CASES.put("no-args", new Stanza("/var/lib/xen/kernel.Ab3dEf", "/var/lib/xen/ramdisk.X9y8Z7", ""));
        CASES.put("kernel-only", new Stanza("/var/lib/xen/kernel.Ab3dEf", null, ""));
        CASES.put("hostile-args", new Stanza("/var/lib/xen/kernel.Ab3dEf", "/var/lib/xen/ramdisk.X9y8Z7",
                "ks=http://h/ks?x=y&a=b msg='it''s' path=C:\\boot\\ \"dq\" \\\\ ' (paren) #hash ;semi"));
        CASES.put("odd-paths", new Stanza("/var/lib/xen/my dir/kernel.(1)", "/tmp/it's\\here", "a"));
        CASES.put("non-ascii", new Stanza("/var/lib/xen/kernel.Ab3dEf", null, "caf\u00e9 lang=\u00fc check=\u2713"));
    }

    static Stream<Arguments> goldenCases() {
        List<Arguments> out = new ArrayList<>();
        for (String name : CASES.keySet()) {
            for (OutputFormat f : OutputFormat.values()) out.add(Arguments.of(name, f));
        }
        return out.stream();
    }

    @ParameterizedTest(name = "{0}.{1}")
    @MethodSource("goldenCases")
    void matchesGoldenFile(String name, OutputFormat format) throws IOException {
        byte[] actual = format.render(CASES.get(name));
        Path file = GOLDEN.resolve(name + "." + format.optionName());
        if (UPDATE) {
            Files.createDirectories(GOLDEN);
            Files.write(file, actual);
        }
        assertTrue(Files.exists(file), file + " is missing; run the test with -Dgolden.update=true and review it");
        assertArrayEquals(Files.readAllBytes(file), actual, "differs from " + file);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("caseNames")
    void sxpReadsBackThroughXendsParser(String name) {
        Stanza s = CASES.get(name);
        List<Object> top = XendSxp.parse(latin1(OutputFormat.SXP.render(s)));
        assertEquals("linux", top.get(0));
        Map<String, String> kids = new LinkedHashMap<>();
        for (Object o : top.subList(1, top.size())) {
            @SuppressWarnings("unchecked") List<Object> l = (List<Object>) o;
            assertEquals(2, l.size(), l.toString());
            kids.put((String) l.get(0), (String) l.get(1));
        }
        assertEquals(latin1(bytesOf(s.kernel())), kids.get("kernel"));
        assertEquals(s.ramdisk() == null ? null : latin1(bytesOf(s.ramdisk())), kids.get("ramdisk"));
        assertEquals(s.args().isEmpty() ? null : latin1(bytesOf(s.args())), kids.get("args"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("caseNames")
    void simple0ReadsBackLikeLibxl(String name) {
        Stanza s = CASES.get(name);
        // libxl_bootloader.c parse_bootloader_result(): NUL-terminated "key value" records, an empty one ends it.
        String out = latin1(OutputFormat.SIMPLE0.render(s));
        assertTrue(out.endsWith("\0\0"));
        Map<String, String> got = new LinkedHashMap<>();
        for (String rec : out.substring(0, out.length() - 2).split("\0", -1)) {
            int sp = rec.indexOf(' ');
            got.put(rec.substring(0, sp), rec.substring(sp + 1));
        }
        assertEquals(latin1(bytesOf(s.kernel())), got.get("kernel"));
        assertEquals(s.ramdisk() == null ? null : latin1(bytesOf(s.ramdisk())), got.get("ramdisk"));
        assertEquals(s.args().isEmpty() ? null : latin1(bytesOf(s.args())), got.get("args"));
    }

    static Stream<String> caseNames() { return CASES.keySet().stream(); }

    @Test
    void exactSxpLikePygrub() {
        assertEquals("linux (kernel /k)(ramdisk /r)(args 'a b')",
                new String(OutputFormat.SXP.render(new Stanza("/k", "/r", "a b")), StandardCharsets.ISO_8859_1));
        assertEquals("linux (kernel /k)", new String(OutputFormat.SXP.render(new Stanza("/k", "", null)), StandardCharsets.ISO_8859_1));
    }

    @Test
    void exactSimple() {
        assertEquals("kernel /k\nramdisk /r\nargs a b\n\n",
                new String(OutputFormat.SIMPLE.render(new Stanza("/k", "/r", "a b")), StandardCharsets.ISO_8859_1));
        assertEquals("kernel /k\0\0", new String(OutputFormat.SIMPLE0.render(new Stanza("/k", null, "")), StandardCharsets.ISO_8859_1));
    }

    @Test
    void separatorInAValueIsRefused() {
        IllegalArgumentException nl = assertThrows(IllegalArgumentException.class,
                () -> OutputFormat.SIMPLE.render(new Stanza("/k", null, "a\nb")));
        assertEquals("the args value contains a newline, which the simple output format cannot carry: 'a\\nb'", nl.getMessage());
        IllegalArgumentException nul = assertThrows(IllegalArgumentException.class,
                () -> OutputFormat.SIMPLE0.render(new Stanza("/k\0x", null, "")));
        assertEquals("the kernel value contains a NUL byte, which the simple0 output format cannot carry: '/k\\0x'", nul.getMessage());
        assertThrows(IllegalArgumentException.class, () -> OutputFormat.SIMPLE0.render(new Stanza("/k", "/r\0", "")));
        // Each format only forbids its own separator.
        assertEquals("kernel /k\0args a\nb\0\0",
                new String(OutputFormat.SIMPLE0.render(new Stanza("/k", null, "a\nb")), StandardCharsets.ISO_8859_1));
        assertEquals("linux (kernel /k)(args 'a\nb')",
                new String(OutputFormat.SXP.render(new Stanza("/k", null, "a\nb")), StandardCharsets.ISO_8859_1));
    }

    @Test
    void parseNames() {
        assertEquals(OutputFormat.SXP, OutputFormat.parse("sxp"));
        assertEquals(OutputFormat.SIMPLE, OutputFormat.parse("simple"));
        assertEquals(OutputFormat.SIMPLE0, OutputFormat.parse("SIMPLE0"));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> OutputFormat.parse("json"));
        assertEquals("unknown output format 'json' (expected sxp, simple or simple0)", e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> OutputFormat.parse(null));
    }

    @Test
    void bytesAreLatin1ForConfigTextAndUtf8AboveIt() {
        byte[] b = OutputFormat.SIMPLE.render(new Stanza("/k", null, "\u00e9\u2713"));
        byte[] expected = "kernel /k\nargs \u00e9".getBytes(StandardCharsets.ISO_8859_1);
        byte[] check = "\u2713".getBytes(StandardCharsets.UTF_8);
        assertEquals(expected.length + check.length + 2, b.length);
        assertEquals((byte) 0xE9, b[expected.length - 1]);
        assertEquals((byte) 0xE2, b[expected.length]);
    }

    /** The documented byte rule: a char up to U+00FF is one byte, anything above is UTF-8. */
    static byte[] bytesOf(String s) {
        java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
        s.codePoints().forEach(cp -> {
            if (cp <= 0xFF) out.write(cp);
            else out.writeBytes(new String(Character.toChars(cp)).getBytes(StandardCharsets.UTF_8));
        });
        return out.toByteArray();
    }

    static String latin1(byte[] b) { return new String(b, StandardCharsets.ISO_8859_1); }

    /**
     * A transcription of xend's tools/python/xen/xend/sxp.py Parser for what a stanza can contain: lists,
     * atoms (ended by whitespace, '#' or one of {}()<>[];) and strings quoted with ' or " whose backslash
     * escapes follow its escapes table.
     */
    static final class XendSxp {
        private final String in;
        private int pos;

        private XendSxp(String in) { this.in = in; }

        static List<Object> parse(String s) {
            XendSxp p = new XendSxp(s);
            List<Object> vals = new ArrayList<>();
            while (true) {
                p.skipSpace();
                if (p.pos >= s.length()) return vals;
                vals.add(p.value());
            }
        }

        private void skipSpace() {
            while (pos < in.length() && " \t\n\u000b\f\r".indexOf(in.charAt(pos)) >= 0) pos++;
        }

        private Object value() {
            char c = in.charAt(pos);
            if (c == '(') {
                pos++;
                List<Object> l = new ArrayList<>();
                while (true) {
                    skipSpace();
                    if (pos >= in.length()) throw new IllegalStateException("unexpected EOF");
                    if (in.charAt(pos) == ')') {
                        pos++;
                        return l;
                    }
                    l.add(value());
                }
            }
            if (c == ')') throw new IllegalStateException("syntax error: )");
            if (c == '\'' || c == '"') {
                pos++;
                StringBuilder b = new StringBuilder();
                while (true) {
                    if (pos >= in.length()) throw new IllegalStateException("unexpected EOF");
                    char d = in.charAt(pos++);
                    if (d == c) return b.toString();
                    if (d != '\\') {
                        b.append(d);
                        continue;
                    }
                    char e = in.charAt(pos++);
                    String esc = Map.of('a', "\u0007", 'b', "\b", 't', "\t", 'n', "\n", 'v', "\u000b", 'f', "\f", 'r', "\r",
                            '\\', "\\", '\'', "'", '"', "\"").get(e);
                    if (esc == null) throw new IllegalStateException("escape \\" + e + " not expected in our output");
                    b.append(esc);
                }
            }
            StringBuilder b = new StringBuilder();
            while (pos < in.length()) {
                char d = in.charAt(pos);
                if (" \t\n\u000b\f\r#{}()<>[];".indexOf(d) >= 0) break;
                b.append(d);
                pos++;
            }
            return b.toString();
        }
    }
}
