package org.javapxeboot.xman.client;

import org.javapxeboot.xman.wire.Op;
import org.javapxeboot.xman.wire.Protocol;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * rxm's positional arguments turned into a request, as the operations table ({@link Op#args},
 * {@link Op#xml}) says: how many, which JSON member each becomes, how each kind is read.
 */
public final class Arguments {
    private Arguments() {}

    /** A command line rxm cannot send: exit code 2. */
    public static final class Usage extends Exception {
        public Usage(String m) { super(m); }
    }

    /** The request body for {@code op} from its positional {@code args} and --xml {@code xml} (or null). */
    public static Map<String, Object> request(Op op, List<String> args, Path xml) throws Usage {
        Map<String, Object> m = new LinkedHashMap<>();
        boolean fromXml = op.xml != Op.Xml.NONE && xml != null;
        int want = fromXml ? 0 : op.args.size();
        if (args.size() != want) throw new Usage(op.wire + " takes " + (op.usage.isEmpty() ? "no arguments" : op.usage) + ", got " + args.size() + " argument(s)");
        if (fromXml) {
            try {
                m.put("xml", Files.readString(xml, StandardCharsets.UTF_8));
            } catch (IOException e) {
                throw new Usage("--xml " + xml + ": " + e.getMessage());
            }
        } else if (op.xml == Op.Xml.REQUIRED) {
            throw new Usage(op.wire + " needs --xml FILE");
        }
        for (int i = 0; i < want; i++) m.put(op.args.get(i).key, value(op, op.args.get(i), args.get(i)));
        return m;
    }

    /** One argument of {@code kind} as the request carries it. No default: a new kind needs a case. */
    static Object value(Op op, Op.Arg kind, String s) throws Usage {
        return switch (kind) {
            case DOMAIN, DESTINATION -> s;
            case KIB -> kib(s);
            case COUNT -> count(op, s);
            case ON_OFF -> onOff(s);
        };
    }

    private static long count(Op op, String s) throws Usage {
        try {
            return Long.parseLong(s);
        } catch (NumberFormatException e) {
            throw new Usage(op.wire + ": " + Protocol.printable(s) + " is not a number");
        }
    }

    /** autostart's switch: on/off, as in {@code virsh autostart [--disable]}; also yes/no, true/false. */
    public static boolean onOff(String s) throws Usage {
        switch (s.trim().toLowerCase(Locale.ROOT)) {
            case "on": case "yes": case "true": return true;
            case "off": case "no": case "false": return false;
            default: throw new Usage("autostart: " + Protocol.printable(s) + " is not on or off");
        }
    }

    /** 524288, 512M, 2G, 1048576K: sizes in KiB like xm mem-set's megabytes, but explicit. */
    public static long kib(String s) throws Usage {
        String t = s.trim().toUpperCase(Locale.ROOT);
        long mult = 1;
        if (t.endsWith("K")) t = t.substring(0, t.length() - 1);
        else if (t.endsWith("M")) { mult = 1024; t = t.substring(0, t.length() - 1); }
        else if (t.endsWith("G")) { mult = 1024 * 1024; t = t.substring(0, t.length() - 1); }
        try {
            return Math.multiplyExact(Long.parseLong(t), mult);
        } catch (NumberFormatException | ArithmeticException e) {
            throw new Usage("mem-set: " + Protocol.printable(s) + " is not a size (KiB, or with K, M, G)");
        }
    }

}
