package org.javapxeboot.pxelinux;

/** One LABEL block as syslinux records it (com32/elflink/ldlinux/readconfig.c, struct labeldata). */
final class Label {
    /** What choosing the entry does in the menu; only CMD boots something. */
    enum Action { CMD, EXIT, GOTO, QUIT, DISABLED }

    final String name;
    final Loc loc;
    /** KERNEL/LINUX/LOCALBOOT/COM32/... keyword, lower-case; null when the label names none. */
    String kernelType;
    /** The rest of the kernel line: the file name, possibly followed by arguments. */
    String kernel;
    Loc kernelLoc;
    /** The label's own APPEND line, or null (then the global APPEND applies). */
    String append;
    Loc appendLoc;
    /** The APPEND in effect once the label is recorded: its own, else the global one; "-" means none. */
    String effectiveAppend = "";
    Loc effectiveAppendLoc;
    String initrd;
    Loc initrdLoc;
    int ipappend;
    String menuLabel;
    boolean menuDefault;
    boolean hidden;
    Action action = Action.CMD;
    /** MENU GOTO tag / MENU EXIT tag: the menu's name; null for a plain MENU EXIT. */
    String target;
    /** A plain MENU EXIT: the menu it leaves to (the parent of the menu it was written in). */
    Menu exitTo;
    /** The menu the label was recorded into (null for hidden labels). */
    Menu menu;

    Label(String name, Loc loc, int ipappend) {
        this.name = name;
        this.loc = loc;
        this.ipappend = ipappend;
    }

    @Override public String toString() { return "LABEL " + name + " (" + loc + ")"; }
}
