package io.sluice.cluster;

import io.sluice.config.Balance;
import io.sluice.config.ClusterConfig;
import io.sluice.config.ClusterTimeouts;
import io.sluice.config.HostPort;
import io.sluice.config.PoolConfig;
import io.sluice.config.ServerConfig;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

class SmoothWeightedRoundRobinTest {
    private static Cluster cluster(int... weights) {
        List<ServerConfig> servers = new java.util.ArrayList<>();
        for (int i = 0; i < weights.length; i++) {
            servers.add(new ServerConfig(new HostPort("127.0.0.1", 9001 + i), weights[i], 10));
        }
        return new Cluster(new ClusterConfig("c", Balance.ROUND_ROBIN, servers, PoolConfig.DEFAULTS,
                ClusterTimeouts.DEFAULTS));
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
    void triedServersAreSkippedAndExhaustionIsMinusOne() {
        Balancer b = cluster(1, 1).newBalancer(0);
        assertThat(b.pick(0b01, 0)).isEqualTo(1);
        assertThat(b.pick(0b10, 0)).isEqualTo(0);
        assertThat(b.pick(0b11, 0)).isEqualTo(-1);
    }

    @Test
    void loopsStartAtDifferentServers() {
        Cluster c = cluster(1, 1);
        assertThat(c.newBalancer(0).pick(0, 0)).isNotEqualTo(c.newBalancer(1).pick(0, 0));
    }
}
