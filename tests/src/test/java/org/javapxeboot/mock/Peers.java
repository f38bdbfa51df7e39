package org.javapxeboot.mock;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;

/** Runs the real TFTP clients installed on this machine (Debian packages atftp, curl, busybox, tftp-hpa). */
public final class Peers {
    private Peers() {}

    public record Result(int exit, String output) {}

    /** Skips the test (with the reason) when {@code program} is not installed. */
    public static void require(String program) {
        boolean found = false;
        for (String dir : System.getenv().getOrDefault("PATH", "/usr/bin:/bin").split(":")) {
            if (Files.isExecutable(Path.of(dir, program))) found = true;
        }
        assumeTrue(found, program + " is not installed (apt-get install " + packageOf(program) + "); skipping this interop test");
    }

    private static String packageOf(String program) {
        return switch (program) {
            case "tftp" -> "tftp-hpa";
            default -> program;
        };
    }

    /** Runs a command with a bounded time, output (stdout+stderr) captured. */
    public static Result run(List<String> command, long timeoutSeconds) throws IOException, InterruptedException {
        ProcessBuilder pb = new ProcessBuilder(command).redirectErrorStream(true);
        Process p = pb.start();
        p.getOutputStream().close();
        byte[][] out = new byte[1][];
        Thread reader = new Thread(() -> {
            try {
                out[0] = p.getInputStream().readAllBytes();
            } catch (IOException e) {
                out[0] = new byte[0];
            }
        });
        reader.start();
        if (!p.waitFor(timeoutSeconds, TimeUnit.SECONDS)) {
            p.destroyForcibly().waitFor();
            reader.join(1000);
            return new Result(-1, "timed out after " + timeoutSeconds + " s: " + command);
        }
        reader.join(5000);
        return new Result(p.exitValue(), out[0] == null ? "" : new String(out[0], StandardCharsets.UTF_8));
    }

    /**
     * Waits until a TFTP server answers on {@code address}: asks for a file that does not exist until an ERROR
     * (or anything) comes back, so a test starts only once the server is listening, however long that takes.
     */
    public static void awaitTftp(java.net.InetSocketAddress address, Process server) throws IOException {
        byte[] rrq = "\0\1no-such-file-probe\0octet\0".getBytes(java.nio.charset.StandardCharsets.ISO_8859_1);
        try (java.net.DatagramSocket s = new java.net.DatagramSocket(new java.net.InetSocketAddress(java.net.InetAddress.getLoopbackAddress(), 0))) {
            s.setSoTimeout(100);
            byte[] buf = new byte[600];
            for (int i = 0; i < 600; i++) {
                if (!server.isAlive()) throw new IOException("the server exited with " + server.exitValue() + " before it answered on " + address);
                s.send(new java.net.DatagramPacket(rrq, rrq.length, address));
                try {
                    s.receive(new java.net.DatagramPacket(buf, buf.length));
                    return;
                } catch (java.net.SocketTimeoutException e) {
                    // not listening yet
                }
            }
        }
        throw new IOException("no TFTP answer from " + address + " within 60 s");
    }

    public static byte[] randomBytes(int n, long seed) {
        byte[] b = new byte[n];
        new Random(seed).nextBytes(b);
        return b;
    }

    public static String sha256(byte[] data) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(data));
        } catch (NoSuchAlgorithmException e) {
            throw new AssertionError(e);
        }
    }

    public static String sha256(Path file) throws IOException {
        return sha256(Files.readAllBytes(file));
    }
}
