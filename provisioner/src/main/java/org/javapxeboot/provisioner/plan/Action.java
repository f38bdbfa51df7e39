package org.javapxeboot.provisioner.plan;

/**
 * One step of a plan, or one fact it found. {@code guest} is null for host-wide steps (a VG).
 * Printed as {@code SYMBOL kind guest: target (detail)}.
 */
public record Action(Kind kind, String guest, String target, String detail) {

    public enum Kind {
        CREATE_VG("+", "volume group"),
        CREATE_DISK("+", "disk"),
        CREATE_LV("+", "logical volume"),
        GROW_DISK("^", "grow disk"),
        GROW_LV("^", "grow logical volume"),
        DIFFERS("!", "differs"),
        WRITE_FILE("+", "write"),
        UPDATE_FILE("~", "update"),
        DEFINE("+", "define"),
        REDEFINE("~", "redefine"),
        AUTOSTART("~", "autostart"),
        START(">", "start");

        private final String symbol;
        private final String label;

        Kind(String symbol, String label) {
            this.symbol = symbol;
            this.label = label;
        }

        public String symbol() {
            return symbol;
        }

        public String label() {
            return label;
        }
    }

    /** Whether doing this changes the host (DIFFERS only reports). */
    public boolean isChange() {
        return kind != Kind.DIFFERS;
    }

    @Override
    public String toString() {
        return kind.symbol() + " " + kind.label() + (guest == null ? "" : " " + guest) + ": " + target
                + (detail == null || detail.isEmpty() ? "" : " (" + detail + ")");
    }
}
