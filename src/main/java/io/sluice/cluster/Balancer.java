package io.sluice.cluster;

/**
 * Picks servers for requests. One instance per event loop, never shared between threads; state that must be seen
 * across loops (requests in flight, health) lives in {@link Server}. Only {@link Server#available() available}
 * servers are picked.
 */
public interface Balancer {
    /**
     * The next server to try for a request, skipping the {@code tried} ones (a bit per server index, for failover).
     *
     * @param hash the request's key from {@link KeyHash} when the cluster balances by consistent hash; ignored
     *             by the other policies
     * @return the server's index in the cluster, or -1 when no available server is left untried
     */
    int pick(long tried, long hash);
}
