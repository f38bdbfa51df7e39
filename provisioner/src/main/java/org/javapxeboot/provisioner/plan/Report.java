package org.javapxeboot.provisioner.plan;

import java.util.List;

/** The outcome of {@link Provisioner#apply()}: every step done, and every guest that failed with why. */
public record Report(List<Action> done, List<String> failures, Provisioner.Plan plan) {
    public boolean ok() {
        return failures.isEmpty();
    }
}
