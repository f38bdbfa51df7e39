package org.javapxeboot.boot;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/** Text from the network reaches the admin's terminal and logs escaped: no escape sequences, no forged lines. */
class LogTest {
    @Test
    void escapesControlFormatAndSeparatorCharacters() {
        assertEquals("a\\eb\\nc\\rd\\te\\x00f\\x07g\\x7fh\\x9bi\\x85j", Log.escape("a\u001bb\nc\rd\te\u0000f\u0007g\u007fh\u009bi\u0085j"));
        assertEquals("\\u{202e}txt.exe \\u{2028}\\u{feff}\\xad", Log.escape("\u202etxt.exe \u2028\ufeff\u00ad"));
        assertEquals("back\\\\slash \\u{d800}x \\u{e0041}", Log.escape("back\\slash \ud800x \udb40\udc41"));
    }

    @Test
    void leavesOrdinaryTextAlone() {
        String plain = "tftp://10.0.0.1/debian-installer/amd64/linux: 6 bytes, Łódź café 日本 \ud83d\ude00 = ok";
        assertEquals(plain, Log.escape(plain));
        assertSame("plain ASCII", Log.escape("plain ASCII"));
        assertEquals("null", Log.escape(null));
    }

    @Test
    void everyLevelWritesOneEscapedLine() {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        Log log = new Log(new PrintStream(bytes, true, StandardCharsets.UTF_8), Log.Level.VERBOSE);
        String hostile = "label '\u001b[31mred\u001b[0m'\njavapxeboot: error: forged";
        log.info(hostile);
        log.warn(hostile);
        log.error(hostile);
        log.debug(hostile);
        String[] lines = bytes.toString(StandardCharsets.UTF_8).split("\n");
        assertEquals(4, lines.length, bytes.toString(StandardCharsets.UTF_8));
        String escaped = "label '\\e[31mred\\e[0m'\\njavapxeboot: error: forged";
        assertEquals("javapxeboot: " + escaped, lines[0]);
        assertEquals("javapxeboot: warning: " + escaped, lines[1]);
        assertEquals("javapxeboot: error: " + escaped, lines[2]);
        assertEquals(escaped, lines[3].substring(lines[3].indexOf("] ") + 2));
    }
}
