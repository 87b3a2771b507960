package io.sluice.config;

/**
 * One server of a cluster.
 *
 * @param weight         relative share of requests (default 1)
 * @param maxConnections server connections open at once to this server, over all event loops (default 256)
 * @param sendProxy      a PROXY protocol header first on every connection (default off); on HTTP clusters the
 *                       server's pooled connections are then reused only for the same client address
 */
public record ServerConfig(HostPort address, int weight, int maxConnections, SendProxy sendProxy) {
    /** A server that gets no PROXY header. */
    public ServerConfig(HostPort address, int weight, int maxConnections) {
        this(address, weight, maxConnections, SendProxy.OFF);
    }
}
