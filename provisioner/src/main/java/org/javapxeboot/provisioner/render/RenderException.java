package org.javapxeboot.provisioner.render;

/** A value cannot be written in a format (a newline in a pxelinux APPEND), or a template is broken. */
public class RenderException extends Exception {
    public RenderException(String message) {
        super(message);
    }
}
