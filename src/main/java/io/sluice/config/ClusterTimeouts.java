package io.sluice.config;

import java.time.Duration;

/**
 * Server-side timeouts of a cluster.
 *
 * @param connect  time to establish a server connection (default 5s); after trying every server → 503
 * @param response time from the request's last byte sent to the response's first byte (default 30s) → 504
 */
public record ClusterTimeouts(Duration connect, Duration response) {
    public static final ClusterTimeouts DEFAULTS = new ClusterTimeouts(Duration.ofSeconds(5), Duration.ofSeconds(30));
}
