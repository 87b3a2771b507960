package io.sluice.config;

import java.nio.file.Path;
import java.time.Duration;

/**
 * A route's HTTP cache (RFC 9111, shared): GET responses kept in memory, and past it optionally on disk, and served
 * while fresh.
 *
 * @param maxMemory   bytes of responses kept in memory, heads and bodies (default 64 MiB)
 * @param maxObject   largest response body stored (default 1 MiB); larger ones pass through unstored
 * @param lockTimeout longest a request waits for another request's miss on the same URL (request collapsing) before
 *                    it goes to the server itself (default 5s, as nginx's {@code proxy_cache_lock_timeout})
 * @param diskDir     where responses pushed out of memory are kept; {@code null}: no disk tier
 * @param diskMax     bytes of response bodies kept on disk (default 1 GiB; only with {@code disk_dir})
 */
public record RouteCache(long maxMemory, long maxObject, Duration lockTimeout, Path diskDir, long diskMax) {
    public static final long DEFAULT_MAX_MEMORY = 64L << 20;
    public static final long DEFAULT_MAX_OBJECT = 1L << 20;
    public static final Duration DEFAULT_LOCK_TIMEOUT = Duration.ofSeconds(5);
    public static final long DEFAULT_DISK_MAX = 1L << 30;
    /** {@code cache: {}}: every default, no disk tier. */
    public static final RouteCache DEFAULTS = new RouteCache(DEFAULT_MAX_MEMORY, DEFAULT_MAX_OBJECT,
            DEFAULT_LOCK_TIMEOUT, null, DEFAULT_DISK_MAX);
}
