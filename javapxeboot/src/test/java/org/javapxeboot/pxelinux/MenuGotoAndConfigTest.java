package org.javapxeboot.pxelinux;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * MENU GOTO, MENU EXIT and CONFIG, as syslinux documents them (doc/menu.txt: "MENU GOTO tagname ...
 * Transfer to the named submenu instead of booting anything. To transfer to the top-level menu,
 * specify 'menu goto .top'"; "MENU EXIT [tagname] ... Exit to the next higher menu, or, if tagname is
 * specified, to the named menu"; doc/syslinux.txt: "CONFIG means restart the boot loader using a
 * different configuration file. The configuration file is read, the working directory is changed (if
 * specified via an APPEND), then the configuration file is parsed") and as readconfig.c and
 * execute.c implement them.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class MenuGotoAndConfigTest {
    static final String MAIN = PxelinuxParserTest.MAIN;

    static BootEntry chain(MapSource src, String entry) throws PxelinuxException {
        return ConfigChain.select(MAIN, "", src, entry).entry();
    }

    static PxelinuxException chainError(MapSource src, String entry) {
        return assertThrows(PxelinuxException.class, () -> ConfigChain.select(MAIN, "", src, entry));
    }

    // --- MENU GOTO and MENU EXIT -------------------------------------------------------------------

    /** The default entry is a GOTO: the unattended boot goes on to that submenu's default, as a timed-out menu would. */
    @Test void aGotoDefaultLeadsToTheTargetMenusDefault() throws Exception {
        BootEntry e = PxelinuxParserTest.boot(
                "label more", "  menu label ^More...", "  menu goto install-options",
                "menu begin install-options",
                "  label plain", "    kernel vmlinuz-plain",
                "  label expert", "    menu default", "    kernel vmlinuz-expert",
                "menu end");
        assertEquals("expert", e.label());
    }

    @Test void choosingAGotoLabelByNameBootsTheTargetsDefault() throws Exception {
        PxelinuxConfig c = PxelinuxParserTest.parse(
                "label linux", "  kernel vmlinuz",
                "menu begin tools", "  label back", "    menu goto .top", "  label memtest", "    menu default", "    kernel memtest86", "menu end",
                "label tools-menu", "  menu goto tools");
        assertEquals("memtest", c.select("tools-menu").label());
        assertEquals("linux", c.select("back").label(), "menu goto .top is the top menu");
    }

    @Test void menuExitWithATagGoesToThatMenu() throws Exception {
        PxelinuxConfig c = PxelinuxParserTest.parse(
                "menu begin a", "  label a1", "    kernel ka",
                "  menu begin b", "    label up", "      menu exit", "    label out", "      menu exit a", "    label b1", "      kernel kb",
                "  menu end",
                "menu end",
                "label top", "  kernel kt");
        assertEquals("a1", c.select("up").label(), "plain MENU EXIT: the parent menu");
        assertEquals("a1", c.select("out").label(), "MENU EXIT a: the named menu");
    }

    @Test void anUnknownGotoTargetIsADisabledEntry() throws Exception {
        // readconfig.c's resolve_gotos(): an unresolved target disables the entry; the menu's next entry boots.
        assertEquals("real", PxelinuxParserTest.boot("label nowhere", "  menu goto no-such-menu", "label real", "  kernel k").label());
        PxelinuxException e = PxelinuxParserTest.error(new MapSource().put(MAIN, "label nowhere", "  menu goto no-such-menu",
                "label real", "  kernel k"), "nowhere");
        assertEquals(MAIN + ":1: LABEL nowhere: MENU GOTO no-such-menu names no menu (no MENU BEGIN no-such-menu)", e.getMessage());
    }

    @Test void theLastMenuWithATagWins() throws Exception {
        // find_menu() walks syslinux's menu list, newest first.
        assertEquals("second", PxelinuxParserTest.parse(
                "label go", "  menu goto m",
                "menu begin m", "  label first", "    kernel k1", "menu end",
                "menu begin m", "  label second", "    kernel k2", "menu end").select("go").label());
    }

    @Test void aGotoCycleEndsWithAClearError() {
        PxelinuxException e = PxelinuxParserTest.error(
                "menu begin a", "  label to-b", "    menu goto b", "menu end",
                "menu begin b", "  label to-a", "    menu goto a", "menu end");
        assertEquals(MAIN + ":2: LABEL to-b: menu 'b' has nothing to boot", e.getMessage());
    }

    /** 100 menus, each with a GOTO to every menu: each menu is walked once, not once per path. */
    @Test void aWideGotoGraphIsWalkedOnce() throws Exception {
        StringBuilder sb = new StringBuilder();
        for (int m = 0; m < 100; m++) {
            sb.append("menu begin m").append(m).append('\n');
            for (int t = 0; t < 100; t++) sb.append("label g").append(m).append('-').append(t).append("\n menu goto m").append(t).append('\n');
            sb.append("menu end\n");
        }
        sb.append("label last\n kernel k\n");
        MapSource src = new MapSource().putRaw(MAIN, sb.toString());
        assertEquals("last", PxelinuxParser.parse(MAIN, "", src).select(null).label());
    }

    @Test void quitAndDisabledStayUnbootable() {
        assertEquals(MAIN + ":1: LABEL q is a menu action (MENU QUIT), not something to boot",
                PxelinuxParserTest.error(new MapSource().put(MAIN, "label q", " menu quit", "label k", " kernel k"), "q").getMessage());
    }

    // --- CONFIG ------------------------------------------------------------------------------------

    @Test void configRestartsWithTheOtherFile() throws Exception {
        MapSource src = new MapSource()
                .put(MAIN, "append global=1", "default other", "label other", "  config other.cfg")
                .put("other.cfg", "default linux", "label linux", "  kernel vmlinuz", "  append quiet");
        BootEntry e = chain(src, null);
        assertEquals(new BootEntry("linux", "vmlinuz", List.of(), "quiet", 0, false), e);
    }

    /** Deviation: syslinux passes a label's global APPEND to CONFIG too (as the directory); here only the label's own words. */
    @Test void aGlobalAppendIsNotADirectory() throws Exception {
        MapSource src = new MapSource()
                .put(MAIN, "append console=ttyS0", "label other", "  config other.cfg")
                .put("other.cfg", "label linux", "  kernel vmlinuz");
        assertEquals("vmlinuz", chain(src, null).kernel());
    }

    @Test void nothingCarriesOverFromTheFirstConfig() throws Exception {
        // ldlinux starts afresh: the first config's global APPEND and DEFAULT are gone.
        MapSource src = new MapSource()
                .put(MAIN, "append global=1", "default other", "label other", "  config other.cfg")
                .put("other.cfg", "label linux", "  kernel vmlinuz");
        assertEquals("", chain(src, null).append());
    }

    @Test void theSecondWordIsTheNewWorkingDirectory() throws Exception {
        MapSource src = new MapSource()
                .put(MAIN, "label fedora", "  config fedora/pxe.cfg fedora/")
                .put("fedora/pxe.cfg", "label f", "  kernel vmlinuz", "  initrd initrd.img", "  include more.cfg");
        ConfigChain.Result r = ConfigChain.select(MAIN, "", src, "fedora");
        assertEquals(new BootEntry("f", "fedora/vmlinuz", List.of("fedora/initrd.img"), "", 0, false), r.entry());
        assertEquals(List.of(new PxelinuxConfig.Chain("fedora", "fedora/pxe.cfg", "fedora/", new Loc(MAIN, 2))), r.steps());
    }

    @Test void theDirectoryMayComeFromAppend() throws Exception {
        // syslinux.txt: "the working directory is changed (if specified via an APPEND)"; no trailing slash needed.
        MapSource src = new MapSource()
                .put(MAIN, "label d", "  config d.cfg", "  append debian")
                .put("d.cfg", "label x", "  kernel linux");
        assertEquals("debian/linux", chain(src, "d").kernel());
    }

    @Test void theFileIsReadRelativeToTheOldDirectory() throws Exception {
        MapSource src = new MapSource()
                .put("boot/" + "x.cfg", "label a", "  config ../y.cfg")
                .put("y.cfg", "label b", "  kernel k");
        PxelinuxException e = assertThrows(PxelinuxException.class, () -> ConfigChain.select("boot/x.cfg", "boot/", src, null));
        assertEquals("boot/x.cfg:2: CONFIG ../y.cfg: refused: it contains a '..' component", e.getMessage());
        MapSource ok = new MapSource().put("boot/x.cfg", "label a", "  config y.cfg").put("boot/y.cfg", "label b", "  kernel k");
        assertEquals("boot/k", ConfigChain.select("boot/x.cfg", "boot/", ok, null).entry().kernel());
    }

    @Test void hostileDirectoriesAreRefused() {
        MapSource abs = new MapSource().put(MAIN, "label a", "  config a.cfg /etc/");
        assertEquals(MAIN + ":2: CONFIG a.cfg /etc/: directory refused: it is an absolute path (TFTP names are relative to the server's root)",
                chainError(abs, null).getMessage());
        MapSource up = new MapSource().put(MAIN, "label a", "  config a.cfg ../../");
        assertEquals(MAIN + ":2: CONFIG a.cfg ../../: directory refused: it contains a '..' component", chainError(up, null).getMessage());
    }

    @Test void aMissingConfigIsBlamedOnTheConfigLine() {
        MapSource src = new MapSource().put(MAIN, "label a", "  config gone.cfg");
        assertEquals(MAIN + ":2: CONFIG gone.cfg (LABEL a): config file not found", chainError(src, null).getMessage());
    }

    @Test void aConfigCycleIsRefused() {
        MapSource src = new MapSource().put(MAIN, "label a", "  config b.cfg").put("b.cfg", "label b", "  config " + MAIN);
        assertEquals("b.cfg:2: CONFIG " + MAIN + ": config cycle (" + MAIN + " -> b.cfg -> " + MAIN + ")", chainError(src, null).getMessage());
    }

    @Test void aLongChainStopsAtTheLimit() {
        MapSource src = new MapSource();
        for (int i = 0; i < 40; i++) src.put(i == 0 ? MAIN : "c" + i + ".cfg", "label l", "  config c" + (i + 1) + ".cfg");
        assertEquals("c16.cfg:2: CONFIG c17.cfg: more than 16 CONFIG steps; refusing to go on", chainError(src, null).getMessage());
    }

    @Test void entryChoosesInTheFirstConfigOnly() throws Exception {
        MapSource src = new MapSource()
                .put(MAIN, "label local", "  localboot 0", "label net", "  config net.cfg")
                .put("net.cfg", "label install", "  kernel linux", "label rescue", "  kernel linux", "  append rescue");
        assertEquals("install", chain(src, "net").label());
    }

    @Test void aConfigUrlPassesThroughAsIs() throws Exception {
        MapSource src = new MapSource()
                .put(MAIN, "label h", "  config http://10.0.0.1/boot/menu.cfg http://10.0.0.1/boot/")
                .put("http://10.0.0.1/boot/menu.cfg", "label x", "  kernel linux", "  initrd initrd.gz");
        assertEquals(new BootEntry("x", "http://10.0.0.1/boot/linux", List.of("http://10.0.0.1/boot/initrd.gz"), "", 0, false),
                chain(src, null));
    }

    @Test void lpxelinuxUrlsEverywhere() throws Exception {
        // lpxelinux: absolute URLs in KERNEL, INITRD, APPEND initrd=, INCLUDE and DEFAULT; a path prefix that is a URL.
        MapSource src = new MapSource()
                .put("http://h/p/pxelinux.cfg/default", "include http://other/inc.cfg", "default http://h/k2 console=ttyS0",
                        "label a", "  kernel http://h/k", "  append initrd=http://h/i1,i2")
                .put("http://other/inc.cfg", "label b", "  kernel kb");
        PxelinuxConfig c = PxelinuxParser.parse("http://h/p/pxelinux.cfg/default", "http://h/p/", src);
        assertEquals(new BootEntry("a", "http://h/k", List.of("http://h/i1", "http://h/p/i2"), "", 0, false), c.select("a"));
        assertEquals("http://h/p/kb", c.select("b").kernel());
        assertEquals(new BootEntry(null, "http://h/k2", List.of(), "console=ttyS0", 0, false), c.select(null));
    }
}
