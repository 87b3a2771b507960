package io.sluice.config;

import io.sluice.config.Node.Mapping;
import io.sluice.config.Node.Scalar;
import io.sluice.config.Node.Sequence;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.function.BiFunction;
import java.util.function.Function;
import java.util.regex.Pattern;

/**
 * Reads typed values and structure out of a {@link Node} tree for the section readers ({@link ConfigReader},
 * {@link RouteReader}, {@link ClusterReader}). Every method reports its own problems, with the key path and the
 * line, and returns the default (or {@code null}) on error, so that the rest of the file is still checked.
 */
final class ValueReader {
    private static final Pattern NAME = Pattern.compile("[A-Za-z0-9_.-]+");
    private static final Pattern DECIMAL = Pattern.compile("\\d{1,9}(\\.\\d{1,9})?");

    private final Problems problems;

    ValueReader(Problems problems) {
        this.problems = problems;
    }

    void problem(int line, String path, String message) {
        problems.add(line, path, message);
    }

    /**
     * Problems reported so far; a section reader compares counts before and after reading a value to skip a cross
     * check that would only repeat its problem against the default put in its place.
     */
    int problemCount() {
        return problems.count();
    }

    // ---- typed values

    /** A listener or cluster name; {@code seen} maps names to their first line, to report duplicates. */
    String name(Mapping m, String path, String kind, Map<String, Integer> seen) {
        Scalar s = scalar(m, path, "name", true, "a string");
        if (s == null) {
            return null;
        }
        String where = Node.child(path, "name");
        if (!NAME.matcher(s.text()).matches()) {
            problem(s.line(), where,
                    "bad name \"" + s.text() + "\" (allowed: letters, digits and the characters _ . -)");
        }
        Integer first = seen.putIfAbsent(s.text(), s.line());
        if (first != null) {
            problem(s.line(), where, "duplicate " + kind + " name \"" + s.text() + "\" (first at line " + first + ")");
        }
        return s.text();
    }

    /** A name that must be one of {@code known}, such as the cluster of a route. */
    String reference(Mapping m, String path, String key, Set<String> known, String kind) {
        Scalar s = scalar(m, path, key, true, "a string");
        if (s == null) {
            return null;
        }
        if (!known.contains(s.text())) {
            problem(s.line(), Node.child(path, key), "unknown " + kind + " \"" + s.text() + "\"");
        }
        return s.text();
    }

    HostPort address(Mapping m, String path, String key, boolean required) {
        Scalar s = scalar(m, path, key, required, "a string");
        return s == null ? null : parsed(s, Node.child(path, key), Addresses::parse, null);
    }

    int integer(Mapping m, String path, String key, int defaultValue, int min, int max) {
        Scalar s = scalar(m, path, key, false, "a number");
        if (s == null) {
            return defaultValue;
        }
        long value;
        try {
            value = Long.parseLong(s.text());
        } catch (NumberFormatException e) {
            problem(s.line(), Node.child(path, key), "expected a number, got " + s.describe());
            return defaultValue;
        }
        if (value < min || value > max) {
            String range = max == Integer.MAX_VALUE ? "at least " + min : min + ".." + max;
            problem(s.line(), Node.child(path, key), "out of range: " + value + " (must be " + range + ")");
            return defaultValue;
        }
        return (int) value;
    }

    /** A decimal such as {@code 0.2}; no exponent, sign, NaN or infinity. */
    double decimal(Mapping m, String path, String key, double defaultValue, double min, double max) {
        Scalar s = scalar(m, path, key, false, "a number");
        if (s == null) {
            return defaultValue;
        }
        if (!DECIMAL.matcher(s.text()).matches()) {
            problem(s.line(), Node.child(path, key), "expected a decimal number such as 0.2, got " + s.describe());
            return defaultValue;
        }
        double value = Double.parseDouble(s.text());
        if (value < min || value > max) {
            problem(s.line(), Node.child(path, key), "out of range: " + s.text() + " (must be "
                    + plain(min) + ".." + plain(max) + ")");
            return defaultValue;
        }
        return value;
    }

    /** A duration greater than 0. */
    Duration duration(Mapping m, String path, String key, Duration defaultValue) {
        Scalar s = scalar(m, path, key, false, "a string");
        return s == null ? defaultValue : parsed(s, Node.child(path, key), Durations::parse, defaultValue);
    }

    /** A duration that may be 0, written {@code 0} or with a unit. */
    Duration durationOrZero(Mapping m, String path, String key, Duration defaultValue) {
        Scalar s = scalar(m, path, key, false, "a string");
        return s == null ? defaultValue : parsed(s, Node.child(path, key), Durations::parseOrZero, defaultValue);
    }

    /**
     * A directory, taken as written: a relative one is relative to the working directory at start-up, and whether it
     * exists or can be written is not checked, so that {@code sluice check} gives the same answer on any machine.
     */
    Path directory(Mapping m, String path, String key, Path defaultValue) {
        Scalar s = scalar(m, path, key, false, "a string");
        if (s == null) {
            return defaultValue;
        }
        return parsed(s, Node.child(path, key), text -> {
            if (text.isBlank()) {
                throw new IllegalArgumentException("expected a directory, got \"" + text + "\"");
            }
            try {
                return Path.of(text);
            } catch (InvalidPathException e) {
                // The text is left out: what makes a path invalid (a NUL on Unix) does not print.
                throw new IllegalArgumentException("bad directory (" + e.getReason() + ")");
            }
        }, defaultValue);
    }

    int size(Mapping m, String path, String key, int defaultValue, int min, int max) {
        return (int) longSize(m, path, key, defaultValue, min, max);
    }

    /** A size that may exceed 2GiB, such as a memory budget. */
    long longSize(Mapping m, String path, String key, long defaultValue, long min, long max) {
        Scalar s = scalar(m, path, key, false, "a string");
        if (s == null) {
            return defaultValue;
        }
        Long value = parsed(s, Node.child(path, key), Sizes::parse, null);
        if (value == null) {
            return defaultValue;
        }
        if (value < min || value > max) {
            problem(s.line(), Node.child(path, key), "out of range: " + s.text() + " (must be "
                    + Sizes.format(min) + ".." + Sizes.format(max) + ")");
            return defaultValue;
        }
        return value;
    }

    /**
     * A rate, written {@code 100/s} (the burst is then a unit's worth) or {@code { rate: 100/s, burst: 20 }};
     * {@code null} when absent.
     */
    RateLimit rate(Mapping m, String path, String key) {
        Node.Entry entry = m.entry(key);
        if (entry == null) {
            return null;
        }
        String where = Node.child(path, key);
        if (entry.value() instanceof Scalar) {
            Scalar s = scalar(m, path, key, true, "a rate such as 100/s");
            return s == null ? null : parsed(s, where, RateLimit::parse, null);
        }
        Mapping rate = asMapping(entry.value(), where);
        if (rate == null) {
            return null;
        }
        checkKeys(rate, where, "rate", "burst");
        Scalar s = scalar(rate, where, "rate", true, "a rate such as 100/s");
        RateLimit limit = s == null ? null : parsed(s, Node.child(where, "rate"), RateLimit::parse, null);
        int burst = integer(rate, where, "burst", 0, 1, 1_000_000_000);
        if (limit == null || burst == 0) {
            return limit;
        }
        return new RateLimit(limit.count(), limit.unitSeconds(), burst);
    }

    /**
     * {@code true} or {@code false}, in lower case. The YAML parser also takes {@code yes}, {@code on} or
     * {@code True} for booleans; one spelling keeps a file unambiguous to readers who know other YAML rules.
     */
    boolean bool(Mapping m, String path, String key, boolean defaultValue) {
        Scalar s = scalar(m, path, key, false, "true or false");
        if (s == null) {
            return defaultValue;
        }
        return switch (s.text()) {
            case "true" -> true;
            case "false" -> false;
            default -> {
                problem(s.line(), Node.child(path, key), "expected true or false, got " + s.describe());
                yield defaultValue;
            }
        };
    }

    /** Matches the lower-case YAML spelling ({@code round_robin}) to the constant ({@code ROUND_ROBIN}). */
    <E extends Enum<E>> E choice(Mapping m, String path, String key, E defaultValue, Class<E> type) {
        Scalar s = scalar(m, path, key, false, "a string");
        if (s == null) {
            return defaultValue;
        }
        List<String> allowed = new ArrayList<>();
        for (E constant : type.getEnumConstants()) {
            String spelling = constant.name().toLowerCase(Locale.ROOT);
            if (spelling.equals(s.text())) {
                return constant;
            }
            allowed.add(spelling);
        }
        problem(s.line(), Node.child(path, key),
                "unknown value \"" + s.text() + "\" (expected " + String.join(", ", allowed) + ")");
        return defaultValue;
    }

    /**
     * {@code parser} applied to the scalar's text; a parser's {@link IllegalArgumentException} carries the message
     * for the user, reported at {@code path}.
     */
    <T> T parsed(Scalar s, String path, Function<String, T> parser, T defaultValue) {
        try {
            return parser.apply(s.text());
        } catch (IllegalArgumentException e) {
            problem(s.line(), path, e.getMessage());
            return defaultValue;
        }
    }

    /** {@code 1} rather than {@code 1.0} in messages. */
    private static String plain(double d) {
        return d == Math.rint(d) ? Long.toString((long) d) : Double.toString(d);
    }

    // ---- structure

    /**
     * The non-null scalar under {@code key}, or {@code null} when it is absent, empty or not a scalar; only the
     * last two are problems, and absence only when {@code required}.
     */
    Scalar scalar(Mapping m, String path, String key, boolean required, String expected) {
        Node.Entry entry = m.entry(key);
        if (entry == null) {
            if (required) {
                problem(m.line(), path, "missing required key \"" + key + "\"");
            }
            return null;
        }
        if (entry.value() instanceof Scalar s) {
            if (s.text() != null) {
                return s;
            }
            if (required) {
                problem(entry.keyLine(), Node.child(path, key), "expected " + expected + ", got nothing");
            }
            return null;
        }
        problem(entry.value().line(), Node.child(path, key),
                "expected " + expected + ", got " + entry.value().describe());
        return null;
    }

    /** A list item or mapping value that must be a non-empty scalar; {@code null} (reported) otherwise. */
    Scalar asScalar(Node node, String path, String expected) {
        if (node instanceof Scalar s && s.text() != null) {
            return s;
        }
        problem(node.line(), path, "expected " + expected + ", got " + node.describe());
        return null;
    }

    /** The mapping under {@code key}; an empty value counts as an empty mapping, absence as {@code null}. */
    Mapping mapping(Mapping m, String path, String key) {
        Node.Entry entry = m.entry(key);
        if (entry == null) {
            return null;
        }
        if (entry.value() instanceof Scalar s && s.text() == null) {
            return new Mapping(entry.keyLine(), Map.of());
        }
        return asMapping(entry.value(), Node.child(path, key));
    }

    Mapping asMapping(Node node, String path) {
        if (node instanceof Mapping m) {
            return m;
        }
        problem(node.line(), path, "expected a mapping, got " + node.describe());
        return null;
    }

    /** Items that have problems are left out; the caller only uses the list when there are no problems. */
    <T> List<T> list(Mapping m, String path, String key, boolean required, String itemKind,
                     BiFunction<Node, String, T> item) {
        Node.Entry entry = m.entry(key);
        String where = Node.child(path, key);
        if (entry == null) {
            if (required) {
                problem(m.line(), path, "missing required key \"" + key + "\"");
            }
            return List.of();
        }
        List<Node> items;
        if (entry.value() instanceof Sequence seq) {
            items = seq.items();
        } else if (entry.value() instanceof Scalar s && s.text() == null) {
            items = List.of();
        } else {
            problem(entry.value().line(), where, "expected a list, got " + entry.value().describe());
            return List.of();
        }
        if (required && items.isEmpty()) {
            problem(entry.keyLine(), where, "at least one " + itemKind + " is required");
        }
        List<T> result = new ArrayList<>();
        for (int i = 0; i < items.size(); i++) {
            T value = item.apply(items.get(i), Node.index(where, i));
            if (value != null) {
                result.add(value);
            }
        }
        return result;
    }

    void checkKeys(Mapping m, String path, String... allowed) {
        List<String> allowedKeys = List.of(allowed);
        for (Node.Entry entry : m.entries().values()) {
            if (!allowedKeys.contains(entry.key())) {
                problem(entry.keyLine(), Node.child(path, entry.key()),
                        "unknown key \"" + entry.key() + "\" (allowed: " + String.join(", ", allowedKeys) + ")");
            }
        }
    }
}
