package io.sluice.config;

import java.time.Duration;

/**
 * Server connection pool settings of a cluster, applied per server and per event loop.
 *
 * @param maxIdle     idle connections kept per server per event loop (default 64)
 * @param idleTimeout an idle pooled connection is closed after this long (default 4s, below the usual 5s of
 *                    servers so that Sluice, not the server, closes idle connections)
 * @param prewarm     connections opened per server per event loop at start and kept open (default 0)
 */
public record PoolConfig(int maxIdle, Duration idleTimeout, int prewarm) {
    public static final PoolConfig DEFAULTS = new PoolConfig(64, Duration.ofSeconds(4), 0);
}
