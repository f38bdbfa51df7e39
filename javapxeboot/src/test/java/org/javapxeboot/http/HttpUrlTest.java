package org.javapxeboot.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class HttpUrlTest {
    @Test void parts() {
        assertEquals(new HttpUrl("10.0.0.1", 80, "/d-i/linux"), HttpUrl.parse("http://10.0.0.1/d-i/linux"));
        assertEquals(new HttpUrl("boot.example", 8080, "/"), HttpUrl.parse("HTTP://boot.example:8080"));
        assertEquals(new HttpUrl("h", 80, "/?x=y"), HttpUrl.parse("http://h?x=y#frag"));
        assertEquals(new HttpUrl("fd00::1", 81, "/k"), HttpUrl.parse("http://[fd00::1]:81/k"));
        assertEquals("http://[fd00::1]:81/k", HttpUrl.parse("http://[fd00::1]:81/k").toString());
    }

    @Test void redirects() {
        HttpUrl u = HttpUrl.parse("http://h:8080/a/b");
        assertEquals("http://h:8080/c", u.redirect("/c").toString());
        assertEquals("http://other/d", u.redirect("http://other/d").toString());
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        "https://h/k|URL 'https://h/k' refused: https is not supported (the bootloader has no certificate store to trust); serve the files over http:// on the provisioning network",
        "ftp://h/k|URL 'ftp://h/k' refused: scheme 'ftp' is not supported",
        "http://user:pw@h/k|URL 'http://user:pw@h/k' refused: it carries user information (user@host), which every guest could read in the config",
        "http:///k|URL 'http:///k' refused: it names no host",
        "http://h:0/k|URL 'http://h:0/k' refused: port '0' is not 1..65535",
        "http://h:99999/k|URL 'http://h:99999/k' refused: port '99999' is not 1..65535",
        "http://h/a b|URL 'http://h/a b' refused: it contains a space, a control or a non-ASCII character",
    })
    void refused(String url, String message) {
        assertEquals(message, assertThrows(IllegalArgumentException.class, () -> HttpUrl.parse(url)).getMessage());
    }

    @Test void aForgedRequestLineIsRefused() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> HttpUrl.parse("http://h/k HTTP/1.1\r\nHost: evil\r\n\r\nGET /x"));
        assertEquals(true, e.getMessage().contains("control"));
    }

    @Test void aRelativeRedirectIsRefused() {
        assertThrows(IllegalArgumentException.class, () -> HttpUrl.parse("http://h/a").redirect("b/c"));
    }
}
