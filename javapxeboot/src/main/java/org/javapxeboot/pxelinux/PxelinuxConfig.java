package org.javapxeboot.pxelinux;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * A parsed pxelinux config: its menus, labels and global settings. {@link #select} picks what pxelinux
 * would boot when nobody touches the keyboard.
 */
public final class PxelinuxConfig {
    /** A DEFAULT or ONTIMEOUT command line and where it was written. */
    record Command(String text, Loc loc) {}

    private final String file;
    private final String prefix;
    private final Menu root;
    private final List<Menu> menus;
    private final List<Label> labels;
    private final Command globalDefault;
    private final Command onTimeout;
    private final boolean hasUi;
    private final String globalAppend;
    private final Loc globalAppendLoc;
    private final int globalIpappend;
    private final List<String> modulePath;
    private final List<String> warnings;

    PxelinuxConfig(String file, String prefix, Menu root, List<Menu> menus, List<Label> labels, Command globalDefault, Command onTimeout,
                   boolean hasUi, String globalAppend, Loc globalAppendLoc, int globalIpappend,
                   List<String> modulePath, List<String> warnings) {
        this.file = file;
        this.prefix = prefix;
        this.root = root;
        this.menus = List.copyOf(menus);
        this.labels = List.copyOf(labels);
        this.globalDefault = globalDefault;
        this.onTimeout = onTimeout;
        this.hasUi = hasUi;
        this.globalAppend = globalAppend;
        this.globalAppendLoc = globalAppendLoc;
        this.globalIpappend = globalIpappend;
        this.modulePath = List.copyOf(modulePath);
        this.warnings = List.copyOf(warnings);
    }

    /** The TFTP path of the main config file. */
    public String file() { return file; }

    /** Every label name in file order (hidden ones and duplicates included). */
    public List<String> labelNames() {
        List<String> out = new ArrayList<>();
        for (Label l : labels) out.add(l.name);
        return out;
    }

    /** The DEFAULT command line, or null. */
    public String defaultCommand() { return globalDefault == null ? null : globalDefault.text().trim(); }

    /** The ONTIMEOUT command line, or null. */
    public String onTimeoutCommand() { return onTimeout == null ? null : onTimeout.text().trim(); }

    /** The PATH directories (pxelinux searches them for .c32 modules only; kernels never use them). */
    public List<String> modulePath() { return modulePath; }

    /** Things pxelinux silently tolerates that an admin may want to know (missing INCLUDEs, ...), each located. */
    public List<String> warnings() { return warnings; }

    /**
     * Chooses the entry to boot, in this order: {@code entryOrNull} (a LABEL name, case-sensitive); then
     * ONTIMEOUT (an unattended menu times out); then DEFAULT; then the top menu's default entry (MENU
     * DEFAULT, else its first entry). ONTIMEOUT and DEFAULT may name a label (extra words are appended to
     * its arguments) or a kernel with arguments; a {@code .c32} module there means "the menu's default".
     */
    public BootEntry select(String entryOrNull) throws PxelinuxException {
        Choice c = choose(entryOrNull);
        if (c.chain() != null) {
            throw c.chain().loc().error("LABEL " + c.chain().label() + " loads another config (CONFIG " + c.chain().file()
                    + "); follow it with ConfigChain");
        }
        return c.entry();
    }

    /**
     * What choosing leads to: a boot entry, or (CONFIG) another config file to load in its place.
     *
     * @param entry the entry to boot, or null when {@code chain} is set
     * @param chain the config a CONFIG label loads instead, or null
     */
    public record Choice(BootEntry entry, Chain chain) {}

    /**
     * A CONFIG label: pxelinux restarts with another config file, and with a new working directory
     * (the path prefix) when the label names one.
     *
     * @param label  the label's name
     * @param file   the config file's path (the current prefix applied, as for INCLUDE)
     * @param prefix the path prefix for the new config: the label's directory argument, else the current one
     * @param loc    where the CONFIG line is
     */
    public record Chain(String label, String file, String prefix, Loc loc) {}

    /** As {@link #select}, but a CONFIG label gives a {@link Chain} instead of an error. */
    public Choice choose(String entryOrNull) throws PxelinuxException {
        if (entryOrNull != null) {
            Label l = find(entryOrNull);
            if (l == null) {
                throw new PxelinuxException(file, "no LABEL named '" + entryOrNull + "' (labels: "
                        + String.join(", ", labelNames()) + ")");
            }
            return fromLabel(l, List.of(), null);
        }
        if (onTimeout != null) {
            Choice e = fromCommand(onTimeout, true);
            if (e != null) return e;
        }
        if (globalDefault != null) {
            Choice e = fromCommand(globalDefault, !hasUi);
            if (e != null) return e;
        }
        Label l = new MenuWalk().defaultOf(root);
        if (l == null && !labels.isEmpty()) l = labels.get(0);
        if (l == null) throw new PxelinuxException(file, "nothing to boot: no LABEL and no DEFAULT kernel");
        return fromLabel(l, List.of(), null);
    }

    private Label find(String name) {
        for (Label l : labels) if (l.name.equals(name)) return l;
        return null;
    }

    /**
     * A DEFAULT/ONTIMEOUT command line: a label (plus words appended to its arguments, as syslinux's
     * unlabel() does), a .c32 menu module (null: use the menu's default), or a kernel with arguments.
     */
    private Choice fromCommand(Command c, boolean kernelAllowed) throws PxelinuxException {
        List<String> words = Tokens.split(c.text());
        if (words.isEmpty()) return null;
        String first = words.get(0);
        List<String> rest = words.subList(1, words.size());
        Label l = find(first);
        if (l != null) return fromLabel(l, rest, c.loc());
        if (first.toLowerCase(Locale.ROOT).endsWith(".c32") || !kernelAllowed) return null;
        // A bare kernel: its own arguments, else the global APPEND (ldlinux's new_linux_kernel()).
        List<String> args = new ArrayList<>(rest);
        List<Loc> locs = new ArrayList<>();
        for (int i = 0; i < args.size(); i++) locs.add(c.loc());
        if (args.isEmpty() && globalAppend != null && !globalAppend.trim().equals("-")) {
            for (String w : Tokens.split(globalAppend)) {
                args.add(w);
                locs.add(globalAppendLoc);
            }
        }
        String kind = nonLinuxKind("kernel", first);
        if (kind != null) {
            throw c.loc().error(first + " is " + kind + ", which cannot boot a Xen guest; choose a Linux label with --entry");
        }
        return new Choice(build(null, first, c.loc(), args, locs, globalIpappend), null);
    }

    /**
     * The menu a MENU GOTO or MENU EXIT label leads to, or null when its tag names no menu (syslinux
     * then disables the entry). Tags are compared exactly; of two menus with one tag the last defined
     * wins, as find_menu() walks syslinux's menu list newest first. ".top" is the top menu.
     */
    private Menu targetOf(Label l) {
        if (l.action == Label.Action.EXIT && l.target == null) return l.exitTo;
        Menu found = null;
        for (Menu m : menus) if (m.name.equals(l.target)) found = m;
        return found;
    }

    /**
     * The unattended walk through the menus: a menu's default entry (MENU DEFAULT, else its first
     * entry); a submenu, MENU GOTO or MENU EXIT entry leads on to that menu's default. Each menu is
     * walked at most once per choice, so GOTO cycles (a -> b -> a) and wide GOTO graphs end quickly.
     */
    private final class MenuWalk {
        private final java.util.Map<Menu, Label> done = new java.util.HashMap<>();
        private final java.util.Set<Menu> walking = new java.util.HashSet<>();

        Label defaultOf(Menu m) {
            if (done.containsKey(m)) return done.get(m);
            if (!walking.add(m)) return null; // a cycle: this menu is already being walked
            Label found = null;
            if (m.defEntry >= 0 && m.defEntry < m.entries.size()) found = bootable(m.entries.get(m.defEntry));
            for (int i = 0; found == null && i < m.entries.size(); i++) found = bootable(m.entries.get(i));
            walking.remove(m);
            done.put(m, found);
            return found;
        }

        private Label bootable(Object entry) {
            if (entry instanceof Menu sub) return defaultOf(sub);
            Label l = (Label) entry;
            switch (l.action) {
                case CMD: return l;
                case GOTO: case EXIT: {
                    Menu t = targetOf(l);
                    return t == null ? null : defaultOf(t);
                }
                default: return null; // QUIT, DISABLED: nothing to boot
            }
        }
    }

    private Choice fromLabel(Label l, List<String> extra, Loc extraLoc) throws PxelinuxException {
        if (l.action == Label.Action.GOTO || l.action == Label.Action.EXIT) {
            // Chosen by name: go where the menu would go, and boot that menu's default.
            Menu t = targetOf(l);
            if (t == null) {
                throw l.loc.error("LABEL " + l.name + ": MENU " + l.action + " " + l.target + " names no menu (no MENU BEGIN "
                        + l.target + ")");
            }
            Label next = new MenuWalk().defaultOf(t);
            if (next == null) throw l.loc.error("LABEL " + l.name + ": menu '" + t.name + "' has nothing to boot");
            return fromLabel(next, extra, extraLoc);
        }
        if (l.action != Label.Action.CMD) {
            throw l.loc.error("LABEL " + l.name + " is a menu action (MENU " + l.action + "), not something to boot");
        }
        if (l.kernelType == null) {
            throw l.loc.error("LABEL " + l.name + " names no KERNEL, LINUX or LOCALBOOT");
        }
        List<String> args = new ArrayList<>();
        List<Loc> locs = new ArrayList<>();
        List<String> kernelWords = Tokens.split(l.kernel);
        for (String w : kernelWords.subList(Math.min(1, kernelWords.size()), kernelWords.size())) {
            args.add(w);
            locs.add(l.kernelLoc);
        }
        for (String w : Tokens.split(l.effectiveAppend)) {
            args.add(w);
            locs.add(l.effectiveAppendLoc);
        }
        // readconfig.c's record() turns INITRD into " initrd=FILE" AFTER the APPEND words, and the kernel
        // loader (ldlinux kernel.c) only loads the first initrd= it finds: an APPEND initrd= wins.
        if (l.initrd != null && !PxelinuxParser.firstWord(l.initrd).isEmpty()) {
            args.add("initrd=" + PxelinuxParser.firstWord(l.initrd));
            locs.add(l.initrdLoc);
        }
        for (String w : extra) {
            args.add(w);
            locs.add(extraLoc);
        }
        if (l.kernelType.equals("localboot")) {
            List<String> kept = new ArrayList<>();
            for (String w : args) if (!Tokens.key(w).equals("initrd")) kept.add(w);
            return new Choice(new BootEntry(l.name, null, List.of(), String.join(" ", kept), l.ipappend, true), null);
        }
        String kernelName = kernelWords.isEmpty() ? "" : kernelWords.get(0);
        if (kernelName.isEmpty()) {
            throw l.kernelLoc.error(l.kernelType.toUpperCase(Locale.ROOT) + " without a file name in LABEL " + l.name);
        }
        if (l.kernelType.equals("config")) {
            // Deviation: syslinux would also take a global APPEND as the directory; only the label's own words count here.
            List<String> own = new ArrayList<>(kernelWords.subList(1, kernelWords.size()));
            if (l.append != null && !l.append.trim().equals("-")) own.addAll(Tokens.split(l.append));
            return new Choice(null, chain(l, kernelName, own));
        }
        String kind = nonLinuxKind(l.kernelType, kernelName);
        if (kind != null) {
            throw l.kernelLoc.error("LABEL " + l.name + " boots " + kernelName + ", " + kind
                    + ", which cannot boot a Xen guest; choose a Linux label with --entry");
        }
        return new Choice(build(l.name, kernelName, l.kernelLoc, args, locs, l.ipappend), null);
    }

    /**
     * {@code CONFIG file [dir]}: ldlinux's execute() reads the file relative to the current directory,
     * then changes to {@code dir}, the first word after the file name (the CONFIG line's own, else the
     * APPEND's). Names from a hostile config: the file and the new directory get INCLUDE's checks (no
     * {@code ..}, nothing absolute; a URL is fine).
     */
    private Chain chain(Label l, String name, List<String> args) throws PxelinuxException {
        String path = applyPrefix(prefix, name);
        String problem = ServerPaths.problem(name);
        if (problem == null) problem = ServerPaths.problem(path);
        if (problem != null) throw l.kernelLoc.error("CONFIG " + name + ": refused: " + problem);
        String dir = prefix;
        List<String> words = new ArrayList<>();
        for (String w : args) if (!Tokens.key(w).equals("initrd")) words.add(w);
        if (!words.isEmpty()) {
            String d = words.get(0);
            String p = ServerPaths.problem(d);
            dir = applyPrefix(prefix, d);
            if (p == null) p = ServerPaths.problem(dir);
            if (p != null) throw l.kernelLoc.error("CONFIG " + name + " " + d + ": directory refused: " + p);
            if (!dir.isEmpty() && !dir.endsWith("/")) dir += "/";
        }
        return new Chain(l.name, path, dir, l.kernelLoc);
    }

    /**
     * What pxelinux would run instead of a Linux kernel, or null for a Linux kernel. LINUX forces Linux;
     * KERNEL decides by the file extension as ldlinux.c's parse_kernel_type() does (.c32 COM32 module,
     * .0 PXE program, .bin/.bs boot sector, .bss, .img floppy image, .com/.cbt COMBOOT). We compare
     * extensions ignoring case, where syslinux does not, because TFTP servers often ignore case too.
     */
    static String nonLinuxKind(String type, String name) {
        String n = name.toLowerCase(Locale.ROOT);
        if (n.endsWith(".c32")) return "a COM32 module";
        if (type.equals("linux")) return null;
        switch (type) {
            case "kernel": break;
            case "config": return "another config file (CONFIG)";
            case "com32": return "a COM32 module";
            case "comboot": return "a COMBOOT program";
            case "pxe": return "a PXE boot program";
            case "boot": case "bss": return "a boot sector";
            case "fdimage": return "a floppy image";
            default: return "a " + type.toUpperCase(Locale.ROOT) + " image";
        }
        if (n.endsWith(".0")) return "a PXE boot program (pxelinux decides by the .0 extension; use LINUX to force a kernel)";
        if (n.endsWith(".bin") || n.endsWith(".bs")) return "a boot sector (pxelinux decides by the extension; use LINUX to force a kernel)";
        if (n.endsWith(".bss")) return "a boot sector (pxelinux decides by the .bss extension; use LINUX to force a kernel)";
        if (n.endsWith(".img")) return "a floppy image (pxelinux decides by the .img extension; use LINUX to force a kernel)";
        if (n.endsWith(".com") || n.endsWith(".cbt")) return "a COMBOOT program (pxelinux decides by the extension; use LINUX to force a kernel)";
        return null;
    }

    private BootEntry build(String label, String kernelName, Loc kernelLoc, List<String> args, List<Loc> locs,
                            int ipappend) throws PxelinuxException {
        String kernel = resolve(kernelName, kernelLoc, "kernel");
        List<String> initrds = new ArrayList<>();
        List<String> kept = new ArrayList<>();
        boolean seen = false;
        for (int i = 0; i < args.size(); i++) {
            String w = args.get(i);
            if (!Tokens.key(w).equals("initrd")) {
                kept.add(w);
                continue;
            }
            if (seen) continue; // ldlinux loads only the first initrd= list; the rest are dropped
            seen = true;
            String list = Tokens.value(w);
            if (list == null || list.isEmpty()) continue; // "initrd=" alone: no initrd
            for (String name : list.split(",", -1)) {
                if (name.isEmpty()) throw locs.get(i).error("empty file name in '" + w + "'");
                initrds.add(resolve(name, locs.get(i), "initrd"));
            }
        }
        return new BootEntry(label, kernel, initrds, String.join(" ", kept), ipappend, false);
    }

    private String resolve(String name, Loc loc, String what) throws PxelinuxException {
        String bare = name.startsWith("::") ? name.substring(2) : name;
        for (String seg : bare.split("[/\\\\]", -1)) {
            if (seg.equals("..")) {
                throw loc.error("refusing " + what + " path '" + name + "': it contains a '..' segment");
            }
        }
        int dc = name.indexOf("::");
        if (dc > 0 && !name.contains("://")) {
            throw loc.error(what + " path '" + name + "' names another TFTP server (host::file), which is not supported");
        }
        return applyPrefix(prefix, name);
    }

    /**
     * pxelinux's path rule: the prefix is prepended by plain concatenation; {@code ::name} is absolute
     * (the {@code ::} is stripped and no prefix added); a URL ({@code http://...}) is left as it is.
     */
    static String applyPrefix(String prefix, String name) {
        if (name.startsWith("::")) return name.substring(2);
        if (name.contains("://")) return name;
        return prefix + name;
    }
}
