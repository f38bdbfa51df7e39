package org.javapxeboot.xman.portal.state;

/** A job source could not be read, or answered something it should not have; the message says where. */
public class JobSourceException extends Exception {
    public JobSourceException(String message) {
        super(message);
    }
}
