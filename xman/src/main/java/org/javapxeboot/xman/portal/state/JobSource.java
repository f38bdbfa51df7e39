package org.javapxeboot.xman.portal.state;

import java.util.Map;

/**
 * Where the batch system's view of the nodes comes from: PBS/Torque ({@link PbsJobSource}), Slurm
 * ({@link SlurmJobSource}) or a JSON file ({@link JsonFileJobSource}). Whatever a source returns
 * came from another program: names are checked ({@link NodeNames}), sizes bounded, and a bad answer
 * is a {@link JobSourceException} that says where it went wrong, never a partial map.
 */
public interface JobSource {
    /** Most bytes of output (or file) a source reads: 16 MiB is ~60 000 PBS nodes. */
    int MAX_BYTES = 16 << 20;
    /** Most nodes a source accepts. */
    int MAX_NODES = 200_000;

    /** Every node the batch system knows, by name. */
    Map<String, NodeView> nodes() throws JobSourceException;

    /** What this source reads, for the page and the log ("pbsnodes -x", "/etc/xman/nodes.json"). */
    String describe();
}
