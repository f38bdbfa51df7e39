package org.javapxeboot.provisioner.storage;

/** A disk could not be inspected, created or grown; the message names the disk and the cause. */
public class StorageException extends Exception {
    public StorageException(String message) {
        super(message);
    }

    public StorageException(String message, Throwable cause) {
        super(message, cause);
    }
}
