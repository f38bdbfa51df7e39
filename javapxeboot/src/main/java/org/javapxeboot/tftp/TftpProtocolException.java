package org.javapxeboot.tftp;

/** A datagram that is not a well-formed TFTP packet. The message says what is wrong with it. */
public final class TftpProtocolException extends Exception {
    public TftpProtocolException(String message) { super(message); }
}
