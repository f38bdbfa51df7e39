package org.javapxeboot.xman.portal.state;

import java.time.Duration;
import java.util.List;

/**
 * Runs a scheduler's command and returns its standard output; the seam tests replace with a
 * function returning a golden file. {@link ProcessCommandRunner} is the real one.
 */
@FunctionalInterface
public interface CommandRunner {
    /**
     * @param deadline  the command is killed, and this fails, when it has not finished by then
     * @param maxBytes  more output than this is refused (the command is killed)
     */
    String run(List<String> argv, Duration deadline, int maxBytes) throws JobSourceException;
}
