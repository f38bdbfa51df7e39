package org.javapxeboot.provisioner.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;
import org.javapxeboot.provisioner.plan.AtomicFiles;
import org.javapxeboot.provisioner.plan.Layout;
import org.javapxeboot.provisioner.storage.FileDisks;
import org.javapxeboot.provisioner.storage.Progress;
import org.javapxeboot.provisioner.storage.StorageException;

/**
 * The floor of a fresh {@code provision apply} (not a unit test): only the file-system work it
 * cannot avoid, with no YAML, no rendering and no libvirt. It mirrors an applied output tree
 * (REFERENCE, made by {@code provision apply}) into DEST, which must not exist: the same files of
 * the same sizes (filled with a fixed byte) in the same folders, written the way apply writes them
 * ({@link Layout#writeAll}, so {@code AtomicFiles.writeAll}'s chunks, fsync threads, folder fsyncs
 * and modes), in batches of as many guests as apply's (the i-th file of every folder is guest i's),
 * each batch's sparse disks first ({@link FileDisks#ensure}); then the node file as apply saves it.
 * Left out: the lock file and the apply stamp, which are apply's own bookkeeping.
 * Usage: FloorBench REFERENCE DEST; prints the files written and the time inside the JVM.
 */
public final class FloorBench {
    private FloorBench() {
    }

    /** Guests per batch: {@code ApplyBatch.SIZE}. */
    static final int BATCH = 128;

    public static void main(String[] args) throws IOException, StorageException {
        if (args.length != 2) {
            System.err.println("usage: FloorBench REFERENCE DEST");
            System.exit(2);
        }
        long t0 = System.nanoTime();
        Path ref = Path.of(args[0]).toAbsolutePath().normalize();
        Path dest = Path.of(args[1]).toAbsolutePath().normalize();
        if (Files.exists(dest, LinkOption.NOFOLLOW_LINKS)) {
            throw new IOException(dest + " exists; the floor is measured on a fresh tree");
        }
        // per folder (relative to REFERENCE), its files in name order, with their sizes
        Map<Path, List<Path>> perFolder = new TreeMap<>();
        List<Path> state = new ArrayList<>();
        try (Stream<Path> s = Files.walk(ref)) {
            for (Path p : (Iterable<Path>) s.filter(p -> Files.isRegularFile(p, LinkOption.NOFOLLOW_LINKS))::iterator) {
                Path rel = ref.relativize(p);
                String name = rel.getFileName().toString();
                if (name.equals(".provision.lock") || name.equals("apply.stamp")) {
                    continue;
                }
                if (rel.startsWith("state")) {
                    state.add(rel);
                } else {
                    perFolder.computeIfAbsent(rel.getParent(), d -> new ArrayList<>()).add(rel);
                }
            }
        }
        perFolder.values().forEach(l -> l.sort(null));
        int guests = perFolder.values().stream().mapToInt(List::size).max().orElse(0);
        Layout layout = Layout.of(dest, null);
        FileDisks disks = new FileDisks();
        int files = 0;
        int diskCount = 0;
        for (int from = 0; from < guests; from += BATCH) {
            int to = Math.min(guests, from + BATCH);
            List<Path> paths = new ArrayList<>();
            List<String> contents = new ArrayList<>();
            for (int g = from; g < to; g++) {
                for (Map.Entry<Path, List<Path>> f : perFolder.entrySet()) {
                    if (g >= f.getValue().size()) {
                        continue;
                    }
                    Path rel = f.getValue().get(g);
                    long size = Files.size(ref.resolve(rel));
                    if (rel.startsWith("disks")) {
                        disks.ensure(dest.resolve(rel), size, false, false, Progress.NONE);
                        diskCount++;
                    } else {
                        paths.add(dest.resolve(rel));
                        contents.add("x".repeat((int) size));
                    }
                }
            }
            for (IOException e : layout.writeAll(paths, contents)) {
                if (e != null) {
                    throw e;
                }
            }
            files += paths.size();
        }
        for (Path rel : state) {
            AtomicFiles.write(dest.resolve(rel), "x".repeat((int) Files.size(ref.resolve(rel))));
            files++;
        }
        System.out.printf(Locale.ROOT, "floor: %d files, %d sparse disks, %d guests; %d ms in the JVM%n", files, diskCount,
                guests, (System.nanoTime() - t0) / 1_000_000);
    }
}
