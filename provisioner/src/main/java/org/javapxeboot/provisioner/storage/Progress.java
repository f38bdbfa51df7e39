package org.javapxeboot.provisioner.storage;

/** Progress of one long job (a preallocation): bytes done of total. Called from the working thread. */
@FunctionalInterface
public interface Progress {
    Progress NONE = (what, done, total) -> { };

    void update(String what, long done, long total);
}
