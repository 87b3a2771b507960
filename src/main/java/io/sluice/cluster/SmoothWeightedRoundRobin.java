package io.sluice.cluster;

import java.util.List;

/**
 * Smooth weighted round robin (as in nginx): every pick adds each server's weight to its current score, takes
 * the highest score and subtracts the total weight from it. Over a cycle of {@code sum(weights)} picks each server
 * is chosen exactly {@code weight} times, interleaved rather than in bursts.
 */
final class SmoothWeightedRoundRobin implements Balancer {
    private final int[] weights;
    private final long[] current;

    SmoothWeightedRoundRobin(List<Server> servers) {
        if (servers.size() > Long.SIZE) {
            throw new IllegalArgumentException("servers: " + servers.size() + " (expected: <= 64)");
        }
        weights = new int[servers.size()];
        current = new long[servers.size()];
        for (int i = 0; i < weights.length; i++) {
            weights[i] = servers.get(i).config().weight();
        }
    }

    @Override
    public int pick(long tried) {
        int best = -1;
        long total = 0;
        for (int i = 0; i < weights.length; i++) {
            if ((tried & (1L << i)) != 0) {
                continue;
            }
            current[i] += weights[i];
            total += weights[i];
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
