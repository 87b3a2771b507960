package io.sluice.config;

import java.time.Duration;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Parses durations such as {@code 250ms}, {@code 5s}, {@code 2m}, {@code 1h}. */
final class Durations {
    // A unit is mandatory: a bare "30" is ambiguous between seconds and milliseconds.
    private static final Pattern DURATION = Pattern.compile("(\\d{1,12})(ms|s|m|h)");
    /** Longer timeouts are almost surely a typo, and bounding them keeps nanosecond arithmetic safe downstream. */
    static final Duration MAX = Duration.ofDays(1);

    private Durations() {
    }

    /**
     * A duration greater than 0.
     *
     * @throws IllegalArgumentException with the message to show the user
     */
    static Duration parse(String text) {
        Matcher m = DURATION.matcher(text);
        if (!m.matches()) {
            throw new IllegalArgumentException("bad duration \"" + text + "\" (expected e.g. 250ms, 5s, 2m)");
        }
        long n = Long.parseLong(m.group(1));
        Duration d = switch (m.group(2)) {
            case "ms" -> Duration.ofMillis(n);
            case "s" -> Duration.ofSeconds(n);
            case "m" -> Duration.ofMinutes(n);
            default -> Duration.ofHours(n);
        };
        if (d.isZero()) {
            throw new IllegalArgumentException("bad duration \"" + text + "\" (must be greater than 0)");
        }
        if (d.compareTo(MAX) > 0) {
            throw new IllegalArgumentException("bad duration \"" + text + "\" (must be at most 24h)");
        }
        return d;
    }

    /**
     * Like {@link #parse} but 0 is allowed, also without a unit: a bare {@code 0} is not ambiguous.
     *
     * @throws IllegalArgumentException with the message to show the user
     */
    static Duration parseOrZero(String text) {
        Matcher m = DURATION.matcher(text);
        if (text.equals("0") || m.matches() && Long.parseLong(m.group(1)) == 0) {
            return Duration.ZERO;
        }
        return parse(text);
    }

    /** The shortest exact spelling, for messages: {@code 2m}, {@code 1500ms}, {@code 0s}. */
    static String format(Duration d) {
        long ms = d.toMillis();
        if (ms == 0) {
            return "0s";
        }
        if (ms % 3_600_000 == 0) {
            return ms / 3_600_000 + "h";
        }
        if (ms % 60_000 == 0) {
            return ms / 60_000 + "m";
        }
        if (ms % 1000 == 0) {
            return ms / 1000 + "s";
        }
        return ms + "ms";
    }
}
