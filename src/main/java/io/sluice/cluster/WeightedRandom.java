package io.sluice.cluster;

import java.util.List;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Weighted random: each available untried server is picked with probability {@code weight / sum(weights)}, using
 * the effective (slow start) weights at the time of the pick. No state carries from one pick to the next; the
 * candidates are scratch space for one pick, which is why an instance must stay on its event loop.
 */
final class WeightedRandom implements Balancer {
    private final WeightedCandidates candidates;

    WeightedRandom(List<Server> servers) {
        this.candidates = new WeightedCandidates(Cluster.checkedServers(servers));
    }

    @Override
    public int pick(long tried, long hash) {
        int count = candidates.gather(tried);
        if (count <= 1) {
            return count == 0 ? -1 : candidates.server(0);
        }
        return candidates.server(candidates.slot(ThreadLocalRandom.current().nextInt(candidates.total())));
    }
}
