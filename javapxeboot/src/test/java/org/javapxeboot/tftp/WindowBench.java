package org.javapxeboot.tftp;

import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.Arrays;
import java.util.Locale;
import java.util.Random;

/**
 * Measures throughput per windowsize against a running server, clean and through the lossy relay, to
 * choose {@link TftpClient#DEFAULT_WINDOWSIZE}. Not a test: run by hand (see docs/tftpclient.md).
 *
 * <pre>java -cp javapxeboot/target/classes:javapxeboot/target/test-classes org.javapxeboot.tftp.WindowBench \
 *     127.0.0.1 16969 FILE 1468 5 1,4,8,16,32,64</pre>
 */
public final class WindowBench {
    public static void main(String[] a) throws Exception {
        InetSocketAddress server = new InetSocketAddress(InetAddress.getByName(a[0]), Integer.parseInt(a[1]));
        String path = a[2];
        int blksize = Integer.parseInt(a[3]), runs = Integer.parseInt(a[4]);
        int[] windows = Arrays.stream(a[5].split(",")).mapToInt(Integer::parseInt).toArray();
        String[] conditions = a.length > 6 ? a[6].split(",") : new String[] {"clean", "loss1", "rtt1ms", "rtt1ms+loss1"};
        OutputStream sink = OutputStream.nullOutputStream();
        System.out.printf(Locale.ROOT, "%-14s %6s %10s %10s %8s%n", "condition", "window", "MB/s(med)", "min", "retrans");
        for (String cond : conditions) {
            for (int w : windows) {
                double[] mbs = new double[runs];
                long retrans = 0;
                for (int i = 0; i < runs; i++) {
                    Random rnd = new Random(1000 + i);
                    boolean loss = cond.contains("loss1");
                    long delay = cond.startsWith("rtt1ms") ? 500_000 : 0;
                    try (LossyRelay relay = cond.equals("clean") ? null : new LossyRelay(server, (d, op, b, len) ->
                            loss && op != TftpPacket.RRQ && op != TftpPacket.OACK && rnd.nextInt(100) == 0
                                ? LossyRelay.Action.DROP : LossyRelay.Action.PASS, delay)) {
                        TftpClient c = new TftpClient(TftpClient.Settings.defaults().withBlksize(blksize).withWindowsize(w));
                        TransferResult r = c.fetch(relay == null ? server : relay.address(), path, sink, -1);
                        mbs[i] = r.megabytesPerSecond();
                        retrans += r.retransmissions();
                    } catch (IOException e) {
                        System.out.println(cond + " w=" + w + ": " + e.getMessage());
                    }
                }
                Arrays.sort(mbs);
                System.out.printf(Locale.ROOT, "%-14s %6d %10.1f %10.1f %8d%n", cond, w, mbs[runs / 2], mbs[0], retrans / runs);
            }
        }
    }
}
