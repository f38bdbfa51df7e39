package org.javapxeboot.tftp;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** atftpd with options switched off: the client takes what the server grants, down to plain RFC 1350. */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class TftpClientAtftpdFallbackTest {

    static Stream<Arguments> servers() {
        return Stream.of(
            // flags, expected blksize, windowsize, optionsAccepted
            Arguments.of(new String[] {"--no-windowsize"}, 1468, 1, true),
            Arguments.of(new String[] {"--no-blksize"}, 512, 16, true),
            Arguments.of(new String[] {"--no-tsize", "--no-timeout"}, 1468, 16, true),
            Arguments.of(new String[] {"--no-blksize", "--no-tsize", "--no-timeout", "--no-windowsize"}, 512, 1, false));
    }

    @ParameterizedTest @MethodSource("servers")
    void takesWhatTheServerGrants(String[] flags, int blksize, int windowsize, boolean accepted,
                                  @TempDir Path root, @TempDir Path logs) throws IOException {
        Assumptions.assumeTrue(Files.isExecutable(RealServer.ATFTPD), "atftpd is not installed (Debian package atftpd)");
        byte[] file = Files2.random(700_000, 7);
        Files2.write(root, "f", file);
        try (RealServer s = RealServer.atftpd(root, logs, flags)) {
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            TransferResult r = new TftpClient(TftpClient.Settings.defaults().withBlksize(1468).withWindowsize(16))
                .fetch(s.address(), "f", out, 10_000_000);
            assertEquals(Files2.sha256(file), Files2.sha256(out.toByteArray()));
            assertEquals(blksize, r.blksize(), String.join(" ", flags));
            assertEquals(windowsize, r.windowsize(), String.join(" ", flags));
            assertEquals(accepted, r.optionsAccepted(), String.join(" ", flags));
        }
    }
}
