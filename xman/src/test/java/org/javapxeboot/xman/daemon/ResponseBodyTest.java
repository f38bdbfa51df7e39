package org.javapxeboot.xman.daemon;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.javapxeboot.xman.wire.Json;
import org.junit.jupiter.api.Test;

class ResponseBodyTest {
    private static byte[] expected(Object body) {
        return (Json.write(body) + "\n").getBytes(StandardCharsets.UTF_8);
    }

    private static byte[] got(Object body) {
        ResponseBody b = ResponseBody.of(body);
        return Arrays.copyOf(b.bytes(), b.length());
    }

    @Test
    void theBytesAreTheJsonTextAndANewlineInUtf8WhateverCameBefore() {
        List<Object> bodies = List.of(
                Map.of("ok", true, "result", "x".repeat(10_000)),
                Map.of("ok", true),
                // non-ASCII, a character outside the BMP, a lone surrogate (the JDK's '?')
                Map.of("error", "d\u00e9j\u00e0 \ud83d\ude00 \ud800 vu"),
                Map.of("ok", false),
                Map.of("result", "y".repeat(ResponseBody.KEEP + 10)),
                Map.of("ok", true, "result", List.of("a", "b")));
        for (Object body : bodies) assertArrayEquals(expected(body), got(body), () -> String.valueOf(body).substring(0, Math.min(20, String.valueOf(body).length())));
    }

    @Test
    void aThreadDoesNotKeepTheBuffersOfAHugeAnswer() {
        got(Map.of("result", "z".repeat(ResponseBody.KEEP * 2)));
        ResponseBody b = ResponseBody.of(Map.of("ok", true));
        assertTrue(b.bytes().length <= ResponseBody.KEEP, "kept " + b.bytes().length + " bytes");
    }
}
