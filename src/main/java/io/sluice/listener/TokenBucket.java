package io.sluice.listener;

import io.sluice.config.RateLimit;

import java.util.concurrent.atomic.AtomicLong;

/**
 * A token bucket kept as one number, the theoretical arrival time of the next event (the generic cell rate
 * algorithm): taking a token moves it one interval on; an event that would move it further ahead of now than the
 * burst allows is refused. Lock-free, shared by every event loop.
 */
public final class TokenBucket {
    private final long intervalNanos;
    /** How far ahead of now the arrival time may run: the burst, less the event being decided. */
    private final long toleranceNanos;
    private final AtomicLong arrival = new AtomicLong(Long.MIN_VALUE);

    public TokenBucket(RateLimit limit) {
        this.intervalNanos = limit.intervalNanos();
        this.toleranceNanos = tolerance(limit.burst(), intervalNanos);
    }

    private static long tolerance(long burst, long intervalNanos) {
        try {
            return Math.multiplyExact(burst - 1, intervalNanos);
        } catch (ArithmeticException e) {
            return Long.MAX_VALUE / 4; // centuries: no limit in practice, and no overflow adding it to a time
        }
    }

    /**
     * Takes a token at {@code nowNanos} ({@link System#nanoTime()}).
     *
     * @return 0 when taken; otherwise how long until one will be there, in nanoseconds
     */
    public long take(long nowNanos) {
        while (true) {
            long current = arrival.get();
            long from = current == Long.MIN_VALUE || current - nowNanos < 0 ? nowNanos : current;
            long ahead = from - nowNanos;
            if (ahead > toleranceNanos) {
                return ahead - toleranceNanos;
            }
            if (arrival.compareAndSet(current, from + intervalNanos)) {
                return 0;
            }
        }
    }

    /** Whole seconds to announce in {@code Retry-After} for a wait of {@code nanos}: rounded up, at least 1. */
    public static long retryAfterSeconds(long nanos) {
        return Math.max(1, (nanos + 999_999_999L) / 1_000_000_000L);
    }
}
