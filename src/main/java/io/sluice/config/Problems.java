package io.sluice.config;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/** Collects problems of one file, so that a user fixes them all in one round instead of one per run. */
final class Problems {
    private final String source;
    private final List<ConfigProblem> list = new ArrayList<>();

    Problems(String source) {
        this.source = source;
    }

    void add(int line, String path, String message) {
        list.add(new ConfigProblem(source, line, path, message));
    }

    boolean isEmpty() {
        return list.isEmpty();
    }

    /** How many problems so far; a reader compares counts to know whether a value it just read was good. */
    int count() {
        return list.size();
    }

    void clear() {
        list.clear();
    }

    /** By line; the sort is stable, so problems on one line keep the order they were found in. */
    List<ConfigProblem> sorted() {
        List<ConfigProblem> copy = new ArrayList<>(list);
        copy.sort(Comparator.comparingInt(ConfigProblem::line));
        return copy;
    }
}
