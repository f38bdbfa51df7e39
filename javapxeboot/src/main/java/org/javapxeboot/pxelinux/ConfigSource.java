package org.javapxeboot.pxelinux;

import java.io.IOException;
import java.util.Optional;

/**
 * Where the parser reads config files from (TFTP in production, a directory or a map in tests).
 * The parser itself does no I/O.
 */
public interface ConfigSource {
    /**
     * Reads one config file.
     *
     * @param path the exact TFTP path to fetch (the path prefix is already applied)
     * @return the content decoded as ISO-8859-1 (so every byte maps to one char), or empty when the
     *         file does not exist (pxelinux skips a missing INCLUDE)
     * @throws IOException for any other failure, which ends the parse with a located error
     */
    Optional<String> read(String path) throws IOException;
}
