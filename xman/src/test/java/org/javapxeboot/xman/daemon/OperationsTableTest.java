package org.javapxeboot.xman.daemon;

import org.javapxeboot.xman.client.RxmMain;
import org.javapxeboot.xman.vm.FakeVm;
import org.javapxeboot.xman.wire.Op;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Walks the operations table ({@link Op}) and checks that every entry is served by the daemon,
 * parsed and sent by rxm, audited, and present in both helps: the lists are derived from the
 * table, never written out here.
 */
@Timeout(60)
class OperationsTableTest {
    @TempDir Path dir;

    /** A value of each argument kind that the fake host accepts. */
    private static String sample(Op.Arg kind) {
        return switch (kind) {
            case DOMAIN -> "vm1";
            case KIB -> "512M";
            case COUNT -> "2";
            case DESTINATION -> "qemu+ssh://h2/system";
            case ON_OFF -> "on";
        };
    }

    private static String text(ByteArrayOutputStream b) {
        return b.toString(StandardCharsets.UTF_8);
    }

    @Test
    void theDaemonHasAHandlerForEveryEntry() {
        assertEquals(EnumSet.allOf(Op.class), new Handlers(new FakeVm(), () -> 0, null, false).operations());
    }

    @Test
    void everyEntryIsParsedByRxmServedByXmandAndAudited() throws Exception {
        Path xml = Files.writeString(dir.resolve("vm1.xml"), "<domain type='test'><name>vm1</name></domain>");
        FakeVm vm = new FakeVm();
        ByteArrayOutputStream auditLog = new ByteArrayOutputStream();
        Audit audit = new Audit(auditLog, null, Clock.systemUTC(), "h0");
        try (PlainXmand x = new PlainXmand(vm, audit, false)) {
            String host = "127.0.0.1:" + x.server.address().getPort();
            for (Op op : Op.values()) {
                List<String> argv = new ArrayList<>(List.of("--no-tls", "--insecure-no-auth", "-H", host, op.wire));
                if (op.xml == Op.Xml.REQUIRED) argv.addAll(List.of("--xml", xml.toString()));
                for (Op.Arg a : op.args) argv.add(sample(a));
                ByteArrayOutputStream out = new ByteArrayOutputStream();
                ByteArrayOutputStream err = new ByteArrayOutputStream();
                int before = vm.calls.size();
                int code = RxmMain.run(new PrintStream(out, true, StandardCharsets.UTF_8), new PrintStream(err, true, StandardCharsets.UTF_8),
                        argv.toArray(new String[0]));
                assertEquals(RxmMain.EXIT_OK, code, op.wire + ": " + text(err));
                if (op.lock == Op.Lock.DOMAIN) {
                    List<String> calls = vm.calls.subList(before, vm.calls.size());
                    assertTrue(calls.stream().anyMatch(c -> c.startsWith(op.wire + " vm1")), op.wire + " reached the host: " + calls);
                }
                assertTrue(text(auditLog).contains(" REQUEST from=") && text(auditLog).contains(" op=" + op.wire + " "),
                        op.wire + " audited: " + text(auditLog));
            }
            // rxm help: one line per entry, usage and help text as the table has them.
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            assertEquals(0, RxmMain.run(new PrintStream(out, true, StandardCharsets.UTF_8), System.err,
                    "--no-tls", "--insecure-no-auth", "-H", host, "help"));
            List<String> lines = text(out).lines().toList();
            assertEquals(Op.values().length, lines.size(), text(out));
            for (int i = 0; i < Op.values().length; i++) {
                Op op = Op.values()[i];
                String line = lines.get(i);
                assertTrue(line.startsWith(op.wire + (op.usage.isEmpty() ? " " : " " + op.usage + " ")) && line.endsWith(op.help), line);
            }
        }
    }

    @Test
    void rxmHelpNamesEveryEntryAndArgument() {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        assertEquals(0, RxmMain.run(new PrintStream(out, true, StandardCharsets.UTF_8), System.err, "--help"));
        String flat = text(out).replaceAll("\\s+", " ");
        StringBuilder names = new StringBuilder();
        for (Op op : Op.values()) names.append(names.length() == 0 ? "" : " ").append(op.wire);
        assertTrue(flat.contains("OP is one of: " + names + "."), flat);
        for (Op op : Op.values()) {
            for (Op.Arg a : op.args.subList(Math.min(1, op.args.size()), op.args.size())) {
                assertTrue(flat.matches(".*" + java.util.regex.Pattern.quote(a.label + " (") + "[^)]*\\b" + java.util.regex.Pattern.quote(op.wire) + "\\b.*"),
                        op.wire + "'s " + a.label + " in: " + flat);
            }
        }
    }
}
