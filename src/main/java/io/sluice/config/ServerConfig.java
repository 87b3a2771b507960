package io.sluice.config;

/**
 * One server of a cluster.
 *
 * @param weight         relative share of requests (default 1)
 * @param maxConnections server connections open at once to this server, over all event loops (default 256)
 */
public record ServerConfig(HostPort address, int weight, int maxConnections) {
}
