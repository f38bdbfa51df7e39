package org.javapxeboot.pxelinux;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Optional;

/** A local directory served as if over TFTP: paths are relative to the root; a leading prefix may be stripped. */
final class DirSource implements ConfigSource {
    private final Path root;
    private final String servedUnder;

    DirSource(Path root, String servedUnder) {
        this.root = root;
        this.servedUnder = servedUnder;
    }

    @Override public Optional<String> read(String path) throws IOException {
        if (!path.startsWith(servedUnder)) return Optional.empty();
        Path p = root.resolve(path.substring(servedUnder.length())).normalize();
        if (!p.startsWith(root)) return Optional.empty();
        try {
            return Optional.of(new String(Files.readAllBytes(p), StandardCharsets.ISO_8859_1));
        } catch (NoSuchFileException e) {
            return Optional.empty();
        }
    }
}
