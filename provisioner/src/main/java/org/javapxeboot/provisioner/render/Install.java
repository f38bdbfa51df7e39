package org.javapxeboot.provisioner.render;

import java.util.ArrayList;
import java.util.List;
import org.javapxeboot.provisioner.model.Guest;

/** The installer's side: where a guest fetches its kickstart and where it acknowledges. */
public final class Install {
    private Install() {
    }

    public static String ksUrl(String server, Guest g) {
        return server + "/ks/" + g.name() + ".ks";
    }

    public static String ackUrl(String server, Guest g) {
        return server + "/ack/" + g.name();
    }

    /**
     * The installer's acknowledgement as one line of POSIX sh (template variable {@code ack_loop}):
     * a POST of {@code mac=MAC} to the ack URL with wget (GNU wget, in the installed system and in
     * the Debian installer's own initrd alike), never through a proxy; only a 2xx is success; a 4xx
     * other than 408/429 is final; anything else (503 while an apply holds the output folder, 408,
     * no answer) is retried every 20 s, 135 times (45 minutes). It ends with status 0 either way,
     * so a preseed's command after it runs. The MAC and URL are checked values (hex and colons; a
     * URL the YAML loader accepted), safe inside single quotes.
     */
    public static String ackLoop(String server, Guest g) {
        return ACK_LOOP.replace("MAC", g.bootMac()).replace("URL", ackUrl(server, g));
    }

    private static final String ACK_LOOP = "n=0; while [ $n -lt 135 ]; do c=$(wget --no-proxy -qS -O /dev/null --post-data=mac=MAC URL 2>&1 | awk \"\\$1 ~ /^HTTP\\\\// {c = \\$2} END {print c}\"); case \"$c\" in 2??) break;; 408|429) ;; 4??) break;; esac; n=$((n + 1)); sleep 20; done; true";

    /** Debian's installer reads a preseed ({@code url=}); anaconda reads a kickstart ({@code ks=}). */
    public static boolean isPreseed(Guest g) {
        return g.kickstart().endsWith(".cfg") || g.kickstart().contains("preseed");
    }

    /** The installer kernel arguments: the kickstart URL in the installer's own syntax, then install_options. */
    public static List<String> kernelArgs(String server, Guest g) {
        List<String> args = new ArrayList<>();
        if (isPreseed(g)) {
            // d-i: auto=true delays locale/keyboard questions until the preseed is loaded;
            // priority=critical hides the rest. hostname= keeps d-i from asking before the preseed.
            args.add("auto=true");
            args.add("priority=critical");
            args.add("url=" + ksUrl(server, g));
            args.add("hostname=" + g.name());
        } else {
            args.add("ks=" + ksUrl(server, g));
            args.add("ksdevice=eth0");
        }
        if (g.installOptions() != null && !g.installOptions().isBlank()) {
            args.add(g.installOptions().trim());
        }
        return args;
    }
}
