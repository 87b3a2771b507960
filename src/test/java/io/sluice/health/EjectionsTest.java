package io.sluice.health;

import org.junit.jupiter.api.Test;

import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;

/** Ejection lengths: doubled per ejection up to the maximum, forgiven one step per base period back in rotation. */
class EjectionsTest {
    private static final long BASE = Duration.ofSeconds(10).toNanos();
    private static final long MAX = Duration.ofMinutes(5).toNanos();

    @Test
    void doublesUpToTheMaximum() {
        int level = 0;
        long[] seconds = new long[8];
        for (int i = 0; i < seconds.length; i++) {
            seconds[i] = Duration.ofNanos(Ejections.durationNanos(level, BASE, MAX)).toSeconds();
            level = Ejections.next(level, BASE, MAX);
        }
        assertThat(seconds).containsExactly(10, 20, 40, 80, 160, 300, 300, 300);
        assertThat(level).as("stops rising at the maximum, so that decay starts from there").isEqualTo(5);
    }

    @Test
    void neverOverflows() {
        assertThat(Ejections.durationNanos(62, BASE, MAX)).isEqualTo(MAX);
        assertThat(Ejections.durationNanos(20, BASE, Long.MAX_VALUE)).isEqualTo(BASE << 20);
        assertThat(Ejections.durationNanos(40, BASE, Long.MAX_VALUE)).as("10 s × 2^40 > 2^63 ns")
                .isEqualTo(Long.MAX_VALUE);
        assertThat(Ejections.durationNanos(61, BASE, Long.MAX_VALUE)).isEqualTo(Long.MAX_VALUE);
        assertThat(Ejections.durationNanos(3, MAX, BASE)).as("base above max").isEqualTo(BASE);
    }

    @Test
    void decaysOneLevelPerBasePeriodBack() {
        assertThat(Ejections.decay(5, BASE - 1, BASE)).isEqualTo(5);
        assertThat(Ejections.decay(5, BASE, BASE)).isEqualTo(4);
        assertThat(Ejections.decay(5, 3 * BASE + 1, BASE)).isEqualTo(2);
        assertThat(Ejections.decay(5, 100 * BASE, BASE)).isZero();
        assertThat(Ejections.decay(0, BASE, BASE)).isZero();
    }
}
