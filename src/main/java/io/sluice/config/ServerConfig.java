package io.sluice.config;

/**
 * One server of a cluster.
 *
 * @param weight         relative share of requests (default 1)
 * @param maxConnections server connections open at once to this server, over all event loops (default 256)
 * @param sendProxy      a PROXY protocol header first on every connection (default off); on HTTP clusters the
 *                       server's pooled connections are then reused only for the same client address
 * @param transparent    connections to the server come from the client's own address (IP_TRANSPARENT; needs
 *                       CAP_NET_ADMIN and policy routing, see docs/tcp.md; default false); pooled per client address
 */
public record ServerConfig(HostPort address, int weight, int maxConnections, SendProxy sendProxy,
                           boolean transparent) {
    /** A server that gets no PROXY header. */
    public ServerConfig(HostPort address, int weight, int maxConnections) {
        this(address, weight, maxConnections, SendProxy.OFF);
    }

    /** A server reached from Sluice's own address. */
    public ServerConfig(HostPort address, int weight, int maxConnections, SendProxy sendProxy) {
        this(address, weight, maxConnections, sendProxy, false);
    }

    /** Whether a server connection belongs to one client (it names the client, or comes from its address). */
    public boolean perClient() {
        return sendProxy != SendProxy.OFF || transparent;
    }
}
