package org.javapxeboot.provisioner.plan;

import java.util.List;

/** Planning or applying could not go on; the message lists every reason, one per line. */
public class ProvisionException extends Exception {
    private final List<String> reasons;

    public ProvisionException(List<String> reasons) {
        super(String.join("\n", reasons));
        this.reasons = List.copyOf(reasons);
    }

    public List<String> reasons() {
        return reasons;
    }
}
