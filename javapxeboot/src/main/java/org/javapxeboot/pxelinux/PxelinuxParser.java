package org.javapxeboot.pxelinux;

import java.io.IOException;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.Optional;

/**
 * Parses a pxelinux config (and everything it INCLUDEs) the way syslinux 6's
 * {@code com32/elflink/ldlinux/readconfig.c} does: the parser state is global across included files, so
 * an INCLUDE behaves as if the file were pasted in; a LABEL is recorded into the current menu when the
 * next LABEL, MENU BEGIN/END or the final end of file closes it, and takes the global APPEND in effect
 * at that moment when it has none of its own.
 *
 * <p>Pure: all reading goes through the {@link ConfigSource}. Bounded against hostile input: lines are
 * capped at {@link #MAX_LINE_CHARS}, INCLUDE nesting at {@link #MAX_INCLUDE_DEPTH}, the number of files
 * read at {@link #MAX_FILES} and their total size at {@link #MAX_TOTAL_CHARS}.
 */
public final class PxelinuxParser {
    /** syslinux reads lines into a 4 KiB buffer; real configs stay far below this cap. */
    public static final int MAX_LINE_CHARS = 64 * 1024;
    /** syslinux 4 refused to nest INCLUDE deeper than 16; we keep that limit and report it. */
    public static final int MAX_INCLUDE_DEPTH = 16;
    /** Config files read in one parse, the main one included (the Debian netboot tree needs a dozen). */
    public static final int MAX_FILES = 1024;
    /** Total characters of all config files read in one parse. */
    public static final long MAX_TOTAL_CHARS = 16L * 1024 * 1024;

    /** The kernel-type keywords of syslinux (enum kernel_type), in its order. */
    private static final List<String> KERNEL_TYPES = List.of(
            "localboot", "kernel", "linux", "boot", "bss", "pxe", "fdimage", "comboot", "com32", "config");

    private final String prefix;
    private final ConfigSource source;
    /** Files being parsed right now, outermost first: an INCLUDE of one of them is a cycle. */
    private final Deque<String> includeStack = new ArrayDeque<>();
    private int filesRead;
    private long totalChars;

    // syslinux's global parser state
    private Label ld;
    private String globalAppend;
    private Loc globalAppendLoc;
    private int globalIpappend;
    private final Menu root;
    private Menu current;
    private final List<Label> allLabels = new ArrayList<>();
    /** Every menu in definition order, the top one first (MENU GOTO finds them by name). */
    private final List<Menu> allMenus = new ArrayList<>();
    private PxelinuxConfig.Command globalDefault;
    private PxelinuxConfig.Command onTimeout;
    private boolean hasUi;
    private final List<String> modulePath = new ArrayList<>();
    private final List<String> warnings = new ArrayList<>();

    private PxelinuxParser(String mainFile, String prefix, ConfigSource source) {
        this.prefix = prefix;
        this.source = source;
        this.root = new Menu(".top", null, new Loc(mainFile, 0));
        this.current = root;
        allMenus.add(root);
    }

    /**
     * Parses the config at {@code path}.
     *
     * @param path       the TFTP path of the config that was found (prefix already applied)
     * @param pathPrefix the path prefix (DHCP option 210 or the boot file's directory; may be "") that is
     *                   prepended, by concatenation, to INCLUDE, KERNEL, LINUX, INITRD and {@code initrd=}
     *                   file names, except names written {@code ::name}
     * @param source     where to read config files from
     */
    public static PxelinuxConfig parse(String path, String pathPrefix, ConfigSource source) throws PxelinuxException {
        Objects.requireNonNull(path, "path");
        Objects.requireNonNull(source, "source");
        PxelinuxParser p = new PxelinuxParser(path, pathPrefix == null ? "" : pathPrefix, source);
        Optional<String> text;
        try {
            text = source.read(path);
        } catch (IOException e) {
            throw new PxelinuxException(path, "cannot read the config: " + e.getMessage());
        }
        if (text.isEmpty()) throw new PxelinuxException(path, "config file not found");
        p.filesRead = 1;
        p.parseFile(path, text.get());
        p.record(); // syslinux: "On final EOF process the last label statement"
        return new PxelinuxConfig(path, p.prefix, p.root, p.allMenus, p.allLabels, p.globalDefault, p.onTimeout, p.hasUi,
                p.globalAppend, p.globalAppendLoc, p.globalIpappend, p.modulePath, p.warnings);
    }

    private void parseFile(String file, String text) throws PxelinuxException {
        includeStack.addLast(file);
        int lineNo = 0;
        int pos = 0;
        int n = text.length();
        boolean inText = false;
        while (pos < n) {
            lineNo++;
            int nl = text.indexOf('\n', pos);
            int end = nl < 0 ? n : nl;
            if (end - pos > MAX_LINE_CHARS) {
                throw new PxelinuxException(file, lineNo, "line is longer than " + MAX_LINE_CHARS + " characters");
            }
            // Counted line by line so that the error names the line where the budget ran out.
            totalChars += end - pos + 1;
            if (totalChars > MAX_TOTAL_CHARS) {
                throw new PxelinuxException(file, lineNo, "config files add up to more than " + MAX_TOTAL_CHARS
                        + " characters; refusing to go on");
            }
            String line = text.substring(pos, end);
            pos = end + 1;
            // syslinux cuts the line at the first CR, so CRLF files read like LF files.
            int cr = line.indexOf('\r');
            if (cr >= 0) line = line.substring(0, cr);
            Loc loc = new Loc(file, lineNo);
            if (inText) {
                // TEXT HELP .. ENDTEXT: free text (Debian's says "Display help screens..."), not keywords.
                if (keyword(skipSpace(line, 0), line).equals("endtext")) inText = false;
                continue;
            }
            inText = line(line, loc);
        }
        includeStack.removeLast();
    }

    /** Handles one line; returns true when it opens a TEXT .. ENDTEXT block. */
    private boolean line(String line, Loc loc) throws PxelinuxException {
        int start = skipSpace(line, 0);
        if (start >= line.length() || line.charAt(start) == '#') return false;
        String kw = keyword(start, line);
        String rest = line.substring(skipSpace(line, wordEnd(line, start)));
        switch (kw) {
            case "menu":
                menu(rest, loc);
                return false;
            case "text":
                return true;
            case "include":
                include(firstWord(rest), loc);
                return false;
            case "append":
                if (ld != null) {
                    ld.append = rest;
                    ld.appendLoc = loc;
                } else {
                    globalAppend = rest;
                    globalAppendLoc = loc;
                }
                return false;
            case "initrd":
                if (ld != null) {
                    ld.initrd = rest;
                    ld.initrdLoc = loc;
                } else {
                    // syslinux ignores a global INITRD too ("/* Ignore */" in readconfig.c).
                    warnings.add(loc + ": INITRD outside a LABEL is ignored, as syslinux does");
                }
                return false;
            case "label": {
                record();
                String name = firstWord(rest);
                if (name.isEmpty()) {
                    warnings.add(loc + ": LABEL without a name is ignored");
                    return false;
                }
                ld = new Label(name, loc, globalIpappend);
                return false;
            }
            case "ontimeout":
                onTimeout = rest.isBlank() ? null : new PxelinuxConfig.Command(rest, loc);
                return false;
            case "ipappend":
            case "sysappend": {
                int v = parseUnsigned(rest, loc);
                if (ld != null) ld.ipappend = v;
                else globalIpappend = v;
                return false;
            }
            case "default":
                globalDefault = rest.isBlank() ? null : new PxelinuxConfig.Command(rest, loc);
                return false;
            case "ui":
                // "ui" commands take precedence over "default" commands (readconfig.c): DEFAULT then only
                // picks the menu's highlighted label, it never boots a kernel of its own.
                hasUi = true;
                return false;
            case "path":
                for (String dir : rest.trim().split(":")) if (!dir.isEmpty()) modulePath.add(dir);
                return false;
            default:
                if (KERNEL_TYPES.contains(kw)) {
                    if (ld != null) {
                        ld.kernelType = kw;
                        ld.kernel = rest;
                        ld.kernelLoc = loc;
                    } else {
                        warnings.add(loc + ": " + kw.toUpperCase(Locale.ROOT) + " outside a LABEL is ignored, as syslinux does");
                    }
                }
                // Everything else (TIMEOUT, PROMPT, DISPLAY, F1..F12, SERIAL, SAY, ...) only matters on a console.
                return false;
        }
    }

    private void menu(String rest, Loc loc) throws PxelinuxException {
        int sp = skipSpace(rest, 0);
        String sub = keyword(sp, rest);
        String arg = rest.substring(skipSpace(rest, wordEnd(rest, sp)));
        switch (sub) {
            case "label":
                if (ld != null) ld.menuLabel = arg;
                return;
            case "default":
                if (ld != null) {
                    ld.menuDefault = true;
                } else if (current.parent != null) {
                    // MENU DEFAULT inside a submenu but outside a label makes the submenu the parent's default.
                    current.parent.defEntry = current.parent.entries.indexOf(current);
                }
                return;
            case "hide":
                if (ld != null) ld.hidden = true;
                return;
            case "disable":
            case "disabled":
                if (ld != null) ld.action = Label.Action.DISABLED;
                return;
            case "separator":
                record();
                return;
            case "quit":
                if (ld != null) ld.action = Label.Action.QUIT;
                return;
            case "goto":
                // readconfig.c: the tag is resolved once everything is parsed (resolve_gotos()).
                if (ld != null) {
                    ld.action = Label.Action.GOTO;
                    ld.target = arg.trim();
                }
                return;
            case "exit":
                // Only inside a submenu: to the parent, or with a tag to the named menu (a goto with another marker).
                if (ld != null && current.parent != null) {
                    ld.action = Label.Action.EXIT;
                    ld.target = arg.isBlank() ? null : arg.trim();
                    ld.exitTo = current.parent;
                }
                return;
            case "begin":
                record();
                beginSubmenu(arg, loc);
                return;
            case "end":
                record();
                if (current.parent != null) current = current.parent;
                return;
            case "include": {
                String file = firstWord(arg);
                String tag = arg.substring(Math.min(arg.length(), skipSpace(arg, file.length())));
                if (tag.isEmpty()) include(file, loc);
                else includeAsSubmenu(file, tag, loc);
                return;
            }
            default:
                // MENU TITLE, COLOR, BACKGROUND, layout parameters...: presentation only.
        }
    }

    private void beginSubmenu(String name, Loc loc) {
        Menu m = new Menu(name.trim(), current, loc);
        allMenus.add(m);
        current.entries.add(m);
        current = m;
    }

    /** syslinux's record(): closes the label being defined and files it into the current menu. */
    private void record() {
        Label l = ld;
        if (l == null) return;
        ld = null;
        if (l.append != null) {
            l.effectiveAppend = l.append;
            l.effectiveAppendLoc = l.appendLoc;
        } else if (globalAppend != null) {
            l.effectiveAppend = globalAppend;
            l.effectiveAppendLoc = globalAppendLoc;
        }
        // "APPEND -" means no arguments at all, not even the global ones.
        if (l.effectiveAppend.trim().equals("-")) l.effectiveAppend = "";
        allLabels.add(l);
        if (l.hidden) return; // syslinux files hidden labels on a separate hidden menu
        l.menu = current;
        current.entries.add(l);
        if (l.menuDefault && l.action == Label.Action.CMD) current.defEntry = current.entries.size() - 1;
    }

    private void include(String name, Loc loc) throws PxelinuxException {
        String path = PxelinuxConfig.applyPrefix(prefix, name);
        Optional<String> text = readInclude(name, path, loc);
        if (text.isPresent()) parseFile(path, text.get());
    }

    /** MENU INCLUDE file tag: like do_include_menu(), the submenu only exists if the file does. */
    private void includeAsSubmenu(String name, String tag, Loc loc) throws PxelinuxException {
        String path = PxelinuxConfig.applyPrefix(prefix, name);
        Optional<String> text = readInclude(name, path, loc);
        if (text.isEmpty()) return;
        record();
        Menu outer = current;
        beginSubmenu(tag, loc);
        parseFile(path, text.get());
        record();
        current = outer;
    }

    private Optional<String> readInclude(String name, String path, Loc loc) throws PxelinuxException {
        if (name.isEmpty()) {
            warnings.add(loc + ": INCLUDE without a file name is ignored");
            return Optional.empty();
        }
        // The prefix is concatenated, not joined: "a/." + "./x" makes a '..' of two harmless halves.
        String problem = ServerPaths.problem(name);
        if (problem == null) problem = ServerPaths.problem(path);
        if (problem != null) throw loc.error("INCLUDE " + name + ": refused: " + problem);
        if (includeStack.size() > MAX_INCLUDE_DEPTH) {
            throw loc.error("INCLUDE " + name + ": includes nested deeper than " + MAX_INCLUDE_DEPTH + " levels");
        }
        if (includeStack.contains(path)) {
            throw loc.error("INCLUDE " + name + ": include cycle (" + String.join(" -> ", includeStack) + " -> " + path + ")");
        }
        if (filesRead >= MAX_FILES) {
            throw loc.error("INCLUDE " + name + ": more than " + MAX_FILES + " config files read; refusing to go on");
        }
        Optional<String> text;
        try {
            text = source.read(path);
        } catch (IOException e) {
            throw loc.error("INCLUDE " + name + ": cannot read " + path + ": " + e.getMessage());
        }
        if (text.isEmpty()) {
            // pxelinux silently skips an INCLUDE it cannot open (do_include: "if (fd < 0) goto put").
            warnings.add(loc + ": INCLUDE " + path + " not found, skipped as pxelinux does");
            return Optional.empty();
        }
        filesRead++;
        return text;
    }

    /** strtoul(s, NULL, 0) as syslinux uses it for IPAPPEND: decimal, 0x hex or 0 octal; garbage is 0. */
    private int parseUnsigned(String s, Loc loc) {
        String w = firstWord(s);
        try {
            long v;
            if (w.startsWith("0x") || w.startsWith("0X")) v = Long.parseLong(w.substring(2), 16);
            else if (w.length() > 1 && w.startsWith("0")) v = Long.parseLong(w.substring(1), 8);
            else v = Long.parseLong(w);
            if (v < 0 || v > 0xFFFFFFFFL) throw new NumberFormatException();
            return (int) v;
        } catch (NumberFormatException e) {
            warnings.add(loc + ": IPAPPEND/SYSAPPEND value '" + w + "' is not a number; using 0 as syslinux does");
            return 0;
        }
    }

    static int skipSpace(String s, int i) {
        while (i < s.length() && Tokens.isSpace(s.charAt(i))) i++;
        return i;
    }

    /** The lower-cased word at {@code start}; syslinux keywords are case-insensitive. */
    private static String keyword(int start, String line) {
        return line.substring(start, wordEnd(line, start)).toLowerCase(Locale.ROOT);
    }

    private static int wordEnd(String s, int start) {
        int i = start;
        while (i < s.length() && !Tokens.isSpace(s.charAt(i))) i++;
        return i;
    }

    static String firstWord(String s) {
        int start = skipSpace(s, 0);
        int i = start;
        while (i < s.length() && !Tokens.isSpace(s.charAt(i))) i++;
        return s.substring(start, i);
    }
}
