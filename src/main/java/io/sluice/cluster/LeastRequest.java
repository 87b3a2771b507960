package io.sluice.cluster;

import java.util.List;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Power of two choices on requests in flight: draws two distinct available untried servers and takes the one with
 * fewer requests in flight per unit of effective weight ({@link Server#inFlight()} counts over all event loops).
 *
 * <p>The two are drawn in proportion to their weights, not uniformly: with uniform draws a server can never get
 * more than {@code 2/n} of the requests whatever its weight, and when loads tie (an idle cluster) the pick would
 * ignore weights altogether. A tie goes to the first draw, itself a weighted random pick, so an idle cluster is
 * balanced like {@link WeightedRandom} and a loaded one keeps {@code inFlight / weight} level.
 *
 * <p>The candidates are scratch space for one pick, which is why an instance must stay on its event loop.
 */
final class LeastRequest implements Balancer {
    private final Server[] servers;
    private final WeightedCandidates candidates;

    LeastRequest(List<Server> servers) {
        this.servers = Cluster.checkedServers(servers);
        this.candidates = new WeightedCandidates(this.servers);
    }

    @Override
    public int pick(long tried, long hash) {
        int count = candidates.gather(tried);
        if (count <= 1) {
            return count == 0 ? -1 : candidates.server(0);
        }
        ThreadLocalRandom random = ThreadLocalRandom.current();
        int a = candidates.slot(random.nextInt(candidates.total()));
        int startA = candidates.start(a);
        int weightA = candidates.weight(a);
        // the second draw is over the weights without a's: past a's start, shift over its share
        int r = random.nextInt(candidates.total() - weightA);
        int b = candidates.slot(r < startA ? r : r + weightA);
        int weightB = candidates.weight(b);
        // inFlight(a) / weight(a) <= inFlight(b) / weight(b), cross-multiplied: no division, exact in a long
        long loadA = (long) servers[candidates.server(a)].inFlight() * weightB;
        long loadB = (long) servers[candidates.server(b)].inFlight() * weightA;
        return loadA <= loadB ? candidates.server(a) : candidates.server(b);
    }
}
