package org.javapxeboot.provisioner.cli;

import org.javapxeboot.provisioner.serve.KickstartServer;
import picocli.CommandLine.Option;

/** The install server's settings, for serve and apply --serve. */
final class ServeOptions {
    @Option(names = "--port", defaultValue = "8069", description = "(serve) TCP port (default: ${DEFAULT-VALUE})") int port;

    @Option(names = "--bind", paramLabel = "ADDR",
            description = "(serve) address to listen on (default: the host of the YAML's server: URL when it is an IP"
                    + " address, the provisioning address guests are told to use; else 127.0.0.1)")
    String bind;

    @Option(names = "--threads", defaultValue = "8", description = "(serve) requests handled at once (default: ${DEFAULT-VALUE})")
    int threads;

    @Option(names = "--queue", defaultValue = "32",
            description = "(serve) connections waiting for a thread; beyond that 503 (default: ${DEFAULT-VALUE})")
    int queue;

    @Option(names = "--request-timeout", paramLabel = "SECONDS", defaultValue = "10",
            description = "(serve) a request (header and body) must arrive and be answered within this, else 408 and"
                    + " the connection is dropped (default: ${DEFAULT-VALUE}). An ack waits at most 3 s (or a third"
                    + " of this, if shorter) for an apply holding the output folder, then answers 503 with"
                    + " Retry-After; the templates retry every 20 s for up to 45 minutes")
    long requestTimeoutSeconds;

    KickstartServer.Settings settings() {
        if (threads < 1 || queue < 1 || requestTimeoutSeconds < 1) {
            throw new IllegalArgumentException("--threads, --queue and --request-timeout must be at least 1, got "
                    + threads + ", " + queue + ", " + requestTimeoutSeconds);
        }
        return KickstartServer.Settings.of(threads, queue, java.time.Duration.ofSeconds(requestTimeoutSeconds));
    }
}
