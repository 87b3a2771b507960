package io.sluice.telemetry;

import java.util.concurrent.atomic.LongAdder;

/**
 * Counts of durations in fixed buckets, updated from every event loop. Bucket {@code i} counts durations above
 * bound {@code i - 1} and at most bound {@code i} ({@link #BOUNDS_MS}, in milliseconds); the last bucket counts
 * those above the largest bound. Counts are per bucket, not cumulative: a Prometheus histogram adds them up.
 * Recording costs a scan of 13 longs and two {@link LongAdder} increments, and allocates nothing.
 */
public final class LatencyHistogram {
    /** Upper bounds of the buckets in milliseconds, as /stats shows them ({@code le_ms}). */
    public static final double[] BOUNDS_MS = {1, 2.5, 5, 10, 25, 50, 100, 250, 500, 1000, 2500, 5000, 10000};
    /** Buckets: one per bound, and one for durations above the largest. */
    public static final int BUCKETS = BOUNDS_MS.length + 1;

    private static final long[] BOUNDS_NANOS = new long[BOUNDS_MS.length];

    static {
        for (int i = 0; i < BOUNDS_MS.length; i++) {
            BOUNDS_NANOS[i] = Math.round(BOUNDS_MS[i] * 1_000_000);
        }
    }

    private final LongAdder[] counts = new LongAdder[BUCKETS];
    private final LongAdder sumNanos = new LongAdder();

    public LatencyHistogram() {
        for (int i = 0; i < BUCKETS; i++) {
            counts[i] = new LongAdder();
        }
    }

    /** Counts one duration; a negative one (a clock that went back) counts as 0. */
    public void record(long nanos) {
        long n = Math.max(0, nanos);
        counts[bucketOf(n)].increment();
        sumNanos.add(n);
    }

    /** The bucket a duration of {@code nanos} falls in. */
    static int bucketOf(long nanos) {
        int i = 0;
        while (i < BOUNDS_NANOS.length && nanos > BOUNDS_NANOS[i]) {
            i++;
        }
        return i;
    }

    /**
     * The counts per bucket now, {@link #BUCKETS} of them. Read while others record, the buckets are not one
     * instant's: each is exact, their sum may be a few recordings apart from {@link #sumNanos()}.
     */
    public long[] counts() {
        long[] c = new long[BUCKETS];
        for (int i = 0; i < BUCKETS; i++) {
            c[i] = counts[i].sum();
        }
        return c;
    }

    /** The sum of every duration recorded, in nanoseconds. */
    public long sumNanos() {
        return sumNanos.sum();
    }
}
