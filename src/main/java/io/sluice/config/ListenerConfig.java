package io.sluice.config;

import java.util.List;

/**
 * One listening socket.
 *
 * @param maxConnections client connections open at once on this listener (default 10000); accept pauses beyond
 * @param routes         http only; first match wins
 * @param cluster        tcp only; {@code null} for http
 * @param socket         socket buffer sizes of accepted connections
 */
public record ListenerConfig(String name, HostPort address, Protocol protocol, int maxConnections,
                             List<RouteConfig> routes, String cluster, ListenerTimeouts timeouts,
                             ListenerLimits limits, SocketOptions socket) {
    public ListenerConfig {
        routes = List.copyOf(routes);
    }

    /** A listener with the kernel's socket buffer defaults. */
    public ListenerConfig(String name, HostPort address, Protocol protocol, int maxConnections,
                          List<RouteConfig> routes, String cluster, ListenerTimeouts timeouts, ListenerLimits limits) {
        this(name, address, protocol, maxConnections, routes, cluster, timeouts, limits, SocketOptions.DEFAULTS);
    }
}
