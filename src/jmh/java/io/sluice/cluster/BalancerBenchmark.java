package io.sluice.cluster;

import io.sluice.config.Balance;
import io.sluice.config.ClusterConfig;
import io.sluice.config.ClusterTimeouts;
import io.sluice.config.HostPort;
import io.sluice.config.PoolConfig;
import io.sluice.config.ServerConfig;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * One {@link Balancer#pick} per request, for each policy, over a small cluster and over the largest one allowed.
 * Weights differ (1 to 3) and least_request sees some load, so no policy takes a shortcut it would not take in
 * production; consistent_hash gets a different key each time (1,024 of them in turn). Expect 0 B/op with
 * {@code -prof gc}.
 */
@State(Scope.Thread)
@Fork(1)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
public class BalancerBenchmark {
    @Param({"ROUND_ROBIN", "LEAST_REQUEST", "CONSISTENT_HASH", "RANDOM"})
    public Balance balance;

    @Param({"4", "64"})
    public int servers;

    private Balancer balancer;
    private final long[] keys = new long[1024];
    private int next;

    @Setup
    public void setUp() {
        List<ServerConfig> list = new ArrayList<>();
        for (int i = 0; i < servers; i++) {
            list.add(new ServerConfig(new HostPort("10.0." + i / 256 + "." + i % 256, 8080), 1 + i % 3, 256));
        }
        Cluster cluster = new Cluster(new ClusterConfig("bench", balance, list, PoolConfig.DEFAULTS,
                ClusterTimeouts.DEFAULTS));
        for (int i = 0; i < servers; i++) {
            for (int r = 0; r < i % 5; r++) {
                cluster.servers().get(i).requestStarted();
            }
        }
        balancer = cluster.newBalancer(0);
        for (int i = 0; i < keys.length; i++) {
            keys[i] = KeyHash.hash(("203.0.113." + i).getBytes(StandardCharsets.US_ASCII));
        }
    }

    @Benchmark
    public int pick() {
        return balancer.pick(0, keys[next++ & (keys.length - 1)]);
    }
}
