package io.sluice.cluster;

import io.sluice.config.Balance;
import org.junit.jupiter.api.Test;

import static io.sluice.cluster.TestClusters.assertBinomialShares;
import static io.sluice.cluster.TestClusters.cluster;
import static io.sluice.cluster.TestClusters.counts;
import static org.assertj.core.api.Assertions.assertThat;

class WeightedRandomTest {
    @Test
    void weightsHoldWithinFiveSigmaOverAMillionPicks() {
        int[] weights = {1, 2, 3, 4};
        Balancer b = cluster(Balance.RANDOM, weights).newBalancer(0);
        int picks = 1_000_000;
        assertBinomialShares(counts(b, weights.length, picks), weights, picks);
    }

    @Test
    void unavailableServersAreNeverPicked() {
        Cluster c = cluster(Balance.RANDOM, 1, 1, 1, 1, 1);
        c.servers().get(1).setAdminState(Server.AdminState.DISABLED);
        c.servers().get(2).setHealthy(false);
        c.servers().get(3).setEjected(true);
        c.servers().get(4).setAdminState(Server.AdminState.DRAINING);
        Balancer b = c.newBalancer(0);
        assertThat(counts(b, 5, 10_000)).containsExactly(10_000, 0, 0, 0, 0);
    }

    @Test
    void weightsHoldOverTheServersLeft() {
        Cluster c = cluster(Balance.RANDOM, 1, 5, 3);
        c.servers().get(1).setHealthy(false);
        int picks = 1_000_000;
        int[] counts = counts(c.newBalancer(0), 3, picks);
        assertThat(counts[1]).isZero();
        assertBinomialShares(new int[] {counts[0], counts[2]}, new int[] {1, 3}, picks);
    }

    @Test
    void triedServersAreSkipped() {
        Balancer b = cluster(Balance.RANDOM, 1, 1, 1).newBalancer(0);
        for (int i = 0; i < 1_000; i++) {
            assertThat(b.pick(0b101, 0)).isEqualTo(1);
            assertThat(b.pick(0b011, 0)).isEqualTo(2);
            assertThat(b.pick(0b001, 0)).isIn(1, 2);
        }
    }

    @Test
    void minusOneWhenNothingIsLeft() {
        Cluster c = cluster(Balance.RANDOM, 1, 1, 1);
        Balancer b = c.newBalancer(0);
        assertThat(b.pick(0b111, 0)).isEqualTo(-1);
        assertThat(b.pick(-1L, 0)).isEqualTo(-1);
        c.servers().get(0).setHealthy(false);
        assertThat(b.pick(0b110, 0)).isEqualTo(-1);
        c.servers().get(1).setHealthy(false);
        c.servers().get(2).setHealthy(false);
        assertThat(b.pick(0, 0)).isEqualTo(-1);
    }
}
