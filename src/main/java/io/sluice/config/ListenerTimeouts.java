package io.sluice.config;

import java.time.Duration;

/**
 * Client-side timeouts of a listener.
 *
 * @param requestHeader time to receive a whole request head once its first byte arrived (default 10s) → 408
 * @param bodyIdle      longest pause between two reads of a request body (default 30s) → 408
 * @param keepaliveIdle longest idle time between two requests of a keep-alive client connection (default 15s)
 */
public record ListenerTimeouts(Duration requestHeader, Duration bodyIdle, Duration keepaliveIdle) {
    public static final ListenerTimeouts DEFAULTS =
            new ListenerTimeouts(Duration.ofSeconds(10), Duration.ofSeconds(30), Duration.ofSeconds(15));
}
