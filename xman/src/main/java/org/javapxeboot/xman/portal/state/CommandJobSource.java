package org.javapxeboot.xman.portal.state;

import java.time.Duration;
import java.util.List;
import java.util.Map;

/**
 * A job source that runs the batch system's own command (no shell, a deadline, at most
 * {@link JobSource#MAX_BYTES} of output) and parses what it prints.
 */
abstract class CommandJobSource implements JobSource {
    private final CommandRunner runner;
    private final List<String> argv;
    private final Duration deadline;

    CommandJobSource(CommandRunner runner, List<String> argv, Duration deadline) {
        this.runner = runner;
        this.argv = List.copyOf(argv);
        this.deadline = deadline;
    }

    /** The command's output to nodes; {@code origin} (the command line) starts every error message. */
    abstract Map<String, NodeView> parseOutput(String origin, String output) throws JobSourceException;

    @Override
    public final Map<String, NodeView> nodes() throws JobSourceException {
        return parseOutput(describe(), runner.run(argv, deadline, MAX_BYTES));
    }

    @Override
    public final String describe() {
        return String.join(" ", argv);
    }
}
