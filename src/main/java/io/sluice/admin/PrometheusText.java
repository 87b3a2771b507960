package io.sluice.admin;

import java.math.BigDecimal;
import java.util.HashSet;
import java.util.Locale;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * Writes the Prometheus text exposition format, version 0.0.4. A family is opened with its HELP and TYPE lines and
 * its samples follow; opening the next family closes it. A family cannot be opened twice, so each family's samples
 * stay together and no family is repeated: the two mistakes a scraper rejects or silently mangles.
 *
 * <p>Labels are passed as alternating names and values ({@code "cluster", "web", "server", "127.0.0.1:9001"}).
 * Names (of families and labels) are the code's own constants and are checked; values come from the configuration
 * and are escaped.
 */
final class PrometheusText {
    /** The Content-Type of this format. */
    static final String CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8";

    private static final Pattern SNAKE_CASE = Pattern.compile("[a-z_][a-z0-9_]*");
    private static final BigDecimal MILLIS_PER_SECOND = BigDecimal.valueOf(1000);

    /** Metric types this writer produces. */
    enum Type {
        COUNTER, GAUGE, HISTOGRAM;

        String key() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    private final StringBuilder out;
    private final Set<String> written = new HashSet<>();
    private String family;
    private Type type;

    PrometheusText(StringBuilder out) {
        this.out = out;
    }

    /**
     * Starts a family: writes its HELP and TYPE lines. Counter names must end in {@code _total}, and only counters'
     * may; a name already written is a bug of the caller.
     */
    PrometheusText family(String name, Type type, String help) {
        if (!SNAKE_CASE.matcher(name).matches()) {
            throw new IllegalArgumentException("metric name: " + name + " (expected: snake_case)");
        }
        if ((type == Type.COUNTER) != name.endsWith("_total")) {
            throw new IllegalArgumentException("metric name: " + name
                    + " (expected: counters, and only counters, end in _total)");
        }
        if (!written.add(name)) {
            throw new IllegalStateException("metric family written twice: " + name);
        }
        family = name;
        this.type = type;
        out.append("# HELP ").append(name).append(' ');
        escape(help, false);
        out.append("\n# TYPE ").append(name).append(' ').append(type.key()).append('\n');
        return this;
    }

    /** A sample of the current counter or gauge family. */
    PrometheusText sample(long value, String... labels) {
        requireType(Type.COUNTER, Type.GAUGE);
        line("", labels, null, null).append(value).append('\n');
        return this;
    }

    /** A sample of the current counter or gauge family. */
    PrometheusText sample(double value, String... labels) {
        requireType(Type.COUNTER, Type.GAUGE);
        line("", labels, null, null);
        number(value).append('\n');
        return this;
    }

    /**
     * One series of the current histogram family: a cumulative {@code _bucket} per bound, {@code le="+Inf"},
     * {@code _sum} and {@code _count}. Bounds and sum are given in milliseconds (what the proxy measures) and written
     * in seconds (the base unit the family's name says).
     *
     * @param boundsMillis upper bounds, ascending
     * @param counts       observations per bucket, not cumulative: {@code counts[i]} fell at or below
     *                     {@code boundsMillis[i]} and above the bound before; the last, one more than the bounds, above
     *                     every bound
     * @param sumMillis    sum of all observations
     */
    PrometheusText histogram(double[] boundsMillis, long[] counts, double sumMillis, String... labels) {
        requireType(Type.HISTOGRAM);
        if (counts.length != boundsMillis.length + 1) {
            throw new IllegalArgumentException("counts: " + counts.length + " (expected: bounds + 1 = "
                    + (boundsMillis.length + 1) + ")");
        }
        long cumulative = 0;
        for (int i = 0; i < boundsMillis.length; i++) {
            if (i > 0 && boundsMillis[i] <= boundsMillis[i - 1]) {
                throw new IllegalArgumentException("bounds: " + boundsMillis[i] + " after " + boundsMillis[i - 1]
                        + " (expected: ascending)");
            }
            cumulative += counts[i];
            line("_bucket", labels, "le", seconds(boundsMillis[i])).append(cumulative).append('\n');
        }
        cumulative += counts[boundsMillis.length];
        line("_bucket", labels, "le", "+Inf").append(cumulative).append('\n');
        line("_sum", labels, null, null);
        number(sumMillis / 1000).append('\n');
        line("_count", labels, null, null).append(cumulative).append('\n');
        return this;
    }

    /** A bound in milliseconds as seconds, in its shortest exact decimal form (2.5 ms: "0.0025", 10 s: "10"). */
    private static String seconds(double millis) {
        return BigDecimal.valueOf(millis).divide(MILLIS_PER_SECOND).stripTrailingZeros().toPlainString();
    }

    private void requireType(Type... allowed) {
        if (family == null) {
            throw new IllegalStateException("sample before any family");
        }
        for (Type t : allowed) {
            if (t == type) {
                return;
            }
        }
        throw new IllegalStateException("wrong kind of sample for " + type.key() + " family " + family);
    }

    /** Writes {@code name{labels,extra="value"} } and returns the builder for the value. */
    private StringBuilder line(String suffix, String[] labels, String extraName, String extraValue) {
        if (labels.length % 2 != 0) {
            throw new IllegalArgumentException("labels: " + labels.length + " strings (expected: name, value pairs)");
        }
        out.append(family).append(suffix);
        if (labels.length > 0 || extraName != null) {
            char separator = '{';
            for (int i = 0; i < labels.length; i += 2) {
                label(separator, labels[i], labels[i + 1]);
                separator = ',';
            }
            if (extraName != null) {
                label(separator, extraName, extraValue);
            }
            out.append('}');
        }
        return out.append(' ');
    }

    private void label(char separator, String name, String value) {
        if (!SNAKE_CASE.matcher(name).matches()) {
            throw new IllegalArgumentException("label name: " + name + " (expected: snake_case)");
        }
        out.append(separator).append(name).append("=\"");
        escape(value, true);
        out.append('"');
    }

    /** Backslash and newline are escaped in HELP text and label values; the double quote in label values only. */
    private void escape(String s, boolean quote) {
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '\\' -> out.append("\\\\");
                case '\n' -> out.append("\\n");
                case '"' -> out.append(quote ? "\\\"" : "\"");
                default -> out.append(c);
            }
        }
    }

    private StringBuilder number(double value) {
        if (Double.isNaN(value)) {
            return out.append("NaN");
        }
        if (Double.isInfinite(value)) {
            return out.append(value > 0 ? "+Inf" : "-Inf");
        }
        if (value == Math.rint(value) && Math.abs(value) < 1e15) {
            return out.append((long) value); // 3, not 3.0
        }
        return out.append(BigDecimal.valueOf(value).toPlainString()); // 1730000000.5, not 1.7300000005E9
    }
}
