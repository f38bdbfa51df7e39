package org.javapxeboot.provisioner.storage;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Logical volumes through the repository's {@code lvm-scripts/} (lv-ensure, vg-ensure, lv-remove),
 * run by an injectable {@link CommandRunner}. Every exit status is checked; the scripts' key=value
 * output is parsed at the first '=' of each line.
 */
public final class Lvm {
    private final Path scripts;
    private final CommandRunner runner;
    private final Map<String, String> env;

    /** The outcome of one script: its status word and every key it printed. */
    public record Outcome(String status, Map<String, String> values) {
        public long sizeBytes() {
            return Long.parseLong(values.getOrDefault("size_bytes", "0"));
        }

        public long requestedBytes() {
            return Long.parseLong(values.getOrDefault("requested_bytes", "0"));
        }

        public String get(String key) {
            return values.get(key);
        }
    }

    public Lvm(Path scriptsDir, CommandRunner runner, Map<String, String> env) {
        this.scripts = scriptsDir;
        this.runner = runner;
        this.env = Map.copyOf(env);
    }

    public Lvm(Path scriptsDir, CommandRunner runner) {
        this(scriptsDir, runner, Map.of());
    }

    public Path scripts() {
        return scripts;
    }

    public Outcome lvEnsure(String vg, String lv, long bytes, boolean dryRun, boolean grow) throws StorageException {
        List<String> args = new ArrayList<>();
        if (dryRun) {
            args.add("--dry-run");
        }
        if (grow) {
            args.add("--grow");
        }
        args.add("--");
        args.add(vg);
        args.add(lv);
        args.add(Long.toString(bytes));
        return run("lv-ensure", args, vg + "/" + lv);
    }

    public Outcome vgEnsure(String vg, List<String> pvs, boolean dryRun) throws StorageException {
        List<String> args = new ArrayList<>();
        if (dryRun) {
            args.add("--dry-run");
        }
        args.add("--");
        args.add(vg);
        args.addAll(pvs);
        return run("vg-ensure", args, vg);
    }

    public Outcome lvRemove(String vg, String lv, boolean dryRun) throws StorageException {
        List<String> args = new ArrayList<>();
        args.add("--yes");
        if (dryRun) {
            args.add("--dry-run");
        }
        args.add("--");
        args.add(vg);
        args.add(lv);
        return run("lv-remove", args, vg + "/" + lv);
    }

    private Outcome run(String script, List<String> args, String what) throws StorageException {
        Path exe = scripts.resolve(script);
        if (!Files.isExecutable(exe)) {
            throw new StorageException(what + ": " + exe + " is missing or not executable (set --lvm-scripts)");
        }
        List<String> argv = new ArrayList<>();
        argv.add(exe.toString());
        argv.addAll(args);
        CommandRunner.Result r = runner.run(argv, env);
        Map<String, String> kv = parse(r.stdout());
        String status = kv.getOrDefault("status", "");
        if (r.exitCode() != 0 || status.isEmpty() || status.equals("error")) {
            StringBuilder m = new StringBuilder(what).append(": ").append(script).append(" failed (exit ")
                    .append(r.exitCode()).append(')');
            if (kv.containsKey("failed")) {
                m.append(": ").append(kv.get("failed")).append(" failed");
            }
            if (kv.containsKey("error")) {
                m.append(": ").append(kv.get("error"));
            }
            String lastErr = lastLine(r.stderr());
            if (!lastErr.isEmpty()) {
                m.append(" [").append(lastErr).append(']');
            }
            throw new StorageException(m.toString());
        }
        return new Outcome(status, kv);
    }

    static Map<String, String> parse(String out) {
        Map<String, String> kv = new LinkedHashMap<>();
        for (String line : out.split("\n")) {
            int eq = line.indexOf('=');
            if (eq > 0) {
                kv.put(line.substring(0, eq), line.substring(eq + 1));
            }
        }
        return kv;
    }

    private static String lastLine(String s) {
        String[] lines = s.strip().split("\n");
        for (int i = lines.length - 1; i >= 0; i--) {
            String l = lines[i].strip();
            if (!l.isEmpty() && !l.startsWith("WARNING: Activation disabled")) {
                return l;
            }
        }
        return "";
    }
}
