package org.javapxeboot.xman.portal.state;

import java.nio.file.Path;

/** The job source a {@code --job-source} value names. */
public final class JobSources {
    public static final String SYNTAX = "pbs, slurm or json:FILE";

    private JobSources() {
    }

    /**
     * {@code pbs} ({@code pbsnodes -x}), {@code slurm} ({@code scontrol show node --json}) or
     * {@code json:FILE}; anything else is an IllegalArgumentException naming the value.
     */
    public static JobSource of(String spec) {
        if (spec.equals("pbs")) {
            return new PbsJobSource();
        }
        if (spec.equals("slurm")) {
            return new SlurmJobSource();
        }
        if (spec.startsWith("json:") && spec.length() > "json:".length()) {
            return new JsonFileJobSource(Path.of(spec.substring("json:".length())));
        }
        throw new IllegalArgumentException("--job-source " + spec + ": expected " + SYNTAX);
    }
}
