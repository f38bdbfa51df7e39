package org.javapxeboot.pxelinux;

import java.io.IOException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/** An in-memory TFTP tree that records what was read. */
final class MapSource implements ConfigSource {
    final Map<String, String> files = new HashMap<>();
    final List<String> reads = new ArrayList<>();
    final Map<String, IOException> failures = new HashMap<>();

    MapSource put(String path, String... lines) {
        files.put(path, String.join("\n", lines) + "\n");
        return this;
    }

    MapSource putRaw(String path, String content) {
        files.put(path, content);
        return this;
    }

    @Override public Optional<String> read(String path) throws IOException {
        reads.add(path);
        IOException e = failures.get(path);
        if (e != null) throw e;
        return Optional.ofNullable(files.get(path));
    }
}
