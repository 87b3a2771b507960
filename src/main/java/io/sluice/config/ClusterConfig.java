package io.sluice.config;

import java.time.Duration;
import java.util.List;

/**
 * A named group of servers that routes send requests to.
 *
 * @param hashOn      the key of {@link Balance#CONSISTENT_HASH} (default: the client address)
 * @param health      active health checks; {@code null}: none (servers are up unless ejected or disabled)
 * @param slowStart   a server coming back ramps its weight from 10% to 100% over this long (default 0: at once)
 */
public record ClusterConfig(String name, Balance balance, List<ServerConfig> servers, PoolConfig pool,
                            ClusterTimeouts timeouts, HashOn hashOn, HealthConfig health, OutlierConfig outlier,
                            Duration slowStart, QueueConfig queue, RetryBudget retryBudget) {
    public ClusterConfig {
        servers = List.copyOf(servers);
    }

    public ClusterConfig(String name, Balance balance, List<ServerConfig> servers, PoolConfig pool,
                         ClusterTimeouts timeouts) {
        this(name, balance, servers, pool, timeouts, HashOn.CLIENT_ADDRESS, null, OutlierConfig.DEFAULTS,
                Duration.ZERO, QueueConfig.DEFAULTS, RetryBudget.DEFAULTS);
    }
}
