package io.sluice.cluster;

import io.sluice.config.HostPort;
import io.sluice.config.ServerConfig;
import org.junit.jupiter.api.Test;

import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;

/** A server coming back ramps its weight from 10% to 100% over {@code slow_start}, whatever brought it back. */
class SlowStartTest {
    private static final long SECOND = 1_000_000_000L;

    private final Server server = new Server(new ServerConfig(new HostPort("127.0.0.1", 9), 100, 10),
            Duration.ofSeconds(1));

    /** Runs {@code comeBack} and returns when the ramp began, within the returned bounds. */
    private long[] rampAround(Runnable comeBack) {
        long before = System.nanoTime();
        comeBack.run();
        return new long[] {before, System.nanoTime()};
    }

    private void assertRamp(long[] began) {
        // at the start 10%, halfway 55%, after the period 100%; the bounds allow for when exactly it began
        assertThat(server.effectiveWeight(began[1])).isBetween(10, 10 + share(began));
        assertThat(server.effectiveWeight(began[1] + SECOND / 2)).isBetween(55, 55 + share(began));
        assertThat(server.effectiveWeight(began[1] + SECOND)).isEqualTo(100);
        assertThat(server.effectiveWeight(began[1] + 2 * SECOND)).isEqualTo(100);
    }

    /** Percent points of weight the uncertainty about the ramp's start can account for. */
    private static int share(long[] began) {
        return 1 + (int) (90 * (began[1] - began[0]) / SECOND);
    }

    @Test
    void fullWeightWhileNothingHappened() {
        assertThat(server.effectiveWeight(System.nanoTime())).isEqualTo(100);
    }

    @Test
    void afterHealthChecksBringItBack() {
        server.setHealthy(false);
        assertRamp(rampAround(() -> server.setHealthy(true)));
    }

    @Test
    void afterAnEjectionEnds() {
        server.setEjected(true);
        assertRamp(rampAround(() -> server.setEjected(false)));
    }

    @Test
    void afterTheAdminEnablesIt() {
        server.setAdminState(Server.AdminState.DISABLED);
        assertRamp(rampAround(() -> server.setAdminState(Server.AdminState.ENABLED)));
    }

    @Test
    void neverBelowOne() {
        Server light = new Server(new ServerConfig(new HostPort("127.0.0.1", 9), 1, 10), Duration.ofSeconds(1));
        light.setHealthy(false);
        light.setHealthy(true);
        assertThat(light.effectiveWeight(System.nanoTime())).isEqualTo(1);
    }

    @Test
    void withoutSlowStartTheWeightIsFullAtOnce() {
        Server plain = new Server(new ServerConfig(new HostPort("127.0.0.1", 9), 100, 10), Duration.ZERO);
        plain.setHealthy(false);
        plain.setHealthy(true);
        assertThat(plain.effectiveWeight(System.nanoTime())).isEqualTo(100);
    }
}
