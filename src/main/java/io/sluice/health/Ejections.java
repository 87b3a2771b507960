package io.sluice.health;

/**
 * How long a passive-check ejection lasts. A server's ejection <em>level</em> counts its recent ejections: the
 * ejection lasts {@code base × 2^level}, at most {@code max}, and each ejection raises the level by one until the
 * length reaches {@code max}. The level decays while the server behaves: each full {@code base} it spends back in
 * rotation forgives one level (Envoy's ejection multiplier, which drops by one per healthy interval). So a server
 * that fails again right after coming back stays out twice as long, and one that failed once an hour ago starts
 * again at {@code base}.
 */
final class Ejections {
    private Ejections() {
    }

    /** {@code base × 2^level}, at most {@code max}, without overflow. */
    static long durationNanos(int level, long baseNanos, long maxNanos) {
        if (baseNanos >= maxNanos) {
            return maxNanos;
        }
        if (level >= 62 || baseNanos > (maxNanos >> level)) {
            return maxNanos;
        }
        return Math.min(maxNanos, baseNanos << level);
    }

    /** The level after an ejection at {@code level}: one up, unless the ejection was already as long as allowed. */
    static int next(int level, long baseNanos, long maxNanos) {
        return durationNanos(level, baseNanos, maxNanos) >= maxNanos ? level : level + 1;
    }

    /** The level after {@code backNanos} in rotation: one level forgiven per full {@code base}. */
    static int decay(int level, long backNanos, long baseNanos) {
        if (baseNanos <= 0) {
            return 0;
        }
        long forgiven = backNanos / baseNanos;
        return forgiven >= level ? 0 : level - (int) forgiven;
    }
}
