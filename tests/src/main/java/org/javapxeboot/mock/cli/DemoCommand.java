package org.javapxeboot.mock.cli;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.Callable;
import org.javapxeboot.cli.Main;
import org.javapxeboot.mock.PxeMockServer;
import org.javapxeboot.net.MacAddress;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code pxe-mock demo}: the project's main job on an embedded default. Starts the mock DHCP/TFTP
 * server on loopback serving a pxelinux tree (the Debian 12 netboot tree when installed), runs the
 * bootloader with exactly the argv libxl uses, checks what it fetched against the tree, prints the
 * stanza Xen would get, and removes the fetched files.
 */
@Command(name = "demo", mixinStandardHelpOptions = true, sortOptions = false,
    description = {"Boot a guest through the embedded mock server: DHCP, pxelinux config, kernel and initrd,",
        "with the argv libxl uses, and print the stanza Xen would get."})
final class DemoCommand implements Callable<Integer> {
    static final Path DEBIAN_TREE = Path.of("/usr/lib/debian-installer/images/12/amd64/text");

    private final PxeMockCli.Context context;

    DemoCommand(PxeMockCli.Context context) { this.context = context; }

    @Option(names = "--tree", paramLabel = "DIR",
        description = "pxelinux tree to serve (default: " + "/usr/lib/debian-installer/images/12/amd64/text" + " if installed, else a small built-in sample).")
    Path tree;

    @Option(names = "--mac", paramLabel = "MAC", defaultValue = "aa:00:86:e2:35:72", description = "Guest MAC (default: ${DEFAULT-VALUE}).")
    String mac;

    @Option(names = "--format", paramLabel = "FORMAT", defaultValue = "simple0",
        description = "Output format the bootloader writes: sxp (xend), simple or simple0 (libxl, default).")
    String format;

    @Option(names = "--entry", paramLabel = "LABEL", description = "Boot this label instead of pxelinux's choice.")
    String entry;

    @Override public Integer call() throws Exception {
        PrintStream out = context.out();
        MacAddress guest;
        try {
            guest = MacAddress.parse(mac);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("--mac: " + e.getMessage());
        }
        Path work = Files.createTempDirectory("pxe-mock-demo");
        try {
            Path root = tree;
            if (root == null) {
                if (Files.isDirectory(DEBIAN_TREE)) root = DEBIAN_TREE;
                else {
                    root = SampleTree.write(work.resolve("tree"));
                    out.println("(the Debian netboot tree is not installed: apt-get install debian-installer-12-netboot-amd64; using a built-in sample tree)");
                }
            }
            if (!Files.isDirectory(root)) throw new IllegalArgumentException("--tree: " + root + " is not a directory");
            Inet4Address guestIp = (Inet4Address) InetAddress.getByName("192.0.2.50");
            Inet4Address loopback = (Inet4Address) InetAddress.getByName("127.0.0.1");
            try (PxeMockServer server = PxeMockServer.builder().tftpRoot(root).bindAddress(loopback)
                    .lease(guest, guestIp).nextServer(loopback).bootFile("pxelinux.0").start()) {
                out.println("mock server: tftp=" + hostPort(server.tftpAddress()) + " dhcp=" + hostPort(server.dhcpAddress())
                        + " root=" + root + " lease " + guest + " -> " + guestIp.getHostAddress());
                Path output = Files.createFile(work.resolve("bootloader.out"));   // libxl pre-creates it
                Path xenDir = Files.createDirectory(work.resolve("xen"));
                List<String> argv = new ArrayList<>(List.of("--output=" + output, "--output-format=" + format,
                        "--output-directory=" + xenDir, "--mac=" + guest,
                        "--dhcp-server=127.0.0.1:" + server.dhcpAddress().getPort(), "--dhcp-port=0",
                        "--tftp-port=" + server.tftpAddress().getPort()));
                if (entry != null) argv.add("--entry=" + entry);
                argv.add("/var/lib/xen/images/demo.img");
                out.println("$ javapxeboot " + String.join(" ", argv));
                long t0 = System.nanoTime();
                ByteArrayOutputStream stdout = new ByteArrayOutputStream();
                int code = Main.run(argv.toArray(new String[0]), new PrintStream(stdout, true), context.err());
                long ms = (System.nanoTime() - t0) / 1_000_000;
                if (code != 0) {
                    out.println("javapxeboot exited " + code + " after " + ms + " ms");
                    return PxeMockCli.EXIT_FAILURE;
                }
                String stanza = Files.readString(output, StandardCharsets.ISO_8859_1);
                out.println("stanza (" + format + ", NUL shown as \\0):");
                out.println("  " + stanza.replace("\0", "\\0").replace("\n", "\\n\n  "));
                out.println("whole boot (DHCP + config + kernel + initrd) in " + ms + " ms; TFTP requests: " + server.requestedFiles().size());
                verify(out, stanza, root, server.requestedFiles());
                return 0;
            }
        } finally {
            PxeMockServer.deleteTree(work);
        }
    }

    /** Checks each fetched file against the one in the tree the server served, by SHA-256. */
    private static void verify(PrintStream out, String stanza, Path root, List<String> requested) throws IOException {
        String kernel = null, ramdisk = null;
        for (String rec : stanza.split("[\0\n]")) {
            if (rec.startsWith("kernel ")) kernel = rec.substring(7);
            if (rec.startsWith("ramdisk ")) ramdisk = rec.substring(8);
            if (rec.startsWith("linux (kernel ")) {
                kernel = rec.replaceAll("^linux \\(kernel ([^)]*)\\).*", "$1");
                if (rec.contains("(ramdisk ")) ramdisk = rec.replaceAll(".*\\(ramdisk ([^)]*)\\).*", "$1");
            }
        }
        for (String[] f : new String[][] {{"kernel", kernel}, {"ramdisk", ramdisk}}) {
            if (f[1] == null) continue;
            Path got = Path.of(f[1]);
            String sum = sha256(got);
            String source = requested.stream().filter(r -> Files.isRegularFile(root.resolve(r)))
                    .filter(r -> { try { return sha256(root.resolve(r)).equals(sum); } catch (IOException e) { return false; } })
                    .findFirst().orElse(null);
            out.println(String.format("  %-7s %s  %,d bytes  sha256 %s…  %s", f[0], got.getFileName(), Files.size(got), sum.substring(0, 16),
                    source == null ? "(concatenated or not found in the tree)" : "= " + source));
        }
    }

    static String sha256(Path p) throws IOException {
        try (InputStream in = Files.newInputStream(p)) {
            MessageDigest md = MessageDigest.getInstance("SHA-256");
            byte[] b = new byte[1 << 16];
            for (int n; (n = in.read(b)) > 0; ) md.update(b, 0, n);
            return HexFormat.of().formatHex(md.digest());
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    private static String hostPort(java.net.InetSocketAddress a) {
        return a.getAddress().getHostAddress() + ":" + a.getPort();
    }

    /** A tiny pxelinux tree for machines without the Debian one: the same shape, fake images. */
    static final class SampleTree {
        static Path write(Path dir) throws IOException {
            Files.createDirectories(dir.resolve("pxelinux.cfg"));
            Files.createDirectories(dir.resolve("images"));
            Files.writeString(dir.resolve("pxelinux.cfg/default"), String.join("\n",
                    "# a sample pxelinux config, served by pxe-mock demo",
                    "default menu.c32", "include menu.cfg", ""));
            Files.writeString(dir.resolve("menu.cfg"), String.join("\n",
                    "menu title Sample installer", "label install", "  menu label ^Install",
                    "  kernel images/linux", "  append vga=788 initrd=images/initrd.gz --- quiet",
                    "label rescue", "  kernel images/linux", "  append rescue/enable=true initrd=images/initrd.gz", ""));
            byte[] kernel = new byte[4 << 20], initrd = new byte[8 << 20];
            new java.util.Random(1).nextBytes(kernel);
            new java.util.Random(2).nextBytes(initrd);
            Files.write(dir.resolve("images/linux"), kernel);
            Files.write(dir.resolve("images/initrd.gz"), initrd);
            return dir;
        }
    }
}
