package org.javapxeboot.pxelinux;

import java.util.ArrayList;
import java.util.List;

/** A menu (the top level, or a MENU BEGIN .. MENU END submenu). Entries are {@link Label}s and {@link Menu}s. */
final class Menu {
    final String name;
    final Menu parent;
    final Loc loc;
    final List<Object> entries = new ArrayList<>();
    /** Index of the default entry; syslinux starts every menu at its first entry (calloc'd defentry). */
    int defEntry;

    Menu(String name, Menu parent, Loc loc) {
        this.name = name;
        this.parent = parent;
        this.loc = loc;
    }
}
