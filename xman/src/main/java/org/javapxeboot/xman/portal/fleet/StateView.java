package org.javapxeboot.xman.portal.fleet;

import org.javapxeboot.xman.vm.VmControl.DomainInfo;
import org.javapxeboot.xman.wire.DomainMetadata;

import java.util.List;

/**
 * The seam where the state rules plug in: turns what a host's xmand reported into the label the
 * overview shows, and says what the legend explains. {@link LibvirtStates} shows libvirt's own
 * state; the seven METACentrum states (free ... frozen), which also need the batch system's view
 * of the node, come from an implementation built on the state rules.
 */
public interface StateView {
    /** One legend line: a state and what it means. */
    record Legend(String state, String meaning) {}

    /**
     * The label of {@code domain} on {@code host}. {@code siblings} are all domains of that host
     * (the METACentrum states depend on what the other domain does); {@code metadata} is the
     * domain's {@code <metadata>} (DomainMetadata.NONE when not read).
     */
    String label(String host, DomainInfo domain, DomainMetadata metadata, List<DomainInfo> siblings);

    /** The states the legend lists, in the legend's order. */
    List<Legend> legend();

    /** A sentence under the legend, e.g. that no job source is configured; null for none. */
    String note();

    /** True if {@link #label} needs the domains' metadata: the poller then also calls describe. */
    boolean needsMetadata();
}
