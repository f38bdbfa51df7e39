package org.javapxeboot.mock.tftp;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.LinkOption;
import java.nio.file.Path;

/**
 * Maps a requested TFTP file name to a file under the served root, or says why not. The rules
 * (documented in docs/pxe-mock.md):
 * <ul>
 *   <li>a name containing NUL or another control character, or a {@code ..} component, is an
 *       access violation (refused, not normalised away: a client that asks for it is probing);</li>
 *   <li>an absolute name that lies under the root's absolute path is taken as it is (dnsmasq);
 *       any other absolute name is taken relative to the root (tftp-hpa {@code --secure}), so
 *       {@code /etc/passwd} means {@code ROOT/etc/passwd};</li>
 *   <li>the resolved file, with every symlink followed, must still lie under the real root:
 *       a symlink leading out of the root is an access violation;</li>
 *   <li>for reads it must be a readable regular file (a directory is an access violation).</li>
 * </ul>
 */
public final class RootResolver {
    private final Path root;
    private final Path realRoot;

    public RootResolver(Path root) throws IOException {
        this.root = root.toAbsolutePath().normalize();
        this.realRoot = root.toRealPath();
        if (!Files.isDirectory(realRoot)) throw new IOException("TFTP root " + root + " is not a directory");
    }

    public Path root() { return realRoot; }

    /** The outcome: a path, or an error code (1 or 2) with a message for the client. */
    public record Resolution(Path path, int errorCode, String error) {
        public boolean ok() { return path != null; }

        static Resolution denied(String why) { return new Resolution(null, 2, why); }

        static Resolution notFound(String why) { return new Resolution(null, 1, why); }
    }

    /** Resolves a file to read. */
    public Resolution forRead(String name) {
        Resolution r = lexical(name);
        if (!r.ok()) return r;
        Path p = r.path();
        if (!Files.exists(p, LinkOption.NOFOLLOW_LINKS) && !Files.exists(p)) return Resolution.notFound("File not found");
        Path real;
        try {
            real = p.toRealPath();
        } catch (IOException e) {
            // A dangling symlink, or a component that vanished.
            return Resolution.notFound("File not found");
        }
        if (!real.startsWith(realRoot)) return Resolution.denied("Access violation: outside the TFTP root");
        if (!Files.isRegularFile(real)) return Resolution.denied("Access violation: not a regular file");
        if (!Files.isReadable(real)) return Resolution.denied("Access violation: not readable");
        return new Resolution(real, 0, null);
    }

    /** Resolves a file to write: its parent must exist under the real root; the file itself may be new. */
    public Resolution forWrite(String name) {
        Resolution r = lexical(name);
        if (!r.ok()) return r;
        Path p = r.path();
        if (p.equals(root)) return Resolution.denied("Access violation: no file name");
        Path parent;
        try {
            parent = p.getParent().toRealPath();
        } catch (IOException e) {
            return Resolution.notFound("Directory not found");
        }
        if (!parent.startsWith(realRoot) || !Files.isDirectory(parent)) return Resolution.denied("Access violation: outside the TFTP root");
        Path target = parent.resolve(p.getFileName());
        if (Files.isSymbolicLink(target) || (Files.exists(target) && !Files.isRegularFile(target))) {
            return Resolution.denied("Access violation: not a regular file");
        }
        return new Resolution(target, 0, null);
    }

    private Resolution lexical(String name) {
        if (name.isEmpty()) return Resolution.denied("Access violation: empty file name");
        for (int i = 0; i < name.length(); i++) {
            char c = name.charAt(i);
            if (c < 0x20 || c == 0x7F) return Resolution.denied("Access violation: control character in file name");
        }
        String rel = name;
        String rootText = root.toString();
        String realText = realRoot.toString();
        if (rel.startsWith(realText + "/")) rel = rel.substring(realText.length() + 1);
        else if (rel.startsWith(rootText + "/")) rel = rel.substring(rootText.length() + 1);
        while (rel.startsWith("/")) rel = rel.substring(1);
        for (String part : rel.split("/", -1)) {
            if (part.equals("..")) return Resolution.denied("Access violation: '..' in file name");
        }
        if (rel.isEmpty()) return Resolution.denied("Access violation: no file name");
        try {
            Path p = root.resolve(rel).normalize();
            if (!p.startsWith(root)) return Resolution.denied("Access violation: outside the TFTP root");
            return new Resolution(p, 0, null);
        } catch (InvalidPathException e) {
            return Resolution.denied("Access violation: invalid file name");
        }
    }
}
