package io.sluice.config;

import java.util.List;

/** A named group of servers that routes send requests to. */
public record ClusterConfig(String name, Balance balance, List<ServerConfig> servers, PoolConfig pool,
                            ClusterTimeouts timeouts) {
    public ClusterConfig {
        servers = List.copyOf(servers);
    }
}
