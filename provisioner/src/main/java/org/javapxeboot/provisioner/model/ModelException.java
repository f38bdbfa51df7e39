package org.javapxeboot.provisioner.model;

import java.util.List;
import java.util.stream.Collectors;

/** The input is invalid; carries every problem found, one per line in {@link #getMessage()}. */
public class ModelException extends Exception {
    private final List<Problem> problems;

    public ModelException(List<Problem> problems) {
        super(problems.stream().map(Problem::toString).collect(Collectors.joining("\n")));
        this.problems = List.copyOf(problems);
    }

    public ModelException(Location where, String message) {
        this(List.of(new Problem(where, Problem.Severity.ERROR, message)));
    }

    public List<Problem> problems() {
        return problems;
    }
}
