package org.javapxeboot.mock.cli;

import java.net.InetSocketAddress;
import java.util.concurrent.Callable;
import org.javapxeboot.mock.fault.UdpRelay;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code pxe-mock relay}: a lossy, slow UDP link in front of any TFTP (or DHCP) server. */
@Command(name = "relay", mixinStandardHelpOptions = true, sortOptions = false,
    description = {"Relay UDP from --listen to --to, adding delay and loss each way; follows TFTP's port change.",
        "Prints one line 'pxe-mock relay listening ADDR:PORT' on stdout."})
final class RelayCommand implements Callable<Integer> {
    private final PxeMockCli.Context context;

    RelayCommand(PxeMockCli.Context context) { this.context = context; }

    @Option(names = "--listen", paramLabel = "ADDR:PORT", converter = Converters.SocketAddressConverter.class, defaultValue = "127.0.0.1:0",
        description = "Where clients send (default: ${DEFAULT-VALUE}, an ephemeral port).")
    InetSocketAddress listen;

    @Option(names = "--to", paramLabel = "ADDR:PORT", converter = Converters.SocketAddressConverter.class, required = true,
        description = "The real server's request address.")
    InetSocketAddress to;

    @Option(names = "--delay-ms", paramLabel = "MS", defaultValue = "0", description = "One-way delay each direction (0.5 = 1 ms RTT; default: ${DEFAULT-VALUE}).")
    double delayMs;

    @Option(names = "--jitter-ms", paramLabel = "MS", defaultValue = "0", description = "Extra uniform random delay in [0, MS) (default: ${DEFAULT-VALUE}).")
    double jitterMs;

    @Option(names = "--loss", paramLabel = "P", defaultValue = "0", description = "Drop probability each direction (default: ${DEFAULT-VALUE}).")
    double loss;

    @Option(names = "--seed", paramLabel = "N", defaultValue = "1", description = "Seed of the loss decisions (default: ${DEFAULT-VALUE}).")
    long seed;

    @Override public Integer call() throws Exception {
        UdpRelay.Config c = new UdpRelay.Config(listen, to, delayMs, jitterMs, loss, seed, 60_000);
        try (UdpRelay relay = UdpRelay.start(c)) {
            context.out().println("pxe-mock relay listening " + ServeCommand.hostPort(relay.listenAddress()) + " to=" + ServeCommand.hostPort(to));
            context.out().flush();
            context.stop().await();
            context.err().println("pxe-mock relay: stopping (" + relay.forwarded() + " forwarded, " + relay.dropped() + " dropped)");
        }
        return 0;
    }
}
