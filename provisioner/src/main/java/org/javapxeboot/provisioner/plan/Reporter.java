package org.javapxeboot.provisioner.plan;

/** Where the provisioner tells a person what it is doing: each step done, and progress of long loops. */
public interface Reporter {
    Reporter SILENT = new Reporter() {
        @Override
        public void done(Action a) {
        }

        @Override
        public void progress(String phase, int done, int total) {
        }
    };

    /** A step was carried out. */
    void done(Action a);

    /** {@code done} of {@code total} guests went through {@code phase}. */
    void progress(String phase, int done, int total);

    /** Bytes written while preallocating one disk. */
    default void bytes(String what, long done, long total) {
    }
}
