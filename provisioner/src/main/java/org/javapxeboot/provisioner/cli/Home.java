package org.javapxeboot.provisioner.cli;

import java.io.IOException;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Finds the installation's own folders (kickstart-templates/, lvm-scripts/): under
 * {@code $PROVISION_HOME} if set, else in the working folder or one of its parents, else beside
 * the jar (provisioner/target/provisioner.jar lives two levels below the repository root).
 */
final class Home {
    private Home() {
    }

    static Path find(String folder) throws IOException {
        List<Path> tried = new ArrayList<>();
        String env = System.getenv("PROVISION_HOME");
        if (env != null && !env.isEmpty()) {
            Path p = Path.of(env, folder);
            if (Files.isDirectory(p)) {
                return p;
            }
            tried.add(p);
        }
        for (Path d = Path.of("").toAbsolutePath(); d != null; d = d.getParent()) {
            Path p = d.resolve(folder);
            if (Files.isDirectory(p)) {
                return p;
            }
        }
        tried.add(Path.of("").toAbsolutePath().resolve(folder));
        try {
            Path code = Path.of(Home.class.getProtectionDomain().getCodeSource().getLocation().toURI());
            for (Path d = code; d != null; d = d.getParent()) {
                Path p = d.resolve(folder);
                if (Files.isDirectory(p)) {
                    return p;
                }
            }
            tried.add(code.resolve(folder));
        } catch (URISyntaxException | SecurityException | NullPointerException e) {
            // no code source (jlink image, tests): the other places were tried
        }
        throw new IOException("cannot find " + folder + "/ (tried " + tried + "); set PROVISION_HOME or pass the option");
    }
}
