package io.sluice.cluster;

import io.sluice.config.Balance;
import org.junit.jupiter.api.Test;

import static io.sluice.cluster.TestClusters.counts;
import static org.assertj.core.api.Assertions.assertThat;

class SmoothWeightedRoundRobinTest {
    private static Cluster cluster(int... weights) {
        return TestClusters.cluster(Balance.ROUND_ROBIN, weights);
    }

    @Test
    void weightsHoldExactlyOverEveryCycleAndPicksInterleave() {
        Balancer b = cluster(5, 1, 1).newBalancer(0);
        int[] counts = new int[3];
        StringBuilder order = new StringBuilder();
        for (int i = 0; i < 7 * 10; i++) {
            int pick = b.pick(0, 0);
            counts[pick]++;
            if (i < 7) {
                order.append(pick);
            }
        }
        assertThat(counts).containsExactly(50, 10, 10);
        assertThat(order.toString()).isEqualTo("0010200"); // nginx's smooth sequence for 5:1:1
    }

    @Test
    void unavailableServersAreNeverPickedAndWeightsHoldOverTheOthers() {
        Cluster c = cluster(2, 1, 3, 1);
        c.servers().get(1).setAdminState(Server.AdminState.DISABLED);
        c.servers().get(3).setHealthy(false);
        assertThat(counts(c.newBalancer(0), 4, 5 * 100)).containsExactly(200, 0, 300, 0);
    }

    @Test
    void triedServersAreSkippedAndExhaustionIsMinusOne() {
        Balancer b = cluster(1, 1).newBalancer(0);
        assertThat(b.pick(0b01, 0)).isEqualTo(1);
        assertThat(b.pick(0b10, 0)).isEqualTo(0);
        assertThat(b.pick(0b11, 0)).isEqualTo(-1);
    }

    @Test
    void minusOneWhenNoServerIsAvailable() {
        Cluster c = cluster(1, 1);
        c.servers().get(0).setHealthy(false);
        c.servers().get(1).setEjected(true);
        assertThat(c.newBalancer(0).pick(0, 0)).isEqualTo(-1);
    }

    @Test
    void loopsStartAtDifferentServers() {
        Cluster c = cluster(1, 1);
        assertThat(c.newBalancer(0).pick(0, 0)).isNotEqualTo(c.newBalancer(1).pick(0, 0));
    }
}
