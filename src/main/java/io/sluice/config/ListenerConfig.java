package io.sluice.config;

import java.util.List;

/**
 * One listening socket.
 *
 * @param maxConnections client connections open at once on this listener (default 10000); accept pauses beyond
 * @param routes         http only; first match wins
 * @param cluster        tcp only; {@code null} for http
 * @param socket         socket buffer sizes of accepted connections
 * @param splice         tcp only: relay with the kernel's splice (zero copy) when the transport is epoll
 *                       (default true); false copies through pooled buffers
 * @param acceptProxy    every connection starts with a PROXY protocol header (v1 or v2) naming the real client,
 *                       as sent by an L4 balancer in front (default false); a connection without one is closed
 * @param screen         who may connect and how often (default: anyone, no per-client limit)
 * @param requestTarget  which request targets an http listener accepts (default: absolute-form too, strict syntax)
 * @param monitorUri     http only: the path whose GET or HEAD Sluice answers 200 while the listener takes
 *                       requests and 503 once it drains, for a balancer in front ({@code null}: none)
 */
public record ListenerConfig(String name, HostPort address, Protocol protocol, int maxConnections,
                             List<RouteConfig> routes, String cluster, ListenerTimeouts timeouts,
                             ListenerLimits limits, SocketOptions socket, boolean splice, boolean acceptProxy,
                             ScreenConfig screen, RequestTargetRules requestTarget, String monitorUri) {
    public ListenerConfig {
        routes = List.copyOf(routes);
        screen = screen == null ? ScreenConfig.NONE : screen;
        requestTarget = requestTarget == null ? RequestTargetRules.DEFAULTS : requestTarget;
    }

    /** A listener without monitor_uri. */
    public ListenerConfig(String name, HostPort address, Protocol protocol, int maxConnections,
                          List<RouteConfig> routes, String cluster, ListenerTimeouts timeouts, ListenerLimits limits,
                          SocketOptions socket, boolean splice, boolean acceptProxy, ScreenConfig screen,
                          RequestTargetRules requestTarget) {
        this(name, address, protocol, maxConnections, routes, cluster, timeouts, limits, socket, splice, acceptProxy,
                screen, requestTarget, null);
    }

    /** A listener that screens no client, with the default request target rules. */
    public ListenerConfig(String name, HostPort address, Protocol protocol, int maxConnections,
                          List<RouteConfig> routes, String cluster, ListenerTimeouts timeouts, ListenerLimits limits,
                          SocketOptions socket, boolean splice, boolean acceptProxy) {
        this(name, address, protocol, maxConnections, routes, cluster, timeouts, limits, socket, splice, acceptProxy,
                null, null);
    }

    /** A listener without PROXY protocol, splicing when it is a tcp listener. */
    public ListenerConfig(String name, HostPort address, Protocol protocol, int maxConnections,
                          List<RouteConfig> routes, String cluster, ListenerTimeouts timeouts, ListenerLimits limits,
                          SocketOptions socket) {
        this(name, address, protocol, maxConnections, routes, cluster, timeouts, limits, socket, true, false);
    }

    /** A listener with the kernel's socket buffer defaults. */
    public ListenerConfig(String name, HostPort address, Protocol protocol, int maxConnections,
                          List<RouteConfig> routes, String cluster, ListenerTimeouts timeouts, ListenerLimits limits) {
        this(name, address, protocol, maxConnections, routes, cluster, timeouts, limits, SocketOptions.DEFAULTS);
    }
}
