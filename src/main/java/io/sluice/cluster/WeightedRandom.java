package io.sluice.cluster;

import java.util.List;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Weighted random: each available untried server is picked with probability {@code weight / sum(weights)}, using
 * the effective (slow start) weights at the time of the pick. No state carries from one pick to the next; the
 * arrays are scratch space for one pick, which is why an instance must stay on its event loop.
 */
final class WeightedRandom implements Balancer {
    private final Server[] servers;
    /**
     * Scratch for one pick: the candidates' indexes, and the running sums of the weights they had when it began
     * ({@code ends[k]} is where candidate {@code k}'s share of {@code [0, total)} ends).
     */
    private final int[] candidates;
    private final int[] ends;

    WeightedRandom(List<Server> servers) {
        this.servers = Cluster.checkedServers(servers);
        candidates = new int[servers.size()];
        ends = new int[servers.size()];
    }

    @Override
    public int pick(long tried, long hash) {
        long now = System.nanoTime();
        int count = 0;
        int total = 0;
        for (int i = 0; i < servers.length; i++) {
            if ((tried & (1L << i)) != 0 || !servers[i].available()) {
                continue;
            }
            // read once: the weight can change under slow start, and the draw below must see the same one
            int weight = servers[i].effectiveWeight(now);
            total += weight;
            candidates[count] = i;
            ends[count] = total;
            count++;
        }
        if (count <= 1) {
            return count == 0 ? -1 : candidates[0];
        }
        return candidates[slot(ends, count, ThreadLocalRandom.current().nextInt(total))];
    }

    /** The candidate whose share of the weights holds {@code r}: the first {@code k} with {@code ends[k] > r}. */
    static int slot(int[] ends, int count, int r) {
        int lo = 0;
        int hi = count - 1;
        while (lo < hi) {
            int mid = (lo + hi) >>> 1;
            if (ends[mid] > r) {
                hi = mid;
            } else {
                lo = mid + 1;
            }
        }
        return lo;
    }
}
