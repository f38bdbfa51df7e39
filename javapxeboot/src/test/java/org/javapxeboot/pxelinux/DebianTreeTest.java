package org.javapxeboot.pxelinux;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The acceptance case: the unmodified Debian 12 netboot tree (package debian-installer-12-netboot-amd64).
 * pxelinux.cfg/default says "default .../vesamenu.c32" after including menu.cfg, whose first label (from
 * txt.cfg; gtk.cfg is absent in the text flavour) is "install" and whose top level has no MENU DEFAULT
 * (drk.cfg's "menu default" belongs to the dark submenu).
 */
class DebianTreeTest {
    static final Path TREE = Path.of("/usr/lib/debian-installer/images/12/amd64/text");
    static final String KERNEL = "debian-installer/amd64/linux";
    static final String INITRD = "debian-installer/amd64/initrd.gz";

    private PxelinuxConfig config;

    @BeforeEach
    void parse() throws Exception {
        assumeTrue(Files.isRegularFile(TREE.resolve("pxelinux.cfg/default")),
                "the Debian netboot tree is not installed (apt-get install debian-installer-12-netboot-amd64)");
        config = PxelinuxParser.parse("pxelinux.cfg/default", "", new DirSource(TREE, ""));
    }

    @Test
    void picksInstallLikePxelinux() throws Exception {
        BootEntry e = config.select(null);
        assertEquals(new BootEntry("install", KERNEL, List.of(INITRD), "vga=788 --- quiet", 0, false), e);
    }

    @Test
    void defaultIsTheVesamenuModuleAndThePathIsKept() {
        assertEquals("debian-installer/amd64/boot-screens/vesamenu.c32", config.defaultCommand());
        assertEquals(List.of("debian-installer/amd64/boot-screens/"), config.modulePath());
    }

    @Test
    void everyLabelOfTheMenusIsSelectable() throws Exception {
        assertEquals(new BootEntry("expert", KERNEL, List.of(INITRD), "priority=low vga=788 ---", 0, false),
                config.select("expert"));
        assertEquals(new BootEntry("rescue", KERNEL, List.of(INITRD), "vga=788 rescue/enable=true --- quiet", 0, false),
                config.select("rescue"));
        assertEquals(new BootEntry("auto", KERNEL, List.of(INITRD), "auto=true priority=critical vga=788 --- quiet", 0, false),
                config.select("auto"));
        // Inside the "dark" submenu, and inside its nested "advanced" submenu.
        assertEquals(new BootEntry("installdark", KERNEL, List.of(INITRD), "vga=788 theme=dark --- quiet", 0, false),
                config.select("installdark"));
        assertEquals("auto=true priority=critical vga=788 theme=dark --- quiet", config.select("autodark").append());
    }

    @Test
    void labelOrderFollowsTheIncludes() {
        assertEquals(List.of("install", "mainmenu", "expert", "rescue", "auto", "mainmenu", "installdark", "mainmenu",
                "expertdark", "rescuedark", "autodark", "help", "help"), config.labelNames());
    }

    /** "Back.." (MENU EXIT) leads to the parent menu's default; "help" (CONFIG prompt.cfg) restarts with prompt.cfg. */
    @Test
    void menuExitAndConfigLabelsLeadWherePxelinuxGoes() throws Exception {
        // The first "mainmenu" is in the "advanced options" submenu: its parent is the top menu, whose default is install.
        assertEquals("install", config.select("mainmenu").label());
        PxelinuxException help = assertThrows(PxelinuxException.class, () -> config.select("help"));
        assertTrue(help.getMessage().contains("CONFIG"), help.getMessage());
        ConfigChain.Result r = ConfigChain.select("pxelinux.cfg/default", "", new DirSource(TREE, ""), "help");
        assertEquals(1, r.steps().size());
        assertEquals("debian-installer/amd64/boot-screens/prompt.cfg", r.config().file());
        // prompt.cfg sets no DEFAULT after its includes, so drk.cfg's "default installdark" is the last one
        // (syslinux.cfg overrides it with vesamenu.c32 after the same include; prompt.cfg does not).
        assertEquals(new BootEntry("installdark", KERNEL, List.of(INITRD), "vga=788 theme=dark --- quiet", 0, false), r.entry());
        PxelinuxException none = assertThrows(PxelinuxException.class, () -> config.select("Install"));
        assertTrue(none.getMessage().contains("no LABEL named 'Install'"), none.getMessage());
    }

    @Test
    void missingIncludesAreSkippedWithAWarning() {
        assertTrue(config.warnings().stream().anyMatch(w -> w.contains("debian-installer/amd64/boot-screens/gtk.cfg not found")),
                config.warnings().toString());
        assertFalse(config.warnings().isEmpty());
    }

    @Test
    void thePathPrefixIsAppliedByConcatenation() throws Exception {
        assumeTrue(Files.isRegularFile(TREE.resolve("pxelinux.cfg/default")), "no Debian tree");
        PxelinuxConfig c = PxelinuxParser.parse("d-i/bookworm/pxelinux.cfg/default", "d-i/bookworm/",
                new DirSource(TREE, "d-i/bookworm/"));
        BootEntry e = c.select(null);
        assertEquals("d-i/bookworm/" + KERNEL, e.kernel());
        assertEquals(List.of("d-i/bookworm/" + INITRD), e.initrds());
        assertEquals("install", e.label());
    }
}
