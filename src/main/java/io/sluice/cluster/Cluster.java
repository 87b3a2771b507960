package io.sluice.cluster;

import io.sluice.config.Balance;
import io.sluice.config.ClusterConfig;
import io.sluice.config.ServerConfig;

import java.util.ArrayList;
import java.util.List;

/** A named group of servers and how to pick one of them. Shared by all event loops. */
public final class Cluster {
    private final ClusterConfig config;
    private final List<Server> servers;
    private final SurgeQueue surgeQueue;
    private final RetryLimiter retryLimiter;
    /** Built once and shared by the loops' balancers when the cluster balances by consistent hash, else null. */
    private final HashRing ring;

    public Cluster(ClusterConfig config) {
        this(config, null);
    }

    /**
     * A cluster that replaces {@code previous} (a reload changed its configuration): a server whose line did not
     * change is the same {@link Server}, with its pools, counters, health and admin state, unless what its pools
     * are built from changed too (the cluster's {@code pool}, {@code timeouts} or {@code slow_start}).
     *
     * @param previous the cluster of the same name in the configuration replaced, or {@code null}
     */
    public Cluster(ClusterConfig config, Cluster previous) {
        this.config = config;
        boolean carry = previous != null && previous.config.pool().equals(config.pool())
                && previous.config.timeouts().equals(config.timeouts())
                && previous.config.slowStart().equals(config.slowStart());
        List<Server> list = new ArrayList<>();
        for (ServerConfig s : config.servers()) {
            Server kept = carry ? previous.server(s) : null;
            list.add(kept != null && !list.contains(kept) ? kept : new Server(s, config.slowStart()));
        }
        this.servers = List.copyOf(list);
        this.surgeQueue = new SurgeQueue(config.queue(), servers);
        servers.forEach(s -> s.onAvailable(surgeQueue::capacityMaybeFree));
        this.retryLimiter = new RetryLimiter(config.retryBudget(), servers);
        this.ring = config.balance() == Balance.CONSISTENT_HASH ? HashRing.build(servers) : null;
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

    /** The server configured exactly as {@code config}, or {@code null}. */
    private Server server(ServerConfig config) {
        for (Server server : servers) {
            if (server.config().equals(config)) {
                return server;
            }
        }
        return null;
    }

    /**
     * A new balancer of the configured policy for one event loop: balancing state is per loop, so picking needs no
     * synchronisation. For round robin, loop {@code loopIndex} starts that many picks into the cycle, so that the
     * loops do not all send their first requests to the same server; weights still hold exactly over each loop's
     * cycle. The other policies need no stagger: least_request and random draw at random, and consistent_hash
     * must send a key to the same server from every loop.
     */
    public Balancer newBalancer(int loopIndex) {
        return switch (config.balance()) {
            case ROUND_ROBIN -> roundRobin(loopIndex);
            case LEAST_REQUEST -> new LeastRequest(servers);
            case CONSISTENT_HASH -> ring.forLoop();
            case RANDOM -> new WeightedRandom(servers);
        };
    }

    private Balancer roundRobin(int loopIndex) {
        SmoothWeightedRoundRobin balancer = new SmoothWeightedRoundRobin(servers);
        int totalWeight = servers.stream().mapToInt(s -> s.config().weight()).sum();
        for (int i = 0; i < loopIndex % totalWeight; i++) {
            balancer.pick(0, 0);
        }
        return balancer;
    }

    /** The servers as balancers index them: at most 64 (the {@code tried} mask is a long), each weighing >= 1. */
    static Server[] checkedServers(List<Server> servers) {
        if (servers.size() > Long.SIZE) {
            throw new IllegalArgumentException("servers: " + servers.size() + " (expected: <= 64)");
        }
        for (Server server : servers) {
            int weight = server.config().weight();
            if (weight < 1) {
                throw new IllegalArgumentException(
                        "weight of " + server.config().address() + ": " + weight + " (expected: >= 1)");
            }
        }
        return servers.toArray(new Server[0]);
    }
}
