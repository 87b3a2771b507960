package io.sluice.config;

import java.time.Duration;

/**
 * A cluster's surge queue: requests wait here, in order of arrival, while every eligible server is at its
 * {@code max_connections}; a full queue or a wait longer than {@code timeout} is answered 503 with Retry-After.
 *
 * @param max     requests waiting at once over the whole process (default 1024)
 * @param timeout longest wait (default 5s)
 */
public record QueueConfig(int max, Duration timeout) {
    public static final QueueConfig DEFAULTS = new QueueConfig(1024, Duration.ofSeconds(5));
}
