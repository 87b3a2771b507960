package io.sluice.config;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A text with {@code {name}} variables filled from the request (a redirect's {@code to}, a direct response's body
 * and header values), split once at load time into literal and variable parts so that answering a request only
 * copies. Only a brace around a lower-case name is a variable: any other brace is literal, so a JSON body needs no
 * escaping.
 */
public record Template(List<Part> parts) {
    /** What the request gives a template. */
    public enum Variable {
        /** The host the request was routed on (absolute-form authority, else Host): lower case, no port. */
        HOST,
        /** The path as received, without the query. */
        PATH,
        /** The path after the route's {@code path_prefix}. */
        PATH_AFTER_PREFIX,
        /** {@code ?} and the query, or nothing. */
        QUERY,
        /** The whole request-target as received. */
        TARGET,
        /** The request method. */
        METHOD;

        /** The name written between braces. */
        public String key() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    /** A literal text ({@code variable == null}) or a variable. */
    public record Part(String literal, Variable variable) {
    }

    private static final Pattern VARIABLE = Pattern.compile("\\{([a-z_]+)}");

    public Template {
        parts = List.copyOf(parts);
    }

    /**
     * Splits {@code text} into parts.
     *
     * @throws IllegalArgumentException naming the first unknown variable
     */
    static Template parse(String text) {
        List<Part> parts = new ArrayList<>();
        Matcher m = VARIABLE.matcher(text);
        int from = 0;
        while (m.find()) {
            Variable v = variable(m.group(1));
            if (m.start() > from) {
                parts.add(new Part(text.substring(from, m.start()), null));
            }
            parts.add(new Part(null, v));
            from = m.end();
        }
        if (from < text.length()) {
            parts.add(new Part(text.substring(from), null));
        }
        return new Template(parts);
    }

    private static Variable variable(String key) {
        for (Variable v : Variable.values()) {
            if (v.key().equals(key)) {
                return v;
            }
        }
        List<String> known = new ArrayList<>();
        for (Variable v : Variable.values()) {
            known.add("{" + v.key() + "}");
        }
        throw new IllegalArgumentException("unknown template variable {" + key + "} (known: "
                + String.join(", ", known) + ")");
    }

    /** Whether the template uses {@code v}. */
    public boolean uses(Variable v) {
        return parts.stream().anyMatch(p -> p.variable() == v);
    }

    /** Whether the template is one literal text, or empty. */
    public boolean isLiteral() {
        return parts.stream().allMatch(p -> p.variable() == null);
    }
}
