package io.sluice.config;

import java.time.Duration;

/**
 * Client-side timeouts of a listener.
 *
 * @param requestHeader time to receive a whole request head once its first byte arrived (default 10s) → 408
 * @param bodyIdle      longest pause between two reads of a request body (default 30s) → 408
 * @param keepaliveIdle longest idle time between two requests of a keep-alive client connection (default 15s)
 * @param tunnelIdle    a TCP session or an upgraded (WebSocket) connection with no byte either way for this long is
 *                      closed (default 1h, HAProxy's usual {@code timeout tunnel})
 * @param tunnelMax     a TCP session or upgraded connection is closed this long after it started, whatever it
 *                      does; {@link Duration#ZERO} (the default) for no limit
 */
public record ListenerTimeouts(Duration requestHeader, Duration bodyIdle, Duration keepaliveIdle,
                               Duration tunnelIdle, Duration tunnelMax) {
    public static final Duration DEFAULT_TUNNEL_IDLE = Duration.ofHours(1);
    public static final ListenerTimeouts DEFAULTS = new ListenerTimeouts(Duration.ofSeconds(10),
            Duration.ofSeconds(30), Duration.ofSeconds(15), DEFAULT_TUNNEL_IDLE, Duration.ZERO);

    /** The HTTP timeouts, with the default tunnel timeouts. */
    public ListenerTimeouts(Duration requestHeader, Duration bodyIdle, Duration keepaliveIdle) {
        this(requestHeader, bodyIdle, keepaliveIdle, DEFAULT_TUNNEL_IDLE, Duration.ZERO);
    }
}
