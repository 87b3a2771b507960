package io.sluice.cluster;

import io.sluice.config.ClusterConfig;

import java.util.ArrayList;
import java.util.List;

/** A named group of servers and how to pick one of them. Shared by all event loops. */
public final class Cluster {
    private final ClusterConfig config;
    private final List<Server> servers;
    private final SurgeQueue surgeQueue;
    private final RetryLimiter retryLimiter;

    public Cluster(ClusterConfig config) {
        this.config = config;
        List<Server> list = new ArrayList<>();
        config.servers().forEach(s -> list.add(new Server(s, config.slowStart())));
        this.servers = List.copyOf(list);
        this.surgeQueue = new SurgeQueue(config.queue());
        this.retryLimiter = new RetryLimiter(config.retryBudget(), servers);
    }

    /** Requests waiting, over all event loops, for a server of this cluster to have a connection free. */
    public SurgeQueue surgeQueue() {
        return surgeQueue;
    }

    public RetryLimiter retryLimiter() {
        return retryLimiter;
    }

    public ClusterConfig config() {
        return config;
    }

    public String name() {
        return config.name();
    }

    public List<Server> servers() {
        return servers;
    }

    /**
     * A new balancer for one event loop: balancing state is per loop, so picking needs no synchronisation. Loop
     * {@code loopIndex} starts that many picks into the cycle, so that the loops do not all send their first
     * requests to the same server; weights still hold exactly over each loop's cycle.
     */
    public Balancer newBalancer(int loopIndex) {
        SmoothWeightedRoundRobin balancer = new SmoothWeightedRoundRobin(servers);
        int totalWeight = servers.stream().mapToInt(s -> s.config().weight()).sum();
        for (int i = 0; i < loopIndex % totalWeight; i++) {
            balancer.pick(0, 0);
        }
        return balancer;
    }
}
