package org.javapxeboot.provisioner.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.stream.Stream;
import org.javapxeboot.provisioner.Fixtures;
import org.javapxeboot.provisioner.host.EmbeddedNode;
import org.javapxeboot.xman.vm.LibvirtVmControl;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * A re-apply that trusts OUT/state/apply.stamp must still see every drift a full plan sees: each
 * test applies, changes one input or output behind the provisioner's back, and checks that the
 * next apply acts on it (and that the stamp was not used: a full apply records a new stamp file).
 */
@Timeout(120)
class ApplyStampCliTest {
    @TempDir Path dir;
    Path yaml;
    Path templates;

    /** One command line and what it printed (ProvisionCliTest's). */
    static ProvisionCliTest.Run run(String... args) {
        return ProvisionCliTest.run(args);
    }

    Path out() {
        return dir.resolve("out");
    }

    ProvisionCliTest.Run apply(String... more) {
        String[] args = Stream.concat(Stream.of("apply", yaml.toString(), "--out", out().toString(),
                "--templates", templates.toString()), Stream.of(more)).toArray(String[]::new);
        return run(args);
    }

    ProvisionCliTest.Run plan() {
        return run("plan", yaml.toString(), "--out", out().toString(), "--templates", templates.toString());
    }

    Path stamp() {
        return out().resolve("state/apply.stamp");
    }

    /** A hard link to the stamp as it is: it keeps its inode, so a stamp written again is another file. */
    Path keepStamp() throws Exception {
        Path keep = dir.resolve("stamp-before");
        Files.deleteIfExists(keep);
        return Files.createLink(keep, stamp());
    }

    boolean stampKept(Path keep) throws Exception {
        return Files.isSameFile(keep, stamp());
    }

    /** The stamp's clock moved on: every output was written well before it (see ApplyStampTest.shiftClock). */
    void ageStamp() throws Exception {
        org.javapxeboot.provisioner.plan.ApplyStampTest.shiftClock(stamp(), 2_000_000_000L);
    }

    @BeforeEach
    void applyOnce() throws Exception {
        yaml = dir.resolve("cluster.yaml");
        Files.copy(ProvisionCliTest.EXAMPLE, yaml);
        templates = Files.createDirectories(dir.resolve("templates"));
        try (Stream<Path> s = Files.list(Fixtures.TEMPLATES)) {
            for (Path t : (Iterable<Path>) s::iterator) {
                Files.copy(t, templates.resolve(t.getFileName()));
            }
        }
        ProvisionCliTest.Run first = apply();
        assertEquals(0, first.code(), first.err());
        assertTrue(first.out().endsWith("Done: 24 step(s) for 3 guest(s).\n"), first.out());
        assertTrue(Files.isRegularFile(stamp()), "a converged apply records its stamp");
    }

    /**
     * Right after the apply every output is too recent to trust by its status: the re-apply compares
     * them by content, says the same, and writes the same stamp with a new clock (so that the next
     * one need not read them), nothing else changed in it.
     */
    @Test
    void aNoOpRightAfterTheApplyComparesByContentAndRenewsTheStampsClock() throws Exception {
        // every output written just before the stamp, however slow this run was
        org.javapxeboot.provisioner.plan.ApplyStampTest.shiftClock(stamp(), -500_000_000L);
        String[] before = Files.readString(stamp()).split("\n", -1);
        Path keep = keepStamp();
        ProvisionCliTest.Run again = apply();
        assertEquals(0, again.code(), again.err());
        assertEquals("Nothing to do: 3 guest(s) up to date.\n", again.out());
        assertFalse(stampKept(keep), "rewritten");
        String[] after = Files.readString(stamp()).split("\n", -1);
        assertEquals(before.length, after.length);
        for (int i = 0; i < before.length; i++) {
            if (i != 2) assertEquals(before[i], after[i], "line " + i);
        }
        assertTrue(Long.parseLong(after[2].split(" ")[1]) > Long.parseLong(before[2].split(" ")[1]), "a later clock");
    }

    /** The shortcut: nothing read but the stamp's files, the same words, the stamp left as it was. */
    @Test
    void noOpReapplyUsesTheStampAndAgreesWithAFullPlan() throws Exception {
        ageStamp();
        Path keep = keepStamp();
        ProvisionCliTest.Run again = apply();
        assertEquals(0, again.code(), again.err());
        assertEquals("Nothing to do: 3 guest(s) up to date.\n", again.out());
        assertEquals("", again.err());
        assertTrue(stampKept(keep), "the stamp was trusted, not planned again and rewritten");
        ProvisionCliTest.Run p = plan();
        assertEquals(0, p.code(), p.out() + p.err());
    }

    /** The same no-op answered before the command line is built; anything QuickApply declines prints nothing. */
    @Test
    void theNoOpIsAnsweredBeforeTheCommandLineIsBuilt() throws Exception {
        ageStamp();
        java.io.StringWriter out = new java.io.StringWriter();
        java.io.StringWriter err = new java.io.StringWriter();
        String[] args = {"apply", yaml.toString(), "--out", out().toString(), "--templates", templates.toString()};
        assertEquals(java.util.Optional.of(0), QuickApply.run(args, new java.io.PrintWriter(out, true), new java.io.PrintWriter(err, true)));
        assertEquals("Nothing to do: 3 guest(s) up to date.\n", out.toString());
        assertEquals("", err.toString());
        String[] other = {"apply", yaml.toString(), "--out", out().toString(), "--templates", templates.toString(), "--grow"};
        assertEquals(java.util.Optional.empty(), QuickApply.run(other, new java.io.PrintWriter(out, true), new java.io.PrintWriter(err, true)),
                "--grow is another key");
        Files.delete(yaml);
        assertEquals(java.util.Optional.empty(), QuickApply.run(args, new java.io.PrintWriter(out, true), new java.io.PrintWriter(err, true)),
                "the YAML is gone: the full path says so");
        assertEquals("Nothing to do: 3 guest(s) up to date.\n", out.toString());
        assertEquals("", err.toString());
    }

    /** Another installation (another build, the package) applying the same tree does not take this program's stamp. */
    @Test
    void anotherProgramsStampIsNotTaken() throws Exception {
        ageStamp();
        QuickApply.Parsed p = QuickApply.parse(new String[] {"apply", yaml.toString(), "--out", out().toString(),
            "--templates", templates.toString()});
        String settings = ApplyCommand.settings(false, false, false);
        java.io.PrintWriter sink = new java.io.PrintWriter(java.io.Writer.nullWriter());
        assertTrue(Stamp.of(p.file(), p.host(), settings).upToDate(sink, sink), "this program's own stamp");
        assertFalse(Stamp.of(p.file(), p.host(), settings, Path.of("/usr/share/provisioner/provisioner.jar")).upToDate(sink, sink),
                "another program's");
    }

    /** A YAML reached through a symbolic link: trusted by the status of the file behind it. */
    @Test
    void aLinkedYamlIsStampedAndItsTargetsEditIsApplied() throws Exception {
        Path real = dir.resolve("real.yaml");
        Files.move(yaml, real);
        Files.createSymbolicLink(yaml, real);
        ProvisionCliTest.Run first = apply();
        assertEquals(0, first.code(), first.err());
        assertEquals("", first.err());
        ageStamp();
        Path keep = keepStamp();
        ProvisionCliTest.Run again = apply();
        assertEquals("Nothing to do: 3 guest(s) up to date.\n", again.out());
        assertTrue(stampKept(keep), "trusted");
        Files.writeString(real, Files.readString(real).replaceFirst("memory: (\\d+)", "memory: 1234"));
        ProvisionCliTest.Run edited = apply();
        assertEquals(0, edited.code(), edited.err());
        assertFalse(edited.out().startsWith("Nothing to do"), edited.out());
    }

    @Test
    void aTemplateChangedInPlaceWithTheSameSizeAndTimeIsRendered() throws Exception {
        Path t = templates.resolve("sl-basic.ks");
        FileTime mtime = Files.getLastModifiedTime(t);
        String text = Files.readString(t);
        int at = text.indexOf("%packages");
        assertTrue(at > 0, "the template has a %packages section");
        Files.writeString(t, text.substring(0, at) + "%PACKAGES" + text.substring(at + 9));
        Files.setLastModifiedTime(t, mtime);
        ProvisionCliTest.Run r = apply();
        assertEquals(0, r.code(), r.err());
        assertTrue(r.out().contains("ks/cagnode50.ks"), r.out());
        assertTrue(Files.readString(out().resolve("ks/cagnode50.ks")).contains("%PACKAGES"));
    }

    @Test
    void aYamlChangeIsApplied() throws Exception {
        Files.writeString(yaml, Files.readString(yaml).replaceFirst("memory: (\\d+)", "memory: 1234"));
        ProvisionCliTest.Run r = apply();
        assertEquals(0, r.code(), r.err());
        assertTrue(r.out().contains("redefine") || r.out().contains("definition changed") || r.out().contains("libvirt domain"), r.out());
        assertFalse(r.out().startsWith("Nothing to do"), r.out());
    }

    @Test
    void anOutputEditedWithTheSameSizeAndModificationTimeIsRewritten() throws Exception {
        Path ks = out().resolve("ks/cagnode50.ks");
        String good = Files.readString(ks);
        FileTime mtime = Files.getLastModifiedTime(ks);
        Files.writeString(ks, "X".repeat(good.length()), java.nio.file.StandardOpenOption.TRUNCATE_EXISTING);
        Files.setLastModifiedTime(ks, mtime);
        ProvisionCliTest.Run r = apply();
        assertEquals(0, r.code(), r.err());
        assertTrue(r.out().contains(ks + " (content changed)") || r.out().contains(ks.toString()), r.out());
        assertEquals(good, Files.readString(ks));
    }

    @Test
    void anOutputsModeIsPutBack() throws Exception {
        Path ks = out().resolve("ks/cagnode50.ks");
        Files.setPosixFilePermissions(ks, PosixFilePermissions.fromString("rw-r--r--"));
        ProvisionCliTest.Run r = apply();
        assertEquals(0, r.code(), r.err());
        assertEquals("rw-r-----", PosixFilePermissions.toString(Files.getPosixFilePermissions(ks)));
    }

    /** The plan does not look at a public output's owner; the stamp does, and then plans in full. */
    @Test
    void anOutputsOwnerChangedMakesApplyPlanInFull() throws Exception {
        org.junit.jupiter.api.Assumptions.assumeTrue(Home.runningAsRoot(), "chown needs root");
        Path keep = keepStamp();
        Path xl = out().resolve("xen/cagnode50.cfg");
        Files.setAttribute(xl, "unix:uid", 65534, LinkOption.NOFOLLOW_LINKS);
        ProvisionCliTest.Run r = apply();
        assertEquals(0, r.code(), r.err());
        assertEquals("Nothing to do: 3 guest(s) up to date.\n", r.out());
        assertFalse(stampKept(keep), "planned in full and stamped again");
    }

    @Test
    void aMissingOutputIsWrittenAgain() throws Exception {
        Path xm = out().resolve("xm/cagnode50");
        String good = Files.readString(xm);
        Files.delete(xm);
        ProvisionCliTest.Run r = apply();
        assertEquals(0, r.code(), r.err());
        assertEquals(good, Files.readString(xm));
    }

    @Test
    void aDomainRemovedBehindItsBackIsDefinedAgain() throws Exception {
        Path node = out().resolve("state/test-node.xml");
        try (LibvirtVmControl vm = EmbeddedNode.open(node)) {
            vm.destroy("cagnode50");
            vm.undefine("cagnode50");
            EmbeddedNode.save(vm, node);
        }
        ProvisionCliTest.Run r = apply();
        assertEquals(0, r.code(), r.err());
        assertTrue(r.out().contains("cagnode50: libvirt domain"), r.out());
        try (LibvirtVmControl vm = EmbeddedNode.open(node)) {
            assertTrue(vm.list().stream().anyMatch(d -> d.name().equals("cagnode50")));
        }
    }

    @Test
    void anAckRecordedSinceSwitchesTheBootEntry() throws Exception {
        Path pxe;
        try (Stream<Path> s = Files.list(out().resolve("tftp/pxelinux.cfg"))) {
            pxe = s.filter(p -> {
                try {
                    return Files.readString(p).contains("cagnode50");
                } catch (java.io.IOException e) {
                    throw new java.io.UncheckedIOException(e);
                }
            }).findFirst().orElseThrow();
        }
        String install = Files.readString(pxe);
        Files.writeString(out().resolve("state/cagnode50.installed"), "");
        ProvisionCliTest.Run r = apply();
        assertEquals(0, r.code(), r.err());
        assertNotEquals(install, Files.readString(pxe), "the entry boots the local disk now");
    }

    @Test
    void aDiskShrunkIsReportedAndNotStamped() throws Exception {
        Path disk = out().resolve("disks/cagnode51.img");
        try (java.nio.channels.FileChannel ch = java.nio.channels.FileChannel.open(disk, java.nio.file.StandardOpenOption.WRITE)) {
            ch.truncate(1024 * 1024);
        }
        ProvisionCliTest.Run r = apply();
        assertTrue(r.out().contains(disk.toString()), r.out());
        assertFalse(Files.exists(stamp()), "a differing item is printed by every apply: no stamp");
        ProvisionCliTest.Run again = apply();
        assertTrue(again.out().contains(disk.toString()), again.out());
    }

    @Test
    void otherFlagsPlanInFull() throws Exception {
        Path keep = keepStamp();
        ProvisionCliTest.Run r = apply("--no-start");
        assertEquals(0, r.code(), r.err());
        assertFalse(stampKept(keep), "--no-start is another key: planned in full");
    }

    @Test
    void aBrokenOrLinkedStampIsIgnored() throws Exception {
        Files.writeString(stamp(), "provision-apply-stamp 1\ngarbage\n\t\t\n");
        ProvisionCliTest.Run r = apply();
        assertEquals(0, r.code(), r.err());
        assertEquals("Nothing to do: 3 guest(s) up to date.\n", r.out());
        Path elsewhere = dir.resolve("elsewhere.stamp");
        Files.move(stamp(), elsewhere);
        Files.createSymbolicLink(stamp(), elsewhere);
        ProvisionCliTest.Run linked = apply();
        assertEquals(0, linked.code(), linked.err());
        assertFalse(Files.isSymbolicLink(stamp()), "removed, never followed");
    }
}
