package io.sluice.cluster;

import java.util.List;

/**
 * Smooth weighted round robin (as in nginx): every pick adds each server's weight to its current score, takes
 * the highest score and subtracts the total weight from it. Over a cycle of {@code sum(weights)} picks each server
 * is chosen exactly {@code weight} times, interleaved rather than in bursts.
 */
final class SmoothWeightedRoundRobin implements Balancer {
    private final Server[] servers;
    private final long[] current;

    SmoothWeightedRoundRobin(List<Server> servers) {
        this.servers = Cluster.checkedServers(servers);
        current = new long[servers.size()];
    }

    @Override
    public int pick(long tried, long hash) {
        int best = -1;
        long total = 0;
        long now = System.nanoTime();
        for (int i = 0; i < servers.length; i++) {
            if ((tried & (1L << i)) != 0 || !servers[i].available()) {
                continue;
            }
            int weight = servers[i].effectiveWeight(now);
            current[i] += weight;
            total += weight;
            if (best < 0 || current[i] > current[best]) {
                best = i;
            }
        }
        if (best >= 0) {
            current[best] -= total;
        }
        return best;
    }
}
