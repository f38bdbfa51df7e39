package org.javapxeboot.xman.portal.web;

import org.javapxeboot.xman.wire.Op;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The details page's actions: which operations a form may ask for, and their arguments from the
 * form, checked before anything is sent. Pure. Migrate's destination is a listed host's name here;
 * the server turns it into that host's libvirt URI.
 */
final class Actions {
    /** The operations the details page offers, in its order. */
    static final List<Op> OFFERED = List.of(Op.SHUTDOWN, Op.REBOOT, Op.DESTROY, Op.PAUSE, Op.UNPAUSE, Op.MEM_SET, Op.VCPU_SET, Op.MIGRATE);

    /** Destroy and migrate need the form's confirmation box ticked. */
    static boolean needsConfirmation(Op op) {
        return op == Op.DESTROY || op == Op.MIGRATE;
    }

    /** A form that cannot be sent as it is: the message says which field and why. */
    static final class Invalid extends Exception {
        Invalid(String message) {
            super(message);
        }
    }

    record Request(Op op, Map<String, Object> args, String destinationHost) {}

    static Request parse(String domain, Map<String, String> form) throws Invalid {
        String name = form.get("op");
        Op op = name == null ? null : Op.of(name);
        if (op == null || !OFFERED.contains(op)) {
            throw new Invalid("op: " + (name == null ? "missing" : org.javapxeboot.xman.wire.Protocol.printable(name) + " is not one of the page's actions"));
        }
        if (needsConfirmation(op) && !"yes".equals(form.get("confirm"))) {
            throw new Invalid(op.wire + " needs its confirmation: tick the box next to the button");
        }
        Map<String, Object> args = new LinkedHashMap<>();
        args.put("domain", domain);
        String dest = null;
        switch (op) {
            case MEM_SET -> args.put("kib", positive(form.get("kib"), "kib", Long.MAX_VALUE / 1024));
            case VCPU_SET -> args.put("count", positive(form.get("count"), "count", 4096));
            case MIGRATE -> {
                dest = form.get("destination");
                if (dest == null || dest.isEmpty()) throw new Invalid("destination: missing; choose one of the listed hosts");
            }
            default -> { }
        }
        return new Request(op, args, dest);
    }

    private static long positive(String v, String field, long max) throws Invalid {
        if (v == null || v.isBlank()) throw new Invalid(field + ": missing");
        try {
            long n = Long.parseLong(v.trim());
            if (n < 1 || n > max) throw new Invalid(field + ": " + n + " is out of range (1.." + max + ")");
            return n;
        } catch (NumberFormatException e) {
            throw new Invalid(field + ": '" + (v.length() > 20 ? v.substring(0, 20) + "..." : v) + "' is not a whole number");
        }
    }
}
