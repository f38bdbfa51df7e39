package org.javapxeboot.xman.portal.fleet;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.javapxeboot.xman.portal.state.State;
import org.javapxeboot.xman.vm.VmControl.DomainInfo;
import org.javapxeboot.xman.vm.VmControl.DomainState;
import org.javapxeboot.xman.wire.DomainMetadata;

/** The state view without a job source: libvirt's state, in the words virsh uses ({@link State#LIBVIRT}). */
public final class LibvirtStates implements StateView {
    public static final String NOTE = "No job source is configured: the states are libvirt's.";

    public static String word(DomainState s) {
        return State.of(s).label();
    }

    @Override
    public String label(String host, DomainInfo domain, Map<String, DomainMetadata> metadata, List<DomainInfo> siblings) {
        return word(domain.state());
    }

    @Override
    public List<Legend> legend() {
        List<Legend> l = new ArrayList<>();
        for (State s : State.LIBVIRT) {
            l.add(new Legend(s.label(), s.legend()));
        }
        return l;
    }

    @Override
    public String note() {
        return NOTE;
    }

    @Override
    public boolean needsMetadata() {
        return false;
    }
}
