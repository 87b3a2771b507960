package io.sluice.config;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The access log: one line per HTTP exchange and per TCP session (docs/operations.md, "Access log").
 *
 * @param path     the file lines are appended to; {@code null}: standard output ({@code path: stdout})
 * @param template the parts of a template format; {@code null}: JSON lines (the default, {@code format: json})
 * @param queue    lines waiting for the writer (default 16384); beyond it lines are dropped and counted
 */
public record AccessLogConfig(Path path, List<Part> template, int queue) {
    public static final int DEFAULT_QUEUE = 16384;
    public static final int MIN_QUEUE = 16;
    public static final int MAX_QUEUE = 1 << 24;

    /** The fields of a line, in the order of a JSON line; a template names them as {@code %name}. */
    public static final List<String> FIELDS = List.of("time", "listener", "client", "method", "target", "host",
            "protocol", "status", "bytes_in", "bytes_out", "route", "server", "reused", "retries", "queue_ms",
            "connect_ms", "first_byte_ms", "total_ms", "term", "cache");

    public AccessLogConfig {
        template = template == null ? null : List.copyOf(template);
    }

    /** One piece of a template: literal text, or the value of a field; exactly one of the two is non-null. */
    public record Part(String literal, String field) {
    }

    /**
     * Splits a template into its parts: {@code %name} is the value of field {@code name} (the longest run of
     * lower-case letters and underscores), {@code %%} a literal {@code %}, anything else literal text.
     *
     * @throws IllegalArgumentException naming the first unknown field or stray {@code %}
     */
    public static List<Part> parseTemplate(String template) {
        List<Part> parts = new ArrayList<>();
        StringBuilder literal = new StringBuilder();
        int i = 0;
        while (i < template.length()) {
            char c = template.charAt(i++);
            if (c != '%') {
                literal.append(c);
                continue;
            }
            if (i < template.length() && template.charAt(i) == '%') {
                literal.append('%');
                i++;
                continue;
            }
            int from = i;
            while (i < template.length() && (Character.isLowerCase(template.charAt(i)) && template.charAt(i) < 128
                    || template.charAt(i) == '_')) {
                i++;
            }
            String name = template.substring(from, i);
            if (name.isEmpty()) {
                throw new IllegalArgumentException("a lone \"%\" at position " + (from - 1)
                        + " (write %% for a percent sign, or %name for a field)");
            }
            if (!FIELDS.contains(name)) {
                throw new IllegalArgumentException("unknown field %" + name + " (known: " + String.join(", ", FIELDS)
                        + ")");
            }
            if (!literal.isEmpty()) {
                parts.add(new Part(literal.toString(), null));
                literal.setLength(0);
            }
            parts.add(new Part(null, name));
        }
        if (!literal.isEmpty()) {
            parts.add(new Part(literal.toString(), null));
        }
        if (parts.stream().noneMatch(p -> p.field() != null)) {
            throw new IllegalArgumentException("a template names at least one field, such as %status");
        }
        return parts;
    }
}
