package org.javapxeboot.xman.portal.state;

/**
 * The batch system's view of one node (a domain, at METACentrum), as a job source reports it.
 *
 * @param availability online, offline (taken out of scheduling: PBS "offline", Slurm DRAIN) or down
 *                     (not answering the batch server: PBS "down", Slurm DOWN)
 * @param jobs         jobs running on the node (0: none; a source that cannot count reports 1 for "some")
 * @param resources    whether the node has the host's resources assigned (processors to run jobs on)
 */
public record NodeView(Availability availability, int jobs, boolean resources) {

    public enum Availability { ONLINE, OFFLINE, DOWN }

    /** At most this many jobs per node are believed; more is a hostile or broken source. */
    public static final int MAX_JOBS = 1_000_000;

    public NodeView {
        if (availability == null) {
            throw new IllegalArgumentException("a node's availability is required");
        }
        if (jobs < 0 || jobs > MAX_JOBS) {
            throw new IllegalArgumentException("a node's job count must be 0 .. " + MAX_JOBS + ", got " + jobs);
        }
    }

    public boolean online() {
        return availability == Availability.ONLINE;
    }

    public boolean hasJob() {
        return jobs > 0;
    }
}
