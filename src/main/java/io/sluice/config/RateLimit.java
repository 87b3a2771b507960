package io.sluice.config;

import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A token bucket: {@code count} events per {@code unitSeconds} on average, up to {@code burst} at once.
 *
 * @param burst events allowed back to back after a quiet spell (default: {@code count}, a full unit's worth, so
 *              that "100/s" allows what a 1-second window counter would)
 */
public record RateLimit(long count, long unitSeconds, long burst) {
    private static final Pattern RATE = Pattern.compile("(\\d{1,9})/(s|m|h)");

    public RateLimit {
        if (count < 1 || unitSeconds < 1 || burst < 1) {
            throw new IllegalArgumentException("count, unit and burst must be positive");
        }
    }

    /** Average time between two events. */
    public long intervalNanos() {
        return Math.max(1, unitSeconds * 1_000_000_000L / count);
    }

    /**
     * {@code 100/s}, {@code 30/m} or {@code 1000/h}, with the default burst.
     *
     * @throws IllegalArgumentException with the message to show the user
     */
    static RateLimit parse(String text) {
        Matcher m = RATE.matcher(text);
        if (!m.matches() || Long.parseLong(m.group(1)) == 0) {
            throw new IllegalArgumentException("bad rate \"" + text + "\" (expected a count per second, minute or"
                    + " hour, such as 100/s, 30/m or 1000/h)");
        }
        long count = Long.parseLong(m.group(1));
        long unit = switch (m.group(2)) {
            case "s" -> 1;
            case "m" -> 60;
            default -> 3600;
        };
        return new RateLimit(count, unit, count);
    }

    @Override
    public String toString() {
        return count + "/" + (unitSeconds == 1 ? "s" : unitSeconds == 60 ? "m" : "h") + " burst " + burst;
    }
}
