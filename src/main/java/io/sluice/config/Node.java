package io.sluice.config;

import java.util.List;
import java.util.Map;

/**
 * A parsed YAML value that remembers its line. Jackson's own tree model drops locations, and every
 * problem we report must name a line.
 */
sealed interface Node permits Node.Scalar, Node.Sequence, Node.Mapping {

    /** 1-based line where the value starts. */
    int line();

    /** For messages like {@code expected a number, got a list}. */
    String describe();

    /** A plain or quoted scalar; {@code text} is {@code null} for YAML null (an empty value). */
    record Scalar(int line, String text) implements Node {
        @Override
        public String describe() {
            return text == null ? "nothing" : "\"" + text + "\"";
        }
    }

    record Sequence(int line, List<Node> items) implements Node {
        @Override
        public String describe() {
            return "a list";
        }
    }

    /** Entries in file order. */
    record Mapping(int line, Map<String, Entry> entries) implements Node {
        @Override
        public String describe() {
            return "a mapping";
        }

        Entry entry(String key) {
            return entries.get(key);
        }
    }

    record Entry(String key, int keyLine, Node value) {
    }

    static String child(String path, String key) {
        return path.isEmpty() ? key : path + "." + key;
    }

    static String index(String path, int i) {
        return path + "[" + i + "]";
    }
}
