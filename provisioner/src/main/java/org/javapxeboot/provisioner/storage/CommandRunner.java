package org.javapxeboot.provisioner.storage;

import java.util.List;
import java.util.Map;

/** Runs an external command; the seam through which tests inject failing LVM commands. */
@FunctionalInterface
public interface CommandRunner {

    record Result(int exitCode, String stdout, String stderr) {
    }

    /** Runs {@code argv} with {@code env} added to the environment; waits for it to finish. */
    Result run(List<String> argv, Map<String, String> env) throws StorageException;
}
