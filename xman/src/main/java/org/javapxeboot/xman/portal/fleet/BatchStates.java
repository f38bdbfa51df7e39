package org.javapxeboot.xman.portal.fleet;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.javapxeboot.xman.portal.state.JobSource;
import org.javapxeboot.xman.portal.state.JobSourceException;
import org.javapxeboot.xman.portal.state.NodeIndex;
import org.javapxeboot.xman.portal.state.State;
import org.javapxeboot.xman.portal.state.StateRules;
import org.javapxeboot.xman.text.Escape;
import org.javapxeboot.xman.vm.VmControl.DomainInfo;
import org.javapxeboot.xman.wire.DomainMetadata;

/**
 * The state view with a job source: METACentrum's seven states from {@link StateRules}, the batch
 * system's nodes read once per poll ({@link #refresh}), the priorities from the domains' metadata.
 * When the source fails, the rows show libvirt's states and the note under the legend says why,
 * until a later read succeeds.
 */
public final class BatchStates implements StateView {
    private final JobSource source;
    private volatile NodeIndex nodes;
    private volatile String problem = "not read yet";

    public BatchStates(JobSource source) {
        this.source = source;
    }

    @Override
    public void refresh() {
        try {
            nodes = NodeIndex.of(source.nodes());
            problem = null;
        } catch (JobSourceException | RuntimeException e) {
            nodes = null;
            problem = Escape.line(e.getMessage());
        }
    }

    @Override
    public String label(String host, DomainInfo domain, Map<String, DomainMetadata> metadata, List<DomainInfo> siblings) {
        NodeIndex index = nodes;
        if (index == null) {
            return State.of(domain.state()).label();
        }
        List<StateRules.Domain> others = new ArrayList<>();
        for (DomainInfo s : siblings) {
            if (!s.name().equals(domain.name())) {
                others.add(ruled(s, metadata));
            }
        }
        return StateRules.classify(ruled(domain, metadata), others, index).state().label();
    }

    private static StateRules.Domain ruled(DomainInfo d, Map<String, DomainMetadata> metadata) {
        return new StateRules.Domain(d.name(), d.state(), metadata.getOrDefault(d.name(), DomainMetadata.NONE).priority());
    }

    @Override
    public List<Legend> legend() {
        List<Legend> l = new ArrayList<>();
        for (State s : State.BATCH) {
            l.add(new Legend(s.label(), s.legend()));
        }
        // Rows the batch system says nothing about show libvirt's state (StateRules rows 3-5 and 12).
        for (State s : State.LIBVIRT) {
            if (!s.label().equals(State.RUNNING.label())) {
                l.add(new Legend(s.label(), s.legend()));
            }
        }
        return l;
    }

    @Override
    public String note() {
        String p = problem;
        return p == null ? "States from the batch system (" + source.describe() + ") and libvirt."
                : "The job source (" + source.describe() + ") gave no answer: " + p + "; the states are libvirt's.";
    }

    @Override
    public boolean needsMetadata() {
        return true;
    }
}
