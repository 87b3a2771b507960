package io.sluice.cluster;

/** Picks servers for requests. One instance per event loop, never shared between threads. */
public interface Balancer {
    /**
     * The next server to try for a request, skipping the {@code tried} ones (a bit per server index, for failover).
     *
     * @return the server's index in the cluster, or -1 when every server was tried
     */
    int pick(long tried);
}
