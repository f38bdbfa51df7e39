package org.javapxeboot.xman.portal.fleet;

import org.javapxeboot.xman.client.XmanClient;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.function.Consumer;

/**
 * The xmand hosts the portal reads: a fixed list (--xmand) or a hosts file (--hosts-file, one
 * HOST[:PORT] a line, '#' comments), re-read when its modification time changes or when asked
 * (SIGHUP). A file that no longer parses keeps the previous list and reports where it is wrong.
 */
public final class Hosts {
    /** More hosts than this in one list is a mistake (and an unbounded poll). */
    public static final int MAX_HOSTS = 10_000;

    private final Path file;
    private final Consumer<String> warn;
    private volatile List<XmanClient.Target> current;
    private FileTime readMtime;

    private Hosts(Path file, List<XmanClient.Target> initial, Consumer<String> warn) {
        this.file = file;
        this.current = initial;
        this.warn = warn;
    }

    /** A fixed list, e.g. from --xmand a,b:8740. */
    public static Hosts of(List<String> specs) {
        List<XmanClient.Target> l = new ArrayList<>();
        for (String s : specs) l.add(target(s.trim(), "--xmand"));
        return new Hosts(null, dedupe(l), m -> { });
    }

    /** A hosts file, read now (errors are thrown: the portal does not start on a bad file). */
    public static Hosts file(Path file, Consumer<String> warn) throws IOException {
        Hosts h = new Hosts(file, List.of(), warn);
        FileTime m = Files.getLastModifiedTime(file);
        h.current = parse(Files.readString(file, StandardCharsets.UTF_8), file.toString());
        h.readMtime = m;
        return h;
    }

    /** The hosts; a hosts file is re-read first if its modification time changed. */
    public List<XmanClient.Target> current() {
        if (file != null) {
            try {
                FileTime m = Files.getLastModifiedTime(file);
                if (!m.equals(readMtimeSync())) reload();
            } catch (IOException e) {
                warn.accept("hosts file " + file + ": " + e.getMessage() + "; keeping the previous " + current.size() + " hosts");
            }
        }
        return current;
    }

    private synchronized FileTime readMtimeSync() {
        return readMtime;
    }

    /** Re-reads the hosts file (SIGHUP); keeps the previous list, with a warning, if it is unreadable or wrong. */
    public synchronized void reload() {
        if (file == null) return;
        try {
            FileTime m = Files.getLastModifiedTime(file);
            List<XmanClient.Target> l = parse(Files.readString(file, StandardCharsets.UTF_8), file.toString());
            readMtime = m;
            current = l;
        } catch (IOException | IllegalArgumentException e) {
            try {
                readMtime = Files.getLastModifiedTime(file);
            } catch (IOException ignored) {
                // Tried again at the next poll.
            }
            warn.accept("hosts file " + file + ": " + e.getMessage() + "; keeping the previous " + current.size() + " hosts");
        }
    }

    /** One host a line, '#' starts a comment; errors name FILE:LINE. Pure. */
    public static List<XmanClient.Target> parse(String text, String where) {
        List<XmanClient.Target> l = new ArrayList<>();
        String[] lines = text.split("\n", -1);
        for (int i = 0; i < lines.length; i++) {
            String line = lines[i];
            int hash = line.indexOf('#');
            if (hash >= 0) line = line.substring(0, hash);
            line = line.strip();
            if (line.isEmpty()) continue;
            if (line.contains(" ") || line.contains("\t")) throw new IllegalArgumentException(where + ":" + (i + 1) + ": one HOST[:PORT] a line, not " + quoted(line));
            l.add(target(line, where + ":" + (i + 1)));
        }
        return dedupe(l);
    }

    private static XmanClient.Target target(String s, String where) {
        if (!s.matches("[A-Za-z0-9._:\\[\\]-]{1,262}")) {
            throw new IllegalArgumentException(where + ": " + quoted(s) + " is not HOST[:PORT] (a host name or address, letters, digits, . - : [ ])");
        }
        try {
            return XmanClient.Target.parse(s);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(where + ": " + e.getMessage());
        }
    }

    private static List<XmanClient.Target> dedupe(List<XmanClient.Target> l) {
        List<XmanClient.Target> out = List.copyOf(new LinkedHashSet<>(l));
        if (out.size() > MAX_HOSTS) throw new IllegalArgumentException(out.size() + " hosts: at most " + MAX_HOSTS);
        return out;
    }

    private static String quoted(String s) {
        return org.javapxeboot.xman.wire.Protocol.printable(s);
    }
}
