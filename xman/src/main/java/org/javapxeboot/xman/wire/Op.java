package org.javapxeboot.xman.wire;

import java.util.List;

/**
 * The operations table: every lifecycle operation xmand serves and rxm sends, written once. The
 * daemon dispatches from it (one handler per entry, checked at start), takes the lock and the
 * deadline it names, authorises by its {@link Caller} column (administrators, or owners of the
 * domain), refuses GET for the ones that change the host, and lists it for {@code help};
 * rxm parses its positional arguments from {@link #args}, checks {@link #xml}, prints its help from
 * {@link #usage} and {@link #help}; the JSON answers and the audit lines name an operation by
 * {@link #wire}. Adding an operation is one entry here plus its handler in the daemon (and, if it
 * is new to libvirt, a {@code VmControl} method).
 *
 * <p>The seed's fourteen operations plus the five the provisioner's VmControl needs (lookup,
 * define, start, undefine, autostart).
 */
public enum Op {
    HELP("help", List.of(), Xml.NONE, false, Lock.NONE, Deadline.OP, Caller.OWNER, "", "Print help."),
    LIST("list", List.of(), Xml.NONE, false, Lock.NONE, Deadline.OP, Caller.OWNER, "", "List information about domains."),
    LOOKUP("lookup", List.of(Arg.DOMAIN), Xml.NONE, false, Lock.NONE, Deadline.OP, Caller.OWNER, "DOMAIN", "Show one domain."),
    CREATE("create", List.of(Arg.DOMAIN), Xml.INSTEAD_OF_ARGS, true, Lock.DEFINED_NAME, Deadline.OP, Caller.ADMIN,
            "DOMAIN | --xml FILE", "Create a domain: start a defined one, or define and start from libvirt XML."),
    DEFINE("define", List.of(), Xml.REQUIRED, true, Lock.DEFINED_NAME, Deadline.OP, Caller.ADMIN,
            "--xml FILE", "Define a domain from libvirt XML without starting it."),
    START("start", List.of(Arg.DOMAIN), Xml.NONE, true, Lock.DOMAIN, Deadline.OP, Caller.OWNER, "DOMAIN", "Start a defined domain."),
    UNDEFINE("undefine", List.of(Arg.DOMAIN), Xml.NONE, true, Lock.DOMAIN, Deadline.OP, Caller.ADMIN,
            "DOMAIN", "Remove a stopped domain's definition (never its disks)."),
    AUTOSTART("autostart", List.of(Arg.DOMAIN, Arg.ON_OFF), Xml.NONE, true, Lock.DOMAIN, Deadline.OP, Caller.ADMIN,
            "DOMAIN on|off", "Set whether a defined domain starts with the host."),
    DESTROY("destroy", List.of(Arg.DOMAIN), Xml.NONE, true, Lock.DOMAIN, Deadline.OP, Caller.OWNER, "DOMAIN", "Terminate a domain immediately."),
    REBOOT("reboot", List.of(Arg.DOMAIN), Xml.NONE, true, Lock.DOMAIN, Deadline.OP, Caller.OWNER, "DOMAIN", "Reboot a domain."),
    SHUTDOWN("shutdown", List.of(Arg.DOMAIN), Xml.NONE, true, Lock.DOMAIN, Deadline.OP, Caller.OWNER, "DOMAIN", "Shutdown a domain."),
    PAUSE("pause", List.of(Arg.DOMAIN), Xml.NONE, true, Lock.DOMAIN, Deadline.OP, Caller.OWNER, "DOMAIN", "Pause execution of a domain."),
    UNPAUSE("unpause", List.of(Arg.DOMAIN), Xml.NONE, true, Lock.DOMAIN, Deadline.OP, Caller.OWNER, "DOMAIN", "Unpause a paused domain."),
    MEM_SET("mem-set", List.of(Arg.DOMAIN, Arg.KIB), Xml.NONE, true, Lock.DOMAIN, Deadline.OP, Caller.OWNER,
            "DOMAIN KIB", "Adjust the current memory usage for a domain (KiB)."),
    VCPU_SET("vcpu-set", List.of(Arg.DOMAIN, Arg.COUNT), Xml.NONE, true, Lock.DOMAIN, Deadline.OP, Caller.OWNER,
            "DOMAIN COUNT", "Set the number of VCPUs for a domain."),
    DESCRIBE("describe", List.of(Arg.DOMAIN), Xml.NONE, false, Lock.NONE, Deadline.OP, Caller.OWNER, "DOMAIN", "Provide domain's XML description."),
    MIGRATE("migrate", List.of(Arg.DOMAIN, Arg.DESTINATION), Xml.NONE, true, Lock.DOMAIN, Deadline.MIGRATE, Caller.ADMIN,
            "DOMAIN DEST-URI|DEST-HOST", "Migrate a domain to another machine (a libvirt URI, or an xmand host for rxm)."),
    DMESG("dmesg", List.of(), Xml.NONE, false, Lock.NONE, Deadline.OP, Caller.ADMIN, "", "Read the daemon's message buffer of libvirt events and errors."),
    INFO("info", List.of(), Xml.NONE, false, Lock.NONE, Deadline.OP, Caller.ADMIN, "", "Get information about the host.");

    /** A positional argument: the request's JSON member it becomes and how rxm's help names it. */
    public enum Arg {
        DOMAIN("domain", "DOMAIN", ""),
        /** A size in KiB; rxm also takes the suffixes K, M, G. */
        KIB("kib", "KIB", ", suffix K/M/G"),
        COUNT("count", "COUNT", ""),
        /** A libvirt URI (or, for rxm, another xmand host whose URI it asks for). */
        DESTINATION("destination", "DEST-URI", ""),
        /** on/off (also yes/no, true/false), a JSON boolean on the wire. */
        ON_OFF("on", "on|off", "");

        /** The request member. */
        public final String key;
        /** Its name in rxm's help. */
        public final String label;
        /** What rxm's help adds after the operations that take it. */
        public final String note;

        Arg(String key, String label, String note) {
            this.key = key;
            this.label = label;
            this.note = note;
        }
    }

    /** Where domain XML ("xml", rxm's --xml FILE) fits. */
    public enum Xml {
        NONE,
        /** Either the positional arguments or the XML. */
        INSTEAD_OF_ARGS,
        REQUIRED
    }

    /** The lock the daemon holds while the operation runs, so that check-then-act sequences hold. */
    public enum Lock {
        NONE,
        /** The named domain's. */
        DOMAIN,
        /** The domain named inside the XML (or by "domain" when no XML is given). */
        DEFINED_NAME
    }

    /** Which of the daemon's deadlines applies (--op-timeout or --migrate-timeout), with its default. */
    public enum Deadline {
        OP(java.time.Duration.ofSeconds(60)),
        MIGRATE(java.time.Duration.ofMinutes(30));

        public final java.time.Duration byDefault;

        Deadline(java.time.Duration byDefault) {
            this.byDefault = byDefault;
        }
    }

    /**
     * Who may call it; the daemon enforces this column and nothing else. A principal listed in the
     * host's .k5login (an administrator) may call every operation. Anyone else who authenticated
     * (Kerberos) may call only the {@link #OWNER} operations, and only on domains whose libvirt
     * metadata names him as an owner (wire.DomainMetadata).
     */
    public enum Caller {
        /**
         * Administrators only: what acts on the host rather than on one existing guest (define,
         * create, its libvirt XML could name any owner, disks and devices; info, dmesg, which show
         * every guest's events; autostart, the host's boot policy; migrate, which uses the host's
         * own credentials to another host; undefine, which would also drop the owners).
         */
        ADMIN,
        /**
         * Administrators, and owners on their own domains: the day-to-day lifecycle of an existing
         * guest, within what its definition allows (mem-set up to its maximum). A domain that does
         * not exist is refused exactly like one owned by someone else, so a non-administrator learns
         * nothing about other guests. Without a domain: list answers only the caller's own domains
         * (all of them for an administrator), help the same static text for everyone.
         */
        OWNER
    }

    public final String wire;
    public final List<Arg> args;
    public final Xml xml;
    /** Changes the host: refused on GET, never fanned out to several hosts. */
    public final boolean mutates;
    public final Lock lock;
    public final Deadline deadline;
    public final Caller caller;
    /** rxm's and help's synopsis of the arguments. */
    public final String usage;
    /** The help line. */
    public final String help;
    /** The request must name a domain in "domain" (operations that may take XML instead do not). */
    public final boolean needsDomain;

    Op(String wire, List<Arg> args, Xml xml, boolean mutates, Lock lock, Deadline deadline, Caller caller, String usage, String help) {
        this.wire = wire;
        this.args = args;
        this.xml = xml;
        this.mutates = mutates;
        this.lock = lock;
        this.deadline = deadline;
        this.caller = caller;
        this.usage = usage;
        this.help = help;
        this.needsDomain = xml == Xml.NONE && args.contains(Arg.DOMAIN);
    }

    public static Op of(String wire) {
        for (Op op : values()) if (op.wire.equals(wire)) return op;
        return null;
    }

    /** The HTTP method help lists: read-only operations also answer GET. */
    public String method() {
        return mutates ? "POST" : "GET";
    }

    /** rxm's description: "help list lookup ... info". */
    public static String names() {
        StringBuilder sb = new StringBuilder();
        for (Op op : values()) sb.append(sb.length() == 0 ? "" : " ").append(op.wire);
        return sb.toString();
    }

    /**
     * rxm's help for ARG: "DOMAIN, then KIB (mem-set, suffix K/M/G), COUNT (vcpu-set), DEST-URI
     * (migrate) or on|off (autostart)" — every argument after the domain, with the operations that
     * take it, in the order of {@link Arg}.
     */
    public static String argumentsHelp() {
        List<String> parts = new java.util.ArrayList<>();
        for (Arg a : Arg.values()) {
            if (a == Arg.DOMAIN) continue;
            StringBuilder ops = new StringBuilder();
            for (Op op : values()) if (op.args.indexOf(a) > 0) ops.append(ops.length() == 0 ? "" : ", ").append(op.wire);
            if (ops.length() > 0) parts.add(a.label + " (" + ops + a.note + ")");
        }
        String rest = parts.size() < 2 ? String.join("", parts)
                : String.join(", ", parts.subList(0, parts.size() - 1)) + " or " + parts.get(parts.size() - 1);
        return Arg.DOMAIN.label + ", then " + rest;
    }
}
