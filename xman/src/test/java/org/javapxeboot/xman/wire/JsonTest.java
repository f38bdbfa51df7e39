package org.javapxeboot.xman.wire;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

class JsonTest {
    @Test
    void roundTrip() throws Exception {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("s", "a\"b\\c\n\u0001<x>&");
        m.put("n", -42L);
        m.put("d", 1.5);
        m.put("t", true);
        m.put("z", null);
        m.put("l", List.of(1L, "two", List.of()));
        String text = Json.write(m);
        assertEquals("{\"s\":\"a\\\"b\\\\c\\n\\u0001\\u003cx\\u003e\\u0026\",\"n\":-42,\"d\":1.5,\"t\":true,\"z\":null,\"l\":[1,\"two\",[]]}", text);
        assertEquals(m, Json.parse(text));
        assertEquals("é\u2028", Json.parse("\"\\u00e9\\u2028\""));
        assertEquals("[0.1,1.0E20,-2.5E-7]", Json.write(List.of(0.1, 1e20, -2.5e-7)));
        assertEquals(List.of(0.1, 1.0E20, -2.5E-7), Json.parse("[0.1,1.0E20,-2.5E-7]"));
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
            "{\"a\":1,}|JSON 1:8: unexpected '}', expected a key string",
            "{\"a\":1 \"b\":2}|JSON 1:8: unexpected '\"', expected ',' or '}'",
            "{\"a\":1,\"a\":2}|JSON 1:8: duplicate key \"a\"",
            "[1,2]x|JSON 1:6: unexpected 'x' after the JSON value",
            "\"abc|JSON 1:5: unterminated string",
            "01|JSON 1:1: leading zero in a number",
            "99999999999999999999|JSON 1:1: number 99999999999999999999 is out of range",
            "tru|JSON 1:1: unexpected 't', expected a value",
            "\"\\q\"|JSON 1:3: bad escape \\q",
            "|JSON 1:1: unexpected end of input, expected a value",
    })
    void locatedErrors(String in, String message) {
        assertEquals(message, assertThrows(Json.ParseException.class, () -> Json.parse(in == null ? "" : in)).getMessage());
    }

    @Test
    void deepNestingIsRefusedNotAStackOverflow() {
        String deep = "[".repeat(100_000) + "]".repeat(100_000);
        assertEquals("JSON 1:34: nested deeper than 32 levels", assertThrows(Json.ParseException.class, () -> Json.parse(deep)).getMessage());
    }

    @Test
    void controlCharacterInStringIsLocated() {
        assertEquals("JSON 2:3: unescaped control character U+0009 in a string",
                assertThrows(Json.ParseException.class, () -> Json.parse("\n \"\t\"")).getMessage());
    }

    @Test
    void objectExpected() {
        assertEquals("expected a JSON object, got an array", assertThrows(Json.ParseException.class, () -> Json.parseObject("[]")).getMessage());
    }
}
