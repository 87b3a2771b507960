package io.sluice.cache;

import java.util.List;

/**
 * A header field as received: its name as spelt and its value without the surrounding whitespace.
 *
 * @param name  the name, in the case it was sent
 * @param value the value (ISO-8859-1 text)
 */
public record Field(String name, String value) {
    public boolean is(String name) {
        return this.name.equalsIgnoreCase(name);
    }

    /** The values of every {@code name} field of {@code fields}, joined with ", " (RFC 9110 §5.3); {@code null}: none. */
    public static String joined(List<Field> fields, String name) {
        String joined = null;
        for (Field f : fields) {
            if (f.is(name)) {
                joined = joined == null ? f.value : joined + ", " + f.value;
            }
        }
        return joined;
    }

    /** The value of the first {@code name} field, or {@code null}. */
    public static String first(List<Field> fields, String name) {
        for (Field f : fields) {
            if (f.is(name)) {
                return f.value;
            }
        }
        return null;
    }
}
