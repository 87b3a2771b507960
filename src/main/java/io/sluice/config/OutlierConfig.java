package io.sluice.config;

import java.time.Duration;

/**
 * Passive health checking: a server whose requests fail {@code consecutiveFailures} times in a row (connect
 * failures, response timeouts, 5xx answers) is ejected for {@code baseEjection}, doubled on each repeat up to
 * {@code maxEjection}; it comes back when a health check passes.
 *
 * @param consecutiveFailures failures in a row that eject (default 5; 0 turns passive checking off)
 */
public record OutlierConfig(int consecutiveFailures, Duration baseEjection, Duration maxEjection) {
    public static final OutlierConfig DEFAULTS = new OutlierConfig(5, Duration.ofSeconds(10), Duration.ofMinutes(5));
}
