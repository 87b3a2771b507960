package io.sluice.cluster;

/**
 * Scratch space for one weighted pick: the servers that may be picked and the running sums of their effective
 * weights ({@code ends[k]} is where candidate {@code k}'s share of {@code [0, total)} ends). Reused from pick to
 * pick, which is why a balancer holding one must stay on its event loop.
 */
final class WeightedCandidates {
    private final Server[] servers;
    private final int[] indexes;
    private final int[] ends;
    private int count;
    private int total;

    WeightedCandidates(Server[] servers) {
        this.servers = servers;
        indexes = new int[servers.length];
        ends = new int[servers.length];
    }

    /** Gathers the available servers not in {@code tried}; returns how many there are. */
    int gather(long tried) {
        long now = System.nanoTime();
        count = 0;
        total = 0;
        for (int i = 0; i < servers.length; i++) {
            if ((tried & (1L << i)) != 0 || !servers[i].available()) {
                continue;
            }
            // read once: the weight can change under slow start, and the draws must see the same one
            total += servers[i].effectiveWeight(now);
            indexes[count] = i;
            ends[count] = total;
            count++;
        }
        return count;
    }

    int total() {
        return total;
    }

    /** The server index of candidate {@code k}. */
    int server(int k) {
        return indexes[k];
    }

    int start(int k) {
        return k == 0 ? 0 : ends[k - 1];
    }

    int weight(int k) {
        return ends[k] - start(k);
    }

    /** The candidate whose share of the weights holds {@code r}: the first {@code k} with {@code ends[k] > r}. */
    int slot(int r) {
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
