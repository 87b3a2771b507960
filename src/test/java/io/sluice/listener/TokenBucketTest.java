package io.sluice.listener;

import io.sluice.config.RateLimit;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/** The bucket against explicit times: no clock, no sleeps. */
class TokenBucketTest {
    private static final long SECOND = 1_000_000_000L;

    @Test
    void burstThenOneTokenPerInterval() {
        TokenBucket b = new TokenBucket(new RateLimit(10, 1, 3)); // a token every 100 ms, 3 at once
        long t = -5 * SECOND; // nanoTime may be negative
        assertThat(b.take(t)).isZero();
        assertThat(b.take(t)).isZero();
        assertThat(b.take(t)).isZero();
        assertThat(b.take(t)).isEqualTo(SECOND / 10);
        assertThat(b.take(t + SECOND / 20)).isEqualTo(SECOND / 20);
        assertThat(b.take(t + SECOND / 10)).isZero();
        assertThat(b.take(t + SECOND / 10)).isEqualTo(SECOND / 10);
    }

    @Test
    void aQuietSpellRefillsOnlyUpToTheBurst() {
        TokenBucket b = new TokenBucket(new RateLimit(1, 1, 2));
        assertThat(b.take(0)).isZero();
        long later = 100 * SECOND;
        assertThat(b.take(later)).isZero();
        assertThat(b.take(later)).isZero();
        assertThat(b.take(later)).isEqualTo(SECOND);
    }

    @Test
    void refusedAttemptsDoNotCost() {
        TokenBucket b = new TokenBucket(new RateLimit(1, 60, 1));
        assertThat(b.take(0)).isZero();
        for (int i = 0; i < 100; i++) {
            assertThat(b.take(SECOND)).isEqualTo(59 * SECOND);
        }
        assertThat(b.take(60 * SECOND)).isZero();
    }

    @Test
    void hugeBurstDoesNotOverflow() {
        TokenBucket b = new TokenBucket(new RateLimit(1, 3600, 1_000_000_000));
        for (int i = 0; i < 1000; i++) {
            assertThat(b.take(0)).isZero();
        }
    }

    @Test
    void retryAfterRoundsUpToWholeSeconds() {
        assertThat(TokenBucket.retryAfterSeconds(1)).isEqualTo(1);
        assertThat(TokenBucket.retryAfterSeconds(SECOND)).isEqualTo(1);
        assertThat(TokenBucket.retryAfterSeconds(SECOND + 1)).isEqualTo(2);
        assertThat(TokenBucket.retryAfterSeconds(59 * SECOND)).isEqualTo(59);
    }
}
