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
 * <p>The arrays are scratch space for one pick, which is why an instance must stay on its event loop.
 */
final class LeastRequest implements Balancer {
    private final Server[] servers;
    /**
     * Scratch for one pick: the candidates' indexes, and the running sums of the weights they had when it began
     * ({@code ends[k]} is where candidate {@code k}'s share of {@code [0, total)} ends).
     */
    private final int[] candidates;
    private final int[] ends;

    LeastRequest(List<Server> servers) {
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
            int weight = servers[i].effectiveWeight(now);
            total += weight;
            candidates[count] = i;
            ends[count] = total;
            count++;
        }
        if (count <= 1) {
            return count == 0 ? -1 : candidates[0];
        }
        ThreadLocalRandom random = ThreadLocalRandom.current();
        int a = WeightedRandom.slot(ends, count, random.nextInt(total));
        int startA = a == 0 ? 0 : ends[a - 1];
        int weightA = ends[a] - startA;
        // the second draw is over the weights without a's: past a's start, shift over its share
        int r = random.nextInt(total - weightA);
        int b = WeightedRandom.slot(ends, count, r < startA ? r : r + weightA);
        int weightB = ends[b] - (b == 0 ? 0 : ends[b - 1]);
        // inFlight(a) / weight(a) <= inFlight(b) / weight(b), cross-multiplied: no division, exact in a long
        long loadA = (long) servers[candidates[a]].inFlight() * weightB;
        long loadB = (long) servers[candidates[b]].inFlight() * weightA;
        return loadA <= loadB ? candidates[a] : candidates[b];
    }
}
