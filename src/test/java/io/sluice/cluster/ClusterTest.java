package io.sluice.cluster;

import io.sluice.config.Balance;
import org.junit.jupiter.api.Test;

import static io.sluice.cluster.TestClusters.cluster;
import static io.sluice.cluster.TestClusters.equalWeights;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class ClusterTest {
    @Test
    void newBalancerBuildsTheConfiguredPolicyAnewForEachLoop() {
        assertThat(cluster(Balance.ROUND_ROBIN, 1, 1).newBalancer(0)).isInstanceOf(SmoothWeightedRoundRobin.class);
        assertThat(cluster(Balance.LEAST_REQUEST, 1, 1).newBalancer(0)).isInstanceOf(LeastRequest.class);
        assertThat(cluster(Balance.CONSISTENT_HASH, 1, 1).newBalancer(0)).isInstanceOf(HashRing.class);
        assertThat(cluster(Balance.RANDOM, 1, 1).newBalancer(0)).isInstanceOf(WeightedRandom.class);
        for (Balance balance : Balance.values()) {
            Cluster c = cluster(balance, 1, 1);
            assertThat(c.newBalancer(0)).as(balance.name()).isNotSameAs(c.newBalancer(1));
        }
    }

    @Test
    void sixtyFourServersAreTheMost() {
        for (Balance balance : Balance.values()) {
            Cluster c = cluster(balance, equalWeights(64));
            assertThat(c.newBalancer(0).pick(-1L >>> 1, 0)).as(balance.name()).isEqualTo(63);
        }
        assertThatThrownBy(() -> cluster(Balance.CONSISTENT_HASH, equalWeights(65)))
                .isInstanceOf(IllegalArgumentException.class).hasMessage("servers: 65 (expected: <= 64)");
        Cluster tooMany = cluster(Balance.RANDOM, equalWeights(65));
        assertThatThrownBy(() -> tooMany.newBalancer(0)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void aWeightBelowOneIsRefused() {
        Cluster c = cluster(Balance.LEAST_REQUEST, 1, 0);
        assertThatThrownBy(() -> c.newBalancer(0)).isInstanceOf(IllegalArgumentException.class)
                .hasMessage("weight of 10.0.0.2:8002: 0 (expected: >= 1)");
    }
}
