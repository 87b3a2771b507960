package io.sluice.telemetry;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/** Buckets by upper bound (a duration equal to a bound is in that bound's bucket), counts per bucket, the sum. */
class LatencyHistogramTest {
    private static final long MS = 1_000_000;

    @Test
    void boundsAreInclusiveAndTheLastBucketTakesTheRest() {
        assertThat(LatencyHistogram.BUCKETS).isEqualTo(14);
        assertThat(LatencyHistogram.bucketOf(0)).isZero();
        assertThat(LatencyHistogram.bucketOf(MS)).isZero();
        assertThat(LatencyHistogram.bucketOf(MS + 1)).isEqualTo(1);
        assertThat(LatencyHistogram.bucketOf(2 * MS + MS / 2)).as("2.5 ms").isEqualTo(1);
        assertThat(LatencyHistogram.bucketOf(2 * MS + MS / 2 + 1)).isEqualTo(2);
        assertThat(LatencyHistogram.bucketOf(10_000 * MS)).isEqualTo(12);
        assertThat(LatencyHistogram.bucketOf(10_000 * MS + 1)).isEqualTo(13);
        assertThat(LatencyHistogram.bucketOf(Long.MAX_VALUE)).isEqualTo(13);
    }

    @Test
    void countsPerBucketAndSum() {
        LatencyHistogram h = new LatencyHistogram();
        h.record(MS / 2);
        h.record(MS / 2);
        h.record(7 * MS);
        h.record(60_000 * MS);
        h.record(-5); // a clock that went back counts as 0
        long[] counts = h.counts();
        assertThat(counts).hasSize(14);
        assertThat(counts[0]).isEqualTo(3);
        assertThat(counts[3]).as("5 < 7 <= 10 ms").isEqualTo(1);
        assertThat(counts[13]).isEqualTo(1);
        assertThat(counts).as("not cumulative").containsExactly(3, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1);
        assertThat(h.sumNanos()).isEqualTo(MS + 7 * MS + 60_000 * MS);
    }
}
