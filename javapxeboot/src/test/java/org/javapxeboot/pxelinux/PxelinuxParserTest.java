package org.javapxeboot.pxelinux;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

class PxelinuxParserTest {
    static final String MAIN = "pxelinux.cfg/default";

    static PxelinuxConfig parse(String... lines) throws PxelinuxException {
        return PxelinuxParser.parse(MAIN, "", new MapSource().put(MAIN, lines));
    }

    static BootEntry boot(String... lines) throws PxelinuxException {
        return parse(lines).select(null);
    }

    static PxelinuxException error(MapSource src, String entry) {
        return assertThrows(PxelinuxException.class, () -> PxelinuxParser.parse(MAIN, "", src).select(entry));
    }

    static PxelinuxException error(String... lines) {
        return error(new MapSource().put(MAIN, lines), null);
    }

    @Nested
    class Syntax {
        @Test
        void keywordsAreCaseInsensitive() throws Exception {
            BootEntry e = boot("DeFaUlT x", "LaBeL x", "  KeRnEl vmlinuz", "  ApPeNd a=1", "  InItRd i.img", "  IpApPeNd 1");
            assertEquals(new BootEntry("x", "vmlinuz", List.of("i.img"), "a=1", 1, false), e);
        }

        @Test
        void labelsAreCaseSensitive() throws Exception {
            PxelinuxConfig c = parse("label Foo", "kernel upper", "label foo", "kernel lower");
            assertEquals("upper", c.select("Foo").kernel());
            assertEquals("lower", c.select("foo").kernel());
            PxelinuxException e = assertThrows(PxelinuxException.class, () -> c.select("FOO"));
            assertEquals(MAIN + ": no LABEL named 'FOO' (labels: Foo, foo)", e.getMessage());
        }

        @Test
        void defaultIsCaseSensitiveToo() throws Exception {
            // "default INSTALL" names no label: it is a kernel called INSTALL, as in pxelinux.
            assertEquals("INSTALL", boot("default INSTALL", "label install", "kernel vmlinuz").kernel());
        }

        @Test
        void crlfAndTabs() throws Exception {
            String cfg = "default\tx\r\nlabel\tx\r\n\tkernel\t\tvmlinuz\r\n\tappend\ta=1\t b=2 \r\n";
            BootEntry e = PxelinuxParser.parse(MAIN, "", new MapSource().putRaw(MAIN, cfg)).select(null);
            assertEquals(new BootEntry("x", "vmlinuz", List.of(), "a=1 b=2", 0, false), e);
        }

        @Test
        void noFinalNewline() throws Exception {
            BootEntry e = PxelinuxParser.parse(MAIN, "", new MapSource().putRaw(MAIN, "label x\nkernel k\nappend z")).select(null);
            assertEquals("z", e.append());
        }

        @Test
        void commentsAndBlankLines() throws Exception {
            BootEntry e = boot("# label evil", "   # kernel evil", "", "label x", "kernel k", "append a#b c=#");
            assertEquals(new BootEntry("x", "k", List.of(), "a#b c=#", 0, false), e);
        }

        @Test
        void keywordNeedsWhitespaceAfterIt() throws Exception {
            // "labelx" is no LABEL keyword (syslinux looking_at() wants a space or end of line).
            assertEquals(List.of("x"), parse("labelx y", "label x", "kernel k").labelNames());
        }

        @Test
        void equalsSignsInValuesSplitAtTheFirstOnly() throws Exception {
            BootEntry e = boot("label x", "kernel k",
                    "append ks=http://h/ks?x=y&z==1 initrd=i.img a==b rd.initrd=keep initrdfoo=keep");
            assertEquals("ks=http://h/ks?x=y&z==1 a==b rd.initrd=keep initrdfoo=keep", e.append());
            assertEquals(List.of("i.img"), e.initrds());
        }

        @Test
        void quotedWordsKeepTheirSpaces() throws Exception {
            assertEquals("foo=\"a  b\" c", boot("label x", "kernel k", "append   foo=\"a  b\"    c  ").append());
        }

        @Test
        void textHelpBlocksAreNotParsed() throws Exception {
            PxelinuxConfig c = parse("label x", "kernel k", "text help", "label evil", "kernel evil", "ENDTEXT", "append a=1");
            assertEquals(List.of("x"), c.labelNames());
            assertEquals("a=1", c.select(null).append());
        }

        @Test
        void kernelLineMayCarryArguments() throws Exception {
            assertEquals(new BootEntry("x", "vmlinuz", List.of(), "a=1 b=2", 0, false),
                    boot("label x", "kernel vmlinuz a=1", "append b=2"));
        }

        @Test
        void linuxKeywordWorksLikeKernel() throws Exception {
            assertEquals("bzImage", boot("label x", "linux bzImage").kernel());
        }

        @Test
        void pathIsKeptForModulesOnly() throws Exception {
            PxelinuxConfig c = parse("path a/:b/", "path c/", "label x", "kernel vmlinuz");
            assertEquals(List.of("a/", "b/", "c/"), c.modulePath());
            assertEquals("vmlinuz", c.select(null).kernel());
        }

        @Test
        void firstOfDuplicateLabelsWins() throws Exception {
            assertEquals("one", parse("label x", "kernel one", "label x", "kernel two").select("x").kernel());
        }

        @Test
        void unknownKeywordsAreIgnored() throws Exception {
            assertEquals("k", boot("prompt 1", "timeout 50", "display f1.txt", "f1 f1.txt", "serial 0 115200",
                    "say hello", "menu color title * #fff *", "label x", "kernel k", "menu label ^X").kernel());
        }

        @Test
        void kernelOutsideALabelIsIgnored() throws Exception {
            PxelinuxConfig c = parse("kernel evil", "label x", "kernel k");
            assertEquals("k", c.select(null).kernel());
            assertTrue(c.warnings().get(0).startsWith(MAIN + ":1: KERNEL outside a LABEL"), c.warnings().toString());
        }
    }

    @Nested
    class Append {
        @Test
        void globalAppendIsUsedWhenTheLabelHasNone() throws Exception {
            PxelinuxConfig c = parse("append console=ttyS0", "label a", "kernel k", "label b", "kernel k", "append own=1",
                    "label c", "kernel k", "append -");
            assertEquals("console=ttyS0", c.select("a").append());
            assertEquals("own=1", c.select("b").append());
            assertEquals("", c.select("c").append());
        }

        @Test
        void globalAppendInEffectWhenTheLabelIsClosed() throws Exception {
            // APPEND after a LABEL belongs to the label; after MENU END it is global again, and syslinux's
            // record() takes the global value when the label is closed.
            PxelinuxConfig c = parse("append g=1", "menu begin m", "label a", "kernel k", "menu end", "append g=2",
                    "label b", "kernel k");
            assertEquals("g=1", c.select("a").append());
            assertEquals("g=2", c.select("b").append());
        }

        @Test
        void appendDashWithTrailingSpaces() throws Exception {
            assertEquals("", boot("append g=1", "label a", "kernel k", "append   -   ").append());
        }

        @Test
        void emptyAppendMeansNoArguments() throws Exception {
            assertEquals("", boot("label a", "kernel k", "append").append());
        }
    }

    @Nested
    class Initrd {
        @Test
        void commaSeparatedListInAppend() throws Exception {
            BootEntry e = boot("label a", "kernel k", "append x=1 initrd=a.img,b.img,c.img y=2");
            assertEquals(List.of("a.img", "b.img", "c.img"), e.initrds());
            assertEquals("x=1 y=2", e.append());
        }

        @Test
        void initrdKeywordWithList() throws Exception {
            BootEntry e = boot("label a", "kernel k", "initrd one.gz,two.gz", "append x=1");
            assertEquals(List.of("one.gz", "two.gz"), e.initrds());
            assertEquals("x=1", e.append());
        }

        @Test
        void appendInitrdWinsOverInitrdKeyword() throws Exception {
            // record() appends " initrd=FILE" after the APPEND words and the loader takes the first initrd=.
            BootEntry e = boot("label a", "kernel k", "initrd from-keyword.gz", "append initrd=from-append.gz q");
            assertEquals(List.of("from-append.gz"), e.initrds());
            assertEquals("q", e.append());
        }

        @Test
        void laterInitrdWordsAreDroppedFromTheArguments() throws Exception {
            BootEntry e = boot("label a", "kernel k", "append initrd=a.gz x initrd=b.gz y");
            assertEquals(List.of("a.gz"), e.initrds());
            assertEquals("x y", e.append());
        }

        @Test
        void emptyInitrdMeansNone() throws Exception {
            assertEquals(List.of(), boot("label a", "kernel k", "append initrd= x").initrds());
        }

        @Test
        void emptyNameInListIsALocatedError() {
            PxelinuxException e = error("label a", "kernel k", "append initrd=a.gz,,b.gz");
            assertEquals(MAIN + ":3: empty file name in 'initrd=a.gz,,b.gz'", e.getMessage());
        }

        @Test
        void globalInitrdIsIgnoredAsSyslinuxDoes() throws Exception {
            PxelinuxConfig c = parse("initrd global.gz", "label a", "kernel k");
            assertEquals(List.of(), c.select(null).initrds());
            assertTrue(c.warnings().get(0).contains("INITRD outside a LABEL"));
        }
    }

    @Nested
    class Paths {
        MapSource src = new MapSource();

        BootEntry bootWithPrefix(String prefix, String... lines) throws PxelinuxException {
            src.put(prefix + MAIN, lines);
            return PxelinuxParser.parse(prefix + MAIN, prefix, src).select(null);
        }

        @Test
        void prefixIsConcatenated() throws Exception {
            BootEntry e = bootWithPrefix("boot/x86_", "label a", "kernel vmlinuz", "initrd i1.gz,i2.gz");
            assertEquals("boot/x86_vmlinuz", e.kernel());
            assertEquals(List.of("boot/x86_i1.gz", "boot/x86_i2.gz"), e.initrds());
        }

        @Test
        void doubleColonSuppressesThePrefix() throws Exception {
            BootEntry e = bootWithPrefix("boot/", "label a", "kernel ::abs/vmlinuz", "append initrd=::abs/i.gz,rel.gz");
            assertEquals("abs/vmlinuz", e.kernel());
            assertEquals(List.of("abs/i.gz", "boot/rel.gz"), e.initrds());
        }

        @Test
        void urlsAreLeftAlone() throws Exception {
            BootEntry e = bootWithPrefix("boot/", "label a", "kernel http://10.0.0.1/vmlinuz", "append initrd=http://10.0.0.1/i.gz");
            assertEquals("http://10.0.0.1/vmlinuz", e.kernel());
            assertEquals(List.of("http://10.0.0.1/i.gz"), e.initrds());
        }

        @Test
        void includesGetThePrefix() throws Exception {
            src.put("boot/menu/a.cfg", "label a", "kernel vmlinuz");
            src.put("menu/a.cfg", "label wrong", "kernel wrong");
            BootEntry e = bootWithPrefix("boot/", "include menu/a.cfg");
            assertEquals("boot/vmlinuz", e.kernel());
            assertTrue(src.reads.contains("boot/menu/a.cfg"));
            assertFalse(src.reads.contains("menu/a.cfg"));
        }

        @Test
        void includesThatLeaveTheTreeAreRefusedWithTheLineAndNothingIsRead() {
            MapSource src = new MapSource().put(MAIN, "label a", "kernel k", "include ../../etc/passwd")
                    .put("etc/x.cfg", "label b", "kernel k");
            PxelinuxException e = assertThrows(PxelinuxException.class, () -> PxelinuxParser.parse(MAIN, "", src));
            assertEquals(MAIN + ":3: INCLUDE ../../etc/passwd: refused: it contains a '..' component", e.getMessage());
            assertEquals(List.of(MAIN), src.reads);
            for (String bad : List.of("/etc/x.cfg", "::/etc/x.cfg", "\\etc\\x.cfg", "menu\\..\\..\\x.cfg", "::a/../../x.cfg")) {
                MapSource s2 = new MapSource().put(MAIN, "menu include " + bad + " Tag");
                PxelinuxException e2 = assertThrows(PxelinuxException.class, () -> PxelinuxParser.parse(MAIN, "", s2), bad);
                assertTrue(e2.getMessage().startsWith(MAIN + ":1: INCLUDE " + bad + ": refused: "), e2.getMessage());
                assertEquals(List.of(MAIN), s2.reads, bad);
            }
        }

        @Test
        void aPrefixAndAnIncludeThatMakeADotDotTogetherAreRefused() {
            MapSource src = new MapSource().put("x/.pxelinux.cfg", "include ./x.cfg");
            PxelinuxException e = assertThrows(PxelinuxException.class, () -> PxelinuxParser.parse("x/.pxelinux.cfg", "x/.", src));
            assertEquals("x/.pxelinux.cfg:1: INCLUDE ./x.cfg: refused: it contains a '..' component", e.getMessage());
        }

        @Test
        void dotsThatAreNoDotDotAndDoubleColonIncludesStillWork() throws Exception {
            src.put("boot/a..b/c.cfg", "include ::top/d.cfg");
            src.put("top/d.cfg", "label a", "kernel ./vmlinuz..1");
            BootEntry e = bootWithPrefix("boot/", "include a..b/c.cfg");
            assertEquals("boot/./vmlinuz..1", e.kernel());
            assertTrue(src.reads.contains("top/d.cfg"), src.reads.toString());
        }

        @Test
        void dotDotKernelIsRefused() {
            PxelinuxException e = error("label a", "kernel ../../etc/shadow");
            assertEquals(MAIN + ":2: refusing kernel path '../../etc/shadow': it contains a '..' segment", e.getMessage());
        }

        @Test
        void dotDotInTheMiddleAndWithBackslashesIsRefused() {
            assertTrue(error("label a", "kernel boot/../../x").getMessage().startsWith(MAIN + ":2: refusing kernel"));
            assertTrue(error("label a", "kernel boot\\..\\x").getMessage().startsWith(MAIN + ":2: refusing kernel"));
            assertTrue(error("label a", "kernel ::../x").getMessage().startsWith(MAIN + ":2: refusing kernel"));
        }

        @Test
        void dotDotInitrdIsRefusedAtTheAppendLine() {
            PxelinuxException e = error("label a", "kernel k", "", "append initrd=ok.gz,../x.gz");
            assertEquals(MAIN + ":4: refusing initrd path '../x.gz': it contains a '..' segment", e.getMessage());
            PxelinuxException kw = error("label a", "kernel k", "initrd a/../../b");
            assertTrue(kw.getMessage().startsWith(MAIN + ":3: refusing initrd"), kw.getMessage());
        }

        @Test
        void dotsThatAreNotASegmentAreFine() throws Exception {
            assertEquals("a..b/..c/vmlinuz..", boot("label a", "kernel a..b/..c/vmlinuz..").kernel());
        }

        @Test
        void dotDotInAnUnchosenLabelDoesNotBreakTheBoot() throws Exception {
            assertEquals("good", boot("label a", "kernel good", "label b", "kernel ../bad").kernel());
        }

        @Test
        void otherTftpServerIsRefused() {
            assertTrue(error("label a", "kernel 10.0.0.9::vmlinuz").getMessage().contains("names another TFTP server"));
        }
    }

    @Nested
    class Selection {
        @Test
        void firstLabelWithoutDefault() throws Exception {
            assertEquals("a", boot("label a", "kernel k", "label b", "kernel k").label());
        }

        @Test
        void defaultNamesALabel() throws Exception {
            assertEquals("b", boot("default b", "label a", "kernel k", "label b", "kernel k").label());
        }

        @Test
        void lastDefaultWins() throws Exception {
            assertEquals("a", boot("default b", "label a", "kernel k", "label b", "kernel k", "default a").label());
        }

        @Test
        void defaultLabelWithExtraWords() throws Exception {
            BootEntry e = boot("default b extra=1", "label b", "kernel k", "append own=1");
            assertEquals("own=1 extra=1", e.append());
        }

        @Test
        void defaultIsAKernelWithArguments() throws Exception {
            BootEntry e = boot("append g=1", "default vmlinuz root=/dev/xvda1 initrd=i.gz", "label a", "kernel k");
            assertEquals(new BootEntry(null, "vmlinuz", List.of("i.gz"), "root=/dev/xvda1", 0, false), e);
        }

        @Test
        void defaultKernelWithoutArgumentsTakesTheGlobalAppendAndIpappend() throws Exception {
            BootEntry e = PxelinuxParser.parse("p/" + MAIN, "p/",
                    new MapSource().put("p/" + MAIN, "ipappend 2", "append g=1 initrd=i.gz", "default vmlinuz")).select(null);
            assertEquals(new BootEntry(null, "p/vmlinuz", List.of("p/i.gz"), "g=1", 2, false), e);
        }

        @Test
        void defaultC32MeansTheMenusDefault() throws Exception {
            assertEquals("b", boot("default menu.c32", "label a", "kernel k", "label b", "menu default", "kernel k").label());
            assertEquals("a", boot("default boot-screens/VESAMENU.C32", "label a", "kernel k", "label b", "kernel k").label());
        }

        @Test
        void withUiDefaultOnlyPicksALabel() throws Exception {
            assertEquals("b", boot("ui menu.c32", "default b", "label a", "kernel k", "label b", "kernel k").label());
            assertEquals("a", boot("ui menu.c32", "default vmlinuz", "label a", "kernel k").label());
        }

        @Test
        void defaultNamingALabelBeatsMenuDefault() throws Exception {
            assertEquals("a", boot("default a", "label a", "kernel k", "label b", "menu default", "kernel k").label());
        }

        @Test
        void ontimeoutBeatsDefault() throws Exception {
            assertEquals("b", boot("default a", "ontimeout b", "label a", "kernel k", "label b", "kernel k").label());
        }

        @Test
        void ontimeoutKernelCommand() throws Exception {
            BootEntry e = boot("ui menu.c32", "ontimeout vmlinuz quiet", "label a", "kernel k");
            assertEquals("vmlinuz", e.kernel());
            assertEquals("quiet", e.append());
        }

        @Test
        void ontimeoutC32FallsBackToDefault() throws Exception {
            assertEquals("b", boot("ontimeout menu.c32", "default b", "label a", "kernel k", "label b", "kernel k").label());
        }

        @Test
        void entryBeatsEverything() throws Exception {
            PxelinuxConfig c = parse("default a", "ontimeout a", "label a", "kernel k", "menu default", "label b", "kernel kb");
            assertEquals("kb", c.select("b").kernel());
        }

        @Test
        void entryDoesNotMatchMenuLabels() {
            PxelinuxException e = assertThrows(PxelinuxException.class,
                    () -> parse("label a", "menu label ^Install", "kernel k").select("Install"));
            assertTrue(e.getMessage().contains("no LABEL named 'Install'"));
        }

        @Test
        void lastMenuDefaultOfAMenuWins() throws Exception {
            assertEquals("c", boot("label a", "kernel k", "label b", "menu default", "kernel k", "label c", "menu default",
                    "kernel k").label());
        }

        @Test
        void menuDefaultInsideASubmenuStaysThere() throws Exception {
            // Debian's drk.cfg: "menu default" on a label inside a submenu does not change the top menu.
            assertEquals("top", boot("label top", "kernel k", "menu begin sub", "label deep", "menu default", "kernel k",
                    "menu end").label());
        }

        @Test
        void submenuMadeDefaultWithMenuDefaultOutsideALabel() throws Exception {
            assertEquals("deep2", boot("label top", "kernel k", "menu begin sub", "menu default", "label deep1", "kernel k",
                    "label deep2", "menu default", "kernel k", "menu end").label());
        }

        @Test
        void firstEntryIsASubmenu() throws Exception {
            assertEquals("inner", boot("menu begin sub", "label inner", "kernel k", "menu end", "label outer", "kernel k")
                    .label());
        }

        @Test
        void labelsInsideSubmenusAreSelectable() throws Exception {
            PxelinuxConfig c = parse("label a", "kernel k", "menu begin s1", "menu begin s2", "label deep", "kernel kd",
                    "menu end", "menu end");
            assertEquals("kd", c.select("deep").kernel());
        }

        @Test
        void menuIncludeWithATagMakesASubmenu() throws Exception {
            MapSource src = new MapSource().put(MAIN, "label a", "kernel k", "menu include sub.cfg Sub menu")
                    .put("sub.cfg", "label insub", "menu default", "kernel ks");
            PxelinuxConfig c = PxelinuxParser.parse(MAIN, "", src);
            assertEquals("a", c.select(null).label());
            assertEquals("ks", c.select("insub").kernel());
        }

        @Test
        void missingMenuIncludeMakesNoSubmenu() throws Exception {
            // An empty submenu entry first in the menu would otherwise be skipped anyway; check the label order.
            MapSource src = new MapSource().put(MAIN, "menu include gone.cfg Gone", "label a", "kernel k");
            PxelinuxConfig c = PxelinuxParser.parse(MAIN, "", src);
            assertEquals("a", c.select(null).label());
            assertEquals(List.of(MAIN + ":1: INCLUDE gone.cfg not found, skipped as pxelinux does"), c.warnings());
        }

        @Test
        void menuIncludeWithoutTagIsAnInclude() throws Exception {
            MapSource src = new MapSource().put(MAIN, "menu include sub.cfg", "label b", "kernel k")
                    .put("sub.cfg", "label a", "kernel ka");
            assertEquals("a", PxelinuxParser.parse(MAIN, "", src).select(null).label());
        }

        @Test
        void hiddenLabelIsNotTheDefaultButCanBeChosen() throws Exception {
            PxelinuxConfig c = parse("label h", "menu hide", "kernel kh", "label v", "kernel kv");
            assertEquals("v", c.select(null).label());
            assertEquals("kh", c.select("h").kernel());
        }

        @Test
        void menuActionsAreSkippedForTheDefault() throws Exception {
            assertEquals("real", boot("menu begin s", "label back", "menu exit", "label real", "kernel k", "menu end").label());
            assertEquals("real", boot("label off", "menu disable", "kernel k", "label real", "kernel k").label());
        }

        @Test
        void nothingToBoot() {
            assertEquals(MAIN + ": nothing to boot: no LABEL and no DEFAULT kernel", error("prompt 1", "timeout 10").getMessage());
        }
    }

    @Nested
    class Ipappend {
        @Test
        void perLabel() throws Exception {
            PxelinuxConfig c = parse("label a", "kernel k", "ipappend 1", "label b", "kernel k", "IPAPPEND 2", "label c",
                    "kernel k", "sysappend 3", "label d", "kernel k", "ipappend 0x3", "label e", "kernel k");
            assertEquals(1, c.select("a").ipappend());
            assertEquals(2, c.select("b").ipappend());
            assertEquals(3, c.select("c").ipappend());
            assertEquals(3, c.select("d").ipappend());
            assertEquals(0, c.select("e").ipappend());
        }

        @Test
        void globalAppliesToTheLabelsAfterIt() throws Exception {
            PxelinuxConfig c = parse("label before", "kernel k", "menu end", "ipappend 2", "label after", "kernel k",
                    "label own", "kernel k", "ipappend 1");
            assertEquals(0, c.select("before").ipappend());
            assertEquals(2, c.select("after").ipappend());
            assertEquals(1, c.select("own").ipappend());
        }

        @Test
        void garbageIsZeroWithAWarning() throws Exception {
            PxelinuxConfig c = parse("label a", "kernel k", "ipappend yes");
            assertEquals(0, c.select(null).ipappend());
            assertTrue(c.warnings().get(0).startsWith(MAIN + ":3: IPAPPEND"), c.warnings().toString());
        }
    }

    @Nested
    class Unbootable {
        @Test
        void labelWithoutKernel() {
            PxelinuxException e = error("default a", "", "label a", "  append x=1");
            assertEquals(MAIN + ":3: LABEL a names no KERNEL, LINUX or LOCALBOOT", e.getMessage());
            assertEquals(MAIN, e.file());
            assertEquals(3, e.line());
        }

        @Test
        void labelWithoutKernelInAnIncludedFile() {
            MapSource src = new MapSource().put(MAIN, "include sub/x.cfg").put("sub/x.cfg", "# c", "label lonely");
            assertEquals("sub/x.cfg:2: LABEL lonely names no KERNEL, LINUX or LOCALBOOT", error(src, null).getMessage());
        }

        @Test
        void c32KernelChosen() {
            PxelinuxException e = error("label menu", "kernel vesamenu.c32");
            assertEquals(MAIN + ":2: LABEL menu boots vesamenu.c32, a COM32 module, which cannot boot a Xen guest;"
                    + " choose a Linux label with --entry", e.getMessage());
        }

        @Test
        void otherImageTypes() {
            for (String type : List.of("com32", "comboot", "pxe", "bss", "boot", "fdimage")) {
                PxelinuxException e = error("label a", type + " thing");
                assertTrue(e.getMessage().startsWith(MAIN + ":2: LABEL a boots thing, a"), e.getMessage());
                assertTrue(e.getMessage().endsWith(", which cannot boot a Xen guest; choose a Linux label with --entry"));
            }
            // CONFIG is followed by ConfigChain; select() alone says so.
            assertEquals(MAIN + ":2: LABEL help loads another config (CONFIG prompt.cfg); follow it with ConfigChain",
                    error("label help", "config prompt.cfg").getMessage());
        }

        @Test
        void kernelKeywordDecidesByExtensionLikeLdlinux() throws Exception {
            PxelinuxException pxe = error("label chain", "kernel pxelinux.0");
            assertTrue(pxe.getMessage().startsWith(MAIN + ":2: LABEL chain boots pxelinux.0, a PXE boot program"), pxe.getMessage());
            assertTrue(error("label f", "kernel floppy.img").getMessage().contains("a floppy image"));
            assertTrue(error("label b", "kernel mbr.bin").getMessage().contains("a boot sector"));
            assertTrue(error("label c", "kernel memtest.com").getMessage().contains("a COMBOOT program"));
            // LINUX forces a Linux kernel whatever the name.
            assertEquals("vmlinuz.img", boot("label l", "linux vmlinuz.img").kernel());
            assertTrue(error("label l", "linux menu.c32").getMessage().contains("a COM32 module"));
        }

        @Test
        void defaultKernelDecidesByExtensionToo() {
            PxelinuxException e = error("default pxelinux.0 foo", "label a", "kernel k");
            assertEquals(MAIN + ":1: pxelinux.0 is a PXE boot program (pxelinux decides by the .0 extension; use LINUX"
                    + " to force a kernel), which cannot boot a Xen guest; choose a Linux label with --entry", e.getMessage());
        }

        @Test
        void kernelWithoutFileName() {
            assertEquals(MAIN + ":2: KERNEL without a file name in LABEL a", error("label a", "kernel").getMessage());
        }

        @Test
        void localboot() throws Exception {
            BootEntry e = boot("label local", "localboot 0", "append initrd=x.gz a=1");
            assertEquals(new BootEntry("local", null, List.of(), "a=1", 0, true), e);
        }
    }

    @Nested
    class Includes {
        @Test
        void nestedIncludes() throws Exception {
            MapSource src = new MapSource().put(MAIN, "include a.cfg", "label top", "kernel k")
                    .put("a.cfg", "include b.cfg").put("b.cfg", "default fromb", "label fromb", "kernel kb");
            assertEquals("kb", PxelinuxParser.parse(MAIN, "", src).select(null).kernel());
        }

        @Test
        void sameFileTwiceIsNotACycle() throws Exception {
            MapSource src = new MapSource().put(MAIN, "include common.cfg", "include common.cfg", "label x", "kernel k")
                    .put("common.cfg", "menu color title * #fff *");
            assertEquals("k", PxelinuxParser.parse(MAIN, "", src).select(null).kernel());
        }

        @Test
        void labelContinuesAcrossAnInclude() throws Exception {
            // The parser state is global: an INCLUDE right after LABEL may supply its KERNEL.
            MapSource src = new MapSource().put(MAIN, "label x", "include kernel.cfg", "append a=1")
                    .put("kernel.cfg", "kernel from-include");
            BootEntry e = PxelinuxParser.parse(MAIN, "", src).select(null);
            assertEquals("from-include", e.kernel());
            assertEquals("a=1", e.append());
        }

        @Test
        void missingIncludeIsSkipped() throws Exception {
            MapSource src = new MapSource().put(MAIN, "include gone.cfg", "label x", "kernel k");
            PxelinuxConfig c = PxelinuxParser.parse(MAIN, "", src);
            assertEquals("k", c.select(null).kernel());
            assertEquals(List.of(MAIN + ":1: INCLUDE gone.cfg not found, skipped as pxelinux does"), c.warnings());
        }

        @Test
        void readFailureIsALocatedError() {
            MapSource src = new MapSource().put(MAIN, "", "include broken.cfg");
            src.failures.put("broken.cfg", new IOException("TFTP error 2: access violation"));
            assertEquals(MAIN + ":2: INCLUDE broken.cfg: cannot read broken.cfg: TFTP error 2: access violation",
                    error(src, null).getMessage());
        }

        @Test
        void missingMainConfig() {
            PxelinuxException e = assertThrows(PxelinuxException.class,
                    () -> PxelinuxParser.parse("pxelinux.cfg/01-aa", "", new MapSource()));
            assertEquals("pxelinux.cfg/01-aa: config file not found", e.getMessage());
        }

        @Test
        void cycle() {
            MapSource src = new MapSource().put(MAIN, "label x", "kernel k", "include a.cfg")
                    .put("a.cfg", "include b.cfg").put("b.cfg", "# loop", "include a.cfg");
            assertEquals("b.cfg:2: INCLUDE a.cfg: include cycle (" + MAIN + " -> a.cfg -> b.cfg -> a.cfg)",
                    error(src, null).getMessage());
        }

        @Test
        void selfInclude() {
            MapSource src = new MapSource().put(MAIN, "include " + MAIN);
            assertTrue(error(src, null).getMessage().startsWith(MAIN + ":1: INCLUDE " + MAIN + ": include cycle"));
        }

        @Test
        void sixteenLevelsAreFine() throws Exception {
            MapSource src = new MapSource().put(MAIN, "include f1.cfg");
            for (int i = 1; i < 16; i++) src.put("f" + i + ".cfg", "include f" + (i + 1) + ".cfg");
            src.put("f16.cfg", "label deep", "kernel k");
            assertEquals("deep", PxelinuxParser.parse(MAIN, "", src).select(null).label());
        }

        @Test
        @Timeout(value = 60, unit = TimeUnit.SECONDS)
        void tenThousandNestedIncludes() {
            // A generated tree: f0 includes f1 includes f2 ... f9999. Stops at level 17, after 17 reads.
            AtomicInteger reads = new AtomicInteger();
            ConfigSource gen = path -> {
                reads.incrementAndGet();
                int n = Integer.parseInt(path.substring(1, path.indexOf('.')));
                return Optional.of(n < 10_000 ? "include f" + (n + 1) + ".cfg\n" : "label x\nkernel k\n");
            };
            PxelinuxException e = assertThrows(PxelinuxException.class, () -> PxelinuxParser.parse("f0.cfg", "", gen));
            assertEquals("f16.cfg:1: INCLUDE f17.cfg: includes nested deeper than 16 levels", e.getMessage());
            assertEquals(17, reads.get());
        }

        @Test
        @Timeout(value = 60, unit = TimeUnit.SECONDS)
        void includeBombIsCut() {
            // Every file includes the next one twice: 2^16 files if nothing stopped it.
            ConfigSource gen = path -> {
                int n = Integer.parseInt(path.substring(1, path.indexOf('.')));
                String next = "include f" + (n + 1) + ".cfg\n";
                return Optional.of(n < 16 ? next + next : "label x\nkernel k\n");
            };
            PxelinuxException e = assertThrows(PxelinuxException.class, () -> PxelinuxParser.parse("f0.cfg", "", gen));
            assertTrue(e.getMessage().matches("f\\d+\\.cfg:\\d: INCLUDE f\\d+\\.cfg: more than 1024 config files read; refusing to go on"),
                    e.getMessage());
        }

        @Test
        @Timeout(value = 60, unit = TimeUnit.SECONDS)
        void hundredMegabyteLine() {
            String huge = "label x\nappend " + "a".repeat(100_000_000) + "\nkernel k\n";
            MapSource src = new MapSource().putRaw(MAIN, huge);
            assertEquals(MAIN + ":2: line is longer than 65536 characters", error(src, null).getMessage());
        }

        @Test
        void lineAtTheCapIsFine() throws Exception {
            String arg = "x=" + "a".repeat(PxelinuxParser.MAX_LINE_CHARS - "append x=".length());
            BootEntry e = PxelinuxParser.parse(MAIN, "", new MapSource().put(MAIN, "label x", "kernel k", "append " + arg))
                    .select(null);
            assertEquals(arg, e.append());
        }

        @Test
        @Timeout(value = 60, unit = TimeUnit.SECONDS)
        void totalSizeIsCapped() {
            String mib = "# padding padding padding padding padding\n".repeat(1024 * 1024 / 43 + 1);
            MapSource src = new MapSource();
            StringBuilder main = new StringBuilder();
            for (int i = 0; i < 20; i++) main.append("include pad.cfg\n");
            src.putRaw(MAIN, main.toString()).putRaw("pad.cfg", mib);
            PxelinuxException e = error(src, null);
            assertTrue(e.getMessage().matches("pad\\.cfg:\\d+: config files add up to more than 16777216 characters; refusing to go on"),
                    e.getMessage());
        }
    }

    @Test
    void onTimeoutAndDefaultAreExposed() throws Exception {
        PxelinuxConfig c = parse("default  a b ", "ontimeout c", "label a", "kernel k");
        assertEquals("a b", c.defaultCommand());
        assertEquals("c", c.onTimeoutCommand());
        assertEquals(MAIN, c.file());
        assertNull(parse("label a", "kernel k").defaultCommand());
    }
}
