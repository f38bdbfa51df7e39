package org.javapxeboot.pxelinux;

import java.util.ArrayList;
import java.util.List;

/**
 * Parses a config, chooses, and follows CONFIG labels: pxelinux then restarts with the other config
 * file (ldlinux's execute() starts ldlinux afresh: no state carries over) and, when the label names
 * one, a new working directory that becomes the path prefix. {@code --entry} chooses in the first config
 * only; a chained config is chosen unattended (ONTIMEOUT, DEFAULT, the menu's default), as pxelinux
 * would with nobody at the keyboard. At most {@link #MAX_CHAIN} CONFIG steps; a config loaded twice
 * with the same prefix is a cycle. Pure: reads through the {@link ConfigSource}.
 */
public final class ConfigChain {
    /** CONFIG steps followed in one boot; real setups use one or two. */
    public static final int MAX_CHAIN = 16;

    private ConfigChain() {}

    /**
     * The result: the config that gave the entry, the entry, and the CONFIG steps taken (empty when
     * the first config had the entry).
     */
    public record Result(PxelinuxConfig config, BootEntry entry, List<PxelinuxConfig.Chain> steps) {}

    public static Result select(String path, String prefix, ConfigSource source, String entryOrNull) throws PxelinuxException {
        List<PxelinuxConfig.Chain> steps = new ArrayList<>();
        List<String> seen = new ArrayList<>();
        PxelinuxConfig config = PxelinuxParser.parse(path, prefix, source);
        String entry = entryOrNull;
        while (true) {
            seen.add(config.file() + "\n" + prefixOf(steps, prefix));
            PxelinuxConfig.Choice c = config.choose(entry);
            if (c.chain() == null) return new Result(config, c.entry(), steps);
            PxelinuxConfig.Chain next = c.chain();
            if (steps.size() >= MAX_CHAIN) {
                throw next.loc().error("CONFIG " + next.file() + ": more than " + MAX_CHAIN + " CONFIG steps; refusing to go on");
            }
            if (seen.contains(next.file() + "\n" + next.prefix())) {
                throw next.loc().error("CONFIG " + next.file() + ": config cycle (" + names(steps, path) + " -> " + next.file() + ")");
            }
            steps.add(next);
            entry = null;
            try {
                config = PxelinuxParser.parse(next.file(), next.prefix(), source);
            } catch (PxelinuxException e) {
                // A missing or unreadable file: blame the CONFIG line that named it. Errors inside it stay located there.
                if (e.line() > 0 || !e.file().equals(next.file())) throw e;
                throw next.loc().error("CONFIG " + next.file() + " (LABEL " + next.label() + "): "
                        + e.getMessage().substring(next.file().length() + 2));
            }
        }
    }

    private static String prefixOf(List<PxelinuxConfig.Chain> steps, String first) {
        return steps.isEmpty() ? first : steps.get(steps.size() - 1).prefix();
    }

    private static String names(List<PxelinuxConfig.Chain> steps, String first) {
        StringBuilder sb = new StringBuilder(first);
        for (PxelinuxConfig.Chain s : steps) sb.append(" -> ").append(s.file());
        return sb.toString();
    }
}
