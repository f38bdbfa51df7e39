package org.javapxeboot.provisioner.model;

import java.util.ArrayList;
import java.util.List;

/**
 * Collects findings so that every error is reported at once. Bounded (like jsoup's parse error
 * list) so that a hostile file cannot make the report itself huge: past {@link #MAX} errors the
 * rest are counted, not kept.
 */
public final class Problems {
    public static final int MAX = 200;

    private final List<Problem> list = new ArrayList<>();
    private int errors;
    private int dropped;

    public void error(Location where, String message) {
        errors++;
        add(new Problem(where, Problem.Severity.ERROR, message));
    }

    public void warning(Location where, String message) {
        add(new Problem(where, Problem.Severity.WARNING, message));
    }

    private void add(Problem p) {
        if (list.size() < MAX) {
            list.add(p);
        } else {
            dropped++;
        }
    }

    public boolean hasErrors() {
        return errors > 0;
    }

    public int errorCount() {
        return errors;
    }

    /** The findings in the order found, then a line saying how many were left out, if any. */
    public List<Problem> all() {
        List<Problem> out = new ArrayList<>(list);
        if (dropped > 0) {
            out.add(new Problem(Location.BUILTIN, Problem.Severity.ERROR, dropped + " more problems not shown"));
        }
        return out;
    }

    public List<Problem> errors() {
        return all().stream().filter(Problem::isError).toList();
    }

    public List<Problem> warnings() {
        return list.stream().filter(p -> !p.isError()).toList();
    }

    /** Throws {@link ModelException} carrying everything found, if anything was an error. */
    public void throwIfErrors() throws ModelException {
        if (hasErrors()) {
            throw new ModelException(all());
        }
    }
}
