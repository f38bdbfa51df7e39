package org.javapxeboot.tftp;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.Random;

/**
 * Runs {@link LossyRelay} standalone so that other clients (atftp, curl, busybox) can be measured
 * through the same loss and delay: prints the port it listens on (first line), then relays until killed.
 *
 * <pre>java -cp javapxeboot/target/classes:javapxeboot/target/test-classes org.javapxeboot.tftp.RelayMain \
 *     SERVER_IP SERVER_PORT LOSS_PERCENT ONE_WAY_DELAY_MICROS [SEED]</pre>
 * The request and the OACK are never dropped (peer clients differ widely in how they retry a request).
 */
public final class RelayMain {
    public static void main(String[] a) throws Exception {
        InetSocketAddress server = new InetSocketAddress(InetAddress.getByName(a[0]), Integer.parseInt(a[1]));
        double loss = Double.parseDouble(a[2]) / 100;
        long delay = Long.parseLong(a[3]) * 1000;
        Random rnd = new Random(a.length > 4 ? Long.parseLong(a[4]) : 1);
        LossyRelay relay = new LossyRelay(server, (d, op, b, len) ->
            op != TftpPacket.RRQ && op != TftpPacket.OACK && rnd.nextDouble() < loss ? LossyRelay.Action.DROP : LossyRelay.Action.PASS,
            delay);
        System.out.println(relay.address().getPort());
        System.out.flush();
        Thread.currentThread().join();
    }
}
