package io.sluice.config;

import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Parses byte sizes such as {@code 512}, {@code 512B}, {@code 64KiB}, {@code 1MiB}, {@code 1TiB}. */
final class Sizes {
    // Binary units only: "KB" would leave readers guessing between 1000 and 1024.
    private static final Pattern SIZE = Pattern.compile("(\\d{1,12})(B|KiB|MiB|GiB|TiB)?");
    private static final long KIB = 1024;
    private static final long MIB = 1024 * KIB;
    private static final long GIB = 1024 * MIB;
    private static final long TIB = 1024 * GIB;

    private Sizes() {
    }

    /** @throws IllegalArgumentException with the message to show the user */
    static long parse(String text) {
        Matcher m = SIZE.matcher(text);
        if (!m.matches()) {
            throw new IllegalArgumentException("bad size \"" + text + "\" (expected e.g. 512, 64KiB, 1MiB)");
        }
        long n = Long.parseLong(m.group(1));
        String unit = m.group(2) == null ? "B" : m.group(2);
        long factor = switch (unit) {
            case "KiB" -> KIB;
            case "MiB" -> MIB;
            case "GiB" -> GIB;
            case "TiB" -> TIB;
            default -> 1;
        };
        try {
            return Math.multiplyExact(n, factor);
        } catch (ArithmeticException e) {
            throw new IllegalArgumentException("bad size \"" + text + "\" (too large)");
        }
    }

    /** The shortest exact spelling, for messages: {@code 1MiB}, {@code 8KiB}, {@code 300B}. */
    static String format(long bytes) {
        if (bytes != 0 && bytes % TIB == 0) {
            return bytes / TIB + "TiB";
        }
        if (bytes != 0 && bytes % GIB == 0) {
            return bytes / GIB + "GiB";
        }
        if (bytes != 0 && bytes % MIB == 0) {
            return bytes / MIB + "MiB";
        }
        if (bytes != 0 && bytes % KIB == 0) {
            return bytes / KIB + "KiB";
        }
        return bytes + "B";
    }
}
