package org.javapxeboot.provisioner.storage;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.javapxeboot.provisioner.Fixtures;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The lvm-scripts against real LVM on a loop device. This kernel has no device-mapper, so the
 * scripts run in metadata-only mode (activation=off: --driverloaded n, -an, -Zn -Wn); the LVM
 * metadata on the PV is real and read back with lvs.
 */
@Timeout(120)
class LvmScriptsTest {
    static final ProcessCommandRunner RUN = new ProcessCommandRunner(Duration.ofSeconds(60));

    @TempDir Path dir;
    String loop;
    String vg;
    Lvm lvm;

    static boolean root() {
        return "root".equals(System.getProperty("user.name"));
    }

    static boolean have(String exe) {
        for (String d : System.getenv().getOrDefault("PATH", "/usr/sbin:/sbin").split(":")) {
            if (Files.isExecutable(Path.of(d, exe))) {
                return true;
            }
        }
        return Files.isExecutable(Path.of("/usr/sbin", exe)) || Files.isExecutable(Path.of("/sbin", exe));
    }

    @BeforeEach
    void loopDevice() throws Exception {
        Assumptions.assumeTrue(root(), "LVM on a loop device needs root");
        Assumptions.assumeTrue(have("lvm") && have("losetup"), "lvm2 or losetup not installed");
        Path img = dir.resolve("pv.img");
        try (var f = new java.io.RandomAccessFile(img.toFile(), "rw")) {
            f.setLength(64L << 20);
        }
        CommandRunner.Result r = RUN.run(List.of("losetup", "-f", "--show", img.toString()), Map.of());
        Assumptions.assumeTrue(r.exitCode() == 0, "no free loop device: " + r.stderr());
        loop = r.stdout().strip();
        vg = "jpbtest" + ProcessHandle.current().pid();
        lvm = new Lvm(Fixtures.LVM_SCRIPTS, RUN);
    }

    @AfterEach
    void cleanUp() throws Exception {
        if (loop == null) {
            return;
        }
        try {
            RUN.run(List.of("lvm", "vgremove", "--driverloaded", "n", "-y", vg), Map.of("LVM_SUPPRESS_FD_WARNINGS", "1"));
            RUN.run(List.of("lvm", "pvremove", "--driverloaded", "n", "-y", loop), Map.of("LVM_SUPPRESS_FD_WARNINGS", "1"));
        } finally {
            RUN.run(List.of("losetup", "-d", loop), Map.of());
        }
    }

    @Test
    void vgAndLvLifecycleIsIdempotentAndNeverShrinks() throws Exception {
        assertEquals("would-create", lvm.vgEnsure(vg, List.of(loop), true).status());
        Lvm.Outcome vgc = lvm.vgEnsure(vg, List.of(loop), false);
        assertEquals("created", vgc.status());
        assertEquals("off", vgc.get("activation"), "this kernel has no device-mapper");
        assertEquals("unchanged", lvm.vgEnsure(vg, List.of(loop), false).status());

        assertEquals("would-create", lvm.lvEnsure(vg, "swap", 10_000_000, true, false).status());
        Lvm.Outcome c = lvm.lvEnsure(vg, "swap", 10_000_000, false, false);
        assertEquals("created", c.status());
        assertEquals(12L << 20, c.sizeBytes(), "rounded up to 4 MiB extents, as lvcreate does");
        assertEquals("/dev/" + vg + "/swap", c.get("path"));
        assertEquals("unchanged", lvm.lvEnsure(vg, "swap", 10_000_000, false, false).status());

        Lvm.Outcome smaller = lvm.lvEnsure(vg, "swap", 4 << 20, false, true);
        assertEquals("differs", smaller.status());
        assertEquals(12L << 20, smaller.sizeBytes(), "never shrunk, even with --grow");
        Lvm.Outcome wantMore = lvm.lvEnsure(vg, "swap", 20 << 20, false, false);
        assertEquals("differs", wantMore.status());
        assertEquals("would-grow", lvm.lvEnsure(vg, "swap", 20 << 20, true, true).status());
        Lvm.Outcome grown = lvm.lvEnsure(vg, "swap", 20 << 20, false, true);
        assertEquals("grown", grown.status());
        assertEquals(20L << 20, grown.sizeBytes());

        CommandRunner.Result lvs = RUN.run(List.of("lvm", "lvs", "--driverloaded", "n", "--noheadings", "--units", "b",
                "--nosuffix", "-o", "lv_size", vg + "/swap"), Map.of("LVM_SUPPRESS_FD_WARNINGS", "1"));
        assertEquals(String.valueOf(20L << 20), lvs.stdout().strip(), "LVM's own metadata agrees");

        assertEquals("would-remove", lvm.lvRemove(vg, "swap", true).status());
        assertEquals("removed", lvm.lvRemove(vg, "swap", false).status());
        assertEquals("absent", lvm.lvRemove(vg, "swap", false).status());
    }

    @Test
    void missingVgIsALocatedFailure() {
        StorageException e = assertThrows(StorageException.class, () -> lvm.lvEnsure(vg + "x", "lv", 1 << 20, false, false));
        assertTrue(e.getMessage().startsWith(vg + "x/lv: lv-ensure failed (exit 3): volume group " + vg + "x does not exist"),
                e.getMessage());
    }

    /** A failing lvcreate, injected by pointing the scripts at an lvm wrapper that fails only lvcreate. */
    @Test
    void failingLvcreateIsReportedAndASecondRunRecovers() throws Exception {
        lvm.vgEnsure(vg, List.of(loop), false);
        Path fake = dir.resolve("lvm");
        Files.writeString(fake, "#!/bin/sh\nif [ \"$1\" = lvcreate ]; then echo '  Volume group has insufficient free space' >&2; exit 5; fi\nexec lvm \"$@\"\n");
        Files.setPosixFilePermissions(fake, PosixFilePermissions.fromString("rwx------"));
        Lvm failing = new Lvm(Fixtures.LVM_SCRIPTS, RUN, Map.of("LVM", fake.toString()));
        StorageException e = assertThrows(StorageException.class, () -> failing.lvEnsure(vg, "data", 8 << 20, false, false));
        assertEquals(vg + "/data: lv-ensure failed (exit 4): lvcreate failed [Volume group has insufficient free space]",
                e.getMessage());
        assertEquals("would-create", lvm.lvEnsure(vg, "data", 8 << 20, true, false).status(), "nothing was left behind");
        assertEquals("created", lvm.lvEnsure(vg, "data", 8 << 20, false, false).status());
    }

    @Test
    void scriptsRefuseBadNamesAndUnconfirmedRemoval() {
        StorageException bad = assertThrows(StorageException.class, () -> lvm.lvEnsure(vg, "-rf", 1 << 20, true, false));
        assertTrue(bad.getMessage().contains("exit 2") && bad.getMessage().contains("LVM refuses logical volume name '-rf'"),
                bad.getMessage());
    }
}
