package org.javapxeboot.provisioner.storage;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The one recording, simulating {@link CommandRunner} of the provisioner's tests: answers as
 * lvm-scripts/ (vg-ensure, lv-ensure, lv-remove) would, from an in-memory LVM with one volume group
 * {@code xenvg} and 4 MiB extents, records every call, and fails lvcreate on demand.
 */
public final class LvmSimulator implements CommandRunner {
    public final Map<String, Long> lvs = new HashMap<>();
    public final List<String> vgs = new ArrayList<>(List.of("xenvg"));
    public String failLvcreateFor;
    /** Every script run, as "SCRIPT [--dry-run ]ARGS" without --yes and --. */
    public final List<String> calls = new ArrayList<>();

    @Override
    public Result run(List<String> argv, Map<String, String> env) {
        String script = Path.of(argv.get(0)).getFileName().toString();
        List<String> a = new ArrayList<>(argv.subList(1, argv.size()));
        boolean dry = a.remove("--dry-run");
        boolean grow = a.remove("--grow");
        a.remove("--yes");
        a.remove("--");
        calls.add(script + (dry ? " --dry-run " : " ") + String.join(" ", a));
        if (script.equals("lv-remove")) {
            String key = a.get(0) + "/" + a.get(1);
            if (!lvs.containsKey(key)) {
                return new Result(0, "status=absent\n", "");
            }
            if (!dry) {
                lvs.remove(key);
            }
            return new Result(0, "vg=" + a.get(0) + "\nlv=" + a.get(1) + "\nstatus=" + (dry ? "would-remove" : "removed") + "\n", "");
        }
        if (script.equals("vg-ensure")) {
            if (vgs.contains(a.get(0))) {
                return new Result(0, "vg=" + a.get(0) + "\nstatus=unchanged\n", "");
            }
            if (!dry) {
                vgs.add(a.get(0));
            }
            return new Result(0, "status=" + (dry ? "would-create" : "created") + "\n", "");
        }
        String vg = a.get(0);
        String key = vg + "/" + a.get(1);
        if (!vgs.contains(vg)) {
            return new Result(3, "status=error\nerror=volume group " + vg + " does not exist\n", "");
        }
        long want = (Long.parseLong(a.get(2)) + (4 << 20) - 1) / (4 << 20) * (4 << 20);
        Long have = lvs.get(key);
        String head = "requested_bytes=" + want + "\n";
        if (have == null) {
            if (dry) {
                return new Result(0, head + "size_bytes=0\nstatus=would-create\n", "");
            }
            if (key.equals(failLvcreateFor)) {
                return new Result(4, head + "status=error\nfailed=lvcreate\n", "  Volume group \"xenvg\" has insufficient free space\n");
            }
            lvs.put(key, want);
            return new Result(0, head + "size_bytes=" + want + "\nstatus=created\n", "");
        }
        if (have == want) {
            return new Result(0, head + "size_bytes=" + have + "\nstatus=unchanged\n", "");
        }
        if (have > want || !grow) {
            return new Result(0, head + "size_bytes=" + have + "\nstatus=differs\nreason=r\n", "");
        }
        if (!dry) {
            lvs.put(key, want);
        }
        return new Result(0, head + "size_bytes=" + (dry ? have : want) + "\nstatus=" + (dry ? "would-grow" : "grown") + "\n", "");
    }
}
