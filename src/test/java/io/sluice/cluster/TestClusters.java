package io.sluice.cluster;

import io.sluice.config.Balance;
import io.sluice.config.ClusterConfig;
import io.sluice.config.ClusterTimeouts;
import io.sluice.config.HostPort;
import io.sluice.config.PoolConfig;
import io.sluice.config.ServerConfig;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

/** Clusters of servers on 10.0.0.1:8001, 10.0.0.2:8002, ... for balancer tests (nothing is connected to). */
final class TestClusters {
    private TestClusters() {
    }

    static Cluster cluster(Balance balance, int... weights) {
        return new Cluster(config(balance, weights));
    }

    static ClusterConfig config(Balance balance, int... weights) {
        List<ServerConfig> servers = new ArrayList<>();
        for (int i = 0; i < weights.length; i++) {
            servers.add(server(i, weights[i]));
        }
        return config(balance, servers);
    }

    static ClusterConfig config(Balance balance, List<ServerConfig> servers) {
        return new ClusterConfig("c", balance, servers, PoolConfig.DEFAULTS, ClusterTimeouts.DEFAULTS);
    }

    static ServerConfig server(int i, int weight) {
        return new ServerConfig(new HostPort("10.0.0." + (i + 1), 8001 + i), weight, 10);
    }

    static int[] equalWeights(int n) {
        int[] weights = new int[n];
        Arrays.fill(weights, 1);
        return weights;
    }

    /** The hash of key number {@code i}, as the request path would compute it from a header value. */
    static long key(int i) {
        return KeyHash.hash(("user-" + i).getBytes(StandardCharsets.UTF_8));
    }

    /** {@code picks} picks with nothing tried, counted per server. */
    static int[] counts(Balancer balancer, int servers, int picks) {
        int[] counts = new int[servers];
        for (int i = 0; i < picks; i++) {
            counts[balancer.pick(0, 0)]++;
        }
        return counts;
    }

    /**
     * Asserts that independent weighted draws gave each server its share. A server's count is binomial with mean
     * {@code n·p} and standard deviation {@code σ = sqrt(n·p·(1-p))}, {@code p = weight / sum(weights)}; the bound
     * is 5σ either side, which a correct balancer crosses with probability 5.7e-7 per server (so a four-server test
     * fails by chance about once in 400,000 runs), and which over a million picks at weights 1:2:3:4 is still
     * tight: ±1.5% of the smallest share, ±0.6% of the largest.
     */
    static void assertBinomialShares(int[] counts, int[] weights, int picks) {
        int total = Arrays.stream(weights).sum();
        for (int i = 0; i < weights.length; i++) {
            double p = (double) weights[i] / total;
            double sigma = Math.sqrt(picks * p * (1 - p));
            assertThat((double) counts[i]).as("picks of server %d (weight %d)", i, weights[i])
                    .isCloseTo(picks * p, within(5 * sigma));
        }
    }
}
