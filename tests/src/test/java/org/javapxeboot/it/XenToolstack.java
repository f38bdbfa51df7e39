package org.javapxeboot.it;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Xen's part, played by the test: the argv each toolstack gives its bootloader, built from the
 * config {@code provision apply} wrote, the stanzas it reads back, and the domain libxl would build
 * from the answer (here a TCG domain with direct kernel boot: no Xen on this machine).
 */
final class XenToolstack {
    private XenToolstack() {
    }

    /**
     * libxl (libxl_bootloader.c, bootloader_arg setup): {@code [--kernel=K] [--ramdisk=R] [--args=A]
     * --output=FILE --output-format=simple0 --output-directory=DIR}, then {@code bootloader_args},
     * then the first disk's path. {@code exe} stands in for the config's {@code bootloader}.
     */
    static List<String> libxlArgv(Path exe, XenConfigFile xl, Path output, Path outputDirectory) {
        List<String> argv = new ArrayList<>(List.of(exe.toString()));
        if (xl.has("extra")) argv.add("--args=" + xl.string("extra"));
        argv.add("--output=" + output);
        argv.add("--output-format=simple0");
        argv.add("--output-directory=" + outputDirectory);
        argv.addAll(xl.list("bootloader_args"));
        argv.add(xlDiskTarget(xl.list("disk").get(0)));
        return argv;
    }

    /**
     * xend (XendBootloader.py): {@code [--args=A] -q --output=FIFO}, the {@code bootargs} (here
     * {@code vif[N]}: that vif's spec as one word, which is how the bootloader learns the MAC), then the
     * first disk's path. xend leaves the output directory to the bootloader's default
     * ({@code /var/lib/xen}); the test names one under target/ so nothing is written outside it.
     */
    static List<String> xendArgv(Path exe, XenConfigFile xm, Path fifo, Path outputDirectory) {
        List<String> argv = new ArrayList<>(List.of(exe.toString()));
        if (xm.has("extra")) argv.add("--args=" + xm.string("extra"));
        argv.add("-q");
        argv.add("--output=" + fifo);
        argv.add("--output-directory=" + outputDirectory);
        Matcher m = Pattern.compile("vif\\[([0-9]+)]").matcher(xm.string("bootargs"));
        if (!m.matches()) throw new IllegalArgumentException("bootargs '" + xm.string("bootargs") + "' is not vif[N]");
        argv.add(xm.list("vif").get(Integer.parseInt(m.group(1))));
        String disk = xm.list("disk").get(0); // file:/path,xvda,w or phy:/dev/vg/lv,xvda,w
        int colon = disk.indexOf(':');
        argv.add(disk.substring(colon + 1, disk.indexOf(',', colon)));
        return argv;
    }

    /** {@code target=} of an xl-disk-configuration(5) spec: always last, the rest of the spec. */
    static String xlDiskTarget(String spec) {
        int t = spec.indexOf("target=");
        if (t < 0) throw new IllegalArgumentException("no target= in disk spec '" + spec + "'");
        return spec.substring(t + "target=".length());
    }

    /** libxl's reading of a simple0 stanza: {@code key value} records ended by NUL, then an empty one. */
    static Map<String, String> simple0(String s) {
        if (!s.endsWith("\0\0")) throw new IllegalArgumentException("a simple0 stanza ends with an empty record: " + s.replace('\0', '|'));
        Map<String, String> m = new LinkedHashMap<>();
        for (String rec : s.substring(0, s.length() - 1).split("\0")) {
            int sp = rec.indexOf(' ');
            if (sp < 0) throw new IllegalArgumentException("record without a value: " + rec);
            m.put(rec.substring(0, sp), rec.substring(sp + 1));
        }
        return m;
    }

    /** xend's reading of an sxp stanza: {@code linux (kernel K)(ramdisk R)(args 'A')}, {@code \'} and {@code \\} escaped in A. */
    static Map<String, String> sxp(String s) {
        Matcher m = Pattern.compile("linux \\(kernel ([^()]+)\\)\\(ramdisk ([^()]+)\\)\\(args '((?:[^'\\\\]|\\\\.)*)'\\)\n?").matcher(s);
        if (!m.matches()) throw new IllegalArgumentException("not an sxp stanza with kernel, ramdisk and args: " + s);
        return Map.of("kernel", m.group(1), "ramdisk", m.group(2), "args", m.group(3).replaceAll("\\\\(.)", "$1"));
    }

    /** The arguments a pxelinux APPEND line hands the kernel: the line without its {@code initrd=} word. */
    static String appendArgs(String pxelinuxEntry) {
        for (String line : pxelinuxEntry.split("\n")) {
            String t = line.trim();
            if (t.regionMatches(true, 0, "APPEND ", 0, 7)) {
                List<String> words = new ArrayList<>();
                for (String w : t.substring(7).trim().split(" +")) if (!w.startsWith("initrd=")) words.add(w);
                return String.join(" ", words);
            }
        }
        throw new IllegalArgumentException("no APPEND line in\n" + pxelinuxEntry);
    }

    /**
     * What libxl builds from the answer, on KVM/QEMU: a TCG domain that boots {@code kernel} and
     * {@code ramdisk} with {@code args}, ACPI on (so the installer's poweroff ends the domain), the
     * guest's MAC on {@code bridge}, its disk, and its serial console logged to {@code consoleLog}.
     */
    static String domainXml(String name, String mac, String bridge, Path disk, Map<String, String> stanza, Path consoleLog) {
        return String.join("\n",
            "<domain type='qemu'>",
            "  <name>" + xml(name) + "</name>",
            "  <memory unit='MiB'>1024</memory>",
            "  <vcpu>1</vcpu>",
            "  <os>",
            "    <type arch='x86_64' machine='pc'>hvm</type>",
            "    <kernel>" + xml(stanza.get("kernel")) + "</kernel>",
            "    <initrd>" + xml(stanza.get("ramdisk")) + "</initrd>",
            "    <cmdline>" + xml(stanza.get("args")) + "</cmdline>",
            "  </os>",
            "  <features><acpi/><apic/></features>",
            "  <on_poweroff>destroy</on_poweroff>",
            "  <on_reboot>destroy</on_reboot>",
            "  <on_crash>destroy</on_crash>",
            "  <devices>",
            "    <disk type='file' device='disk'><driver name='qemu' type='raw'/><source file='" + xml(disk.toString())
                + "'/><target dev='vda' bus='virtio'/></disk>",
            "    <interface type='bridge'><mac address='" + xml(mac) + "'/><source bridge='" + xml(bridge)
                + "'/><model type='virtio'/></interface>",
            "    <serial type='pty'><log file='" + xml(consoleLog.toString()) + "' append='off'/><target port='0'/></serial>",
            "    <console type='pty'><target type='serial' port='0'/></console>",
            "  </devices>",
            "</domain>",
            "");
    }

    private static String xml(String s) {
        return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("'", "&apos;").replace("\"", "&quot;");
    }
}
