package org.javapxeboot.xman.portal.fleet;

import org.javapxeboot.xman.vm.VmControl.DomainInfo;
import org.javapxeboot.xman.vm.VmControl.DomainState;
import org.javapxeboot.xman.wire.DomainMetadata;

import java.util.ArrayList;
import java.util.List;

/** The state view without a job source: libvirt's state, in the words virsh uses. */
public final class LibvirtStates implements StateView {
    public static final String NOTE = "No job source is configured: the states are libvirt's.";

    public static String word(DomainState s) {
        switch (s) {
            case SHUTOFF: return "shut off";
            case NOSTATE: return "no state";
            default: return s.name().toLowerCase();
        }
    }

    @Override
    public String label(String host, DomainInfo domain, DomainMetadata metadata, List<DomainInfo> siblings) {
        return word(domain.state());
    }

    @Override
    public List<Legend> legend() {
        List<Legend> l = new ArrayList<>();
        for (DomainState s : DomainState.values()) l.add(new Legend(word(s), meaning(s)));
        return l;
    }

    private static String meaning(DomainState s) {
        switch (s) {
            case RUNNING: return "the domain runs";
            case BLOCKED: return "the domain waits for a resource (I/O)";
            case PAUSED: return "the domain is paused by the administrator";
            case SHUTDOWN: return "the domain is shutting down";
            case SHUTOFF: return "the domain is defined but not running";
            case CRASHED: return "the domain crashed";
            case PMSUSPENDED: return "the domain is suspended by its power management";
            default: return "libvirt reports no state";
        }
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
