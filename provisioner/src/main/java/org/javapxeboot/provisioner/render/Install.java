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
