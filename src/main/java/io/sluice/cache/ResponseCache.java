package io.sluice.cache;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import com.github.benmanes.caffeine.cache.Expiry;
import com.github.benmanes.caffeine.cache.RemovalCause;
import io.sluice.config.RouteCache;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;

/**
 * A route's HTTP cache (RFC 9111, shared cache), used by every event loop. Responses are kept by URL (host and
 * target), each URL with up to {@link #MAX_VARIANTS} variants (Vary). The memory tier is a Caffeine cache bounded
 * by bytes ({@code max_memory}; W-TinyLFU decides what stays); what it pushes out goes to the disk tier when there
 * is one. Concurrent misses on one URL are collapsed: one request goes to the server, the others wait for its
 * answer.
 */
public final class ResponseCache {
    /** Most variants kept per URL: a Vary on a field with many values (User-Agent) would fill the cache otherwise. */
    static final int MAX_VARIANTS = 16;

    private final RouteCache config;
    private final Cache<String, List<CachedResponse>> memory;
    private final ConcurrentHashMap<String, Collapse> fetching = new ConcurrentHashMap<>();
    private final DiskTier disk;
    final CacheStats stats = new CacheStats();

    public ResponseCache(RouteCache config) {
        this.config = config;
        this.disk = config.diskDir() == null ? null : DiskTier.open(config.diskDir(), config.diskMax(), stats);
        Caffeine<String, List<CachedResponse>> builder = Caffeine.newBuilder()
                // upkeep on the thread that triggers it (an event loop, a few µs now and then), not on a pool thread
                // woken every few hits that would compete with the event loop for its CPU
                .executor(Runnable::run)
                .maximumWeight(config.maxMemory())
                .weigher((String key, List<CachedResponse> variants) -> weight(key, variants))
                .expireAfter(new UntilUseless());
        if (disk != null) {
            builder = builder.removalListener((String key, List<CachedResponse> variants, RemovalCause cause) -> {
                if (cause == RemovalCause.SIZE && key != null && variants != null) {
                    disk.offer(key, variants);
                }
            });
        }
        this.memory = builder.build();
    }

    public RouteCache config() {
        return config;
    }

    public CacheStats stats() {
        return stats;
    }

    long maxObject() {
        return config.maxObject();
    }

    /**
     * Decides how {@code request} is answered.
     *
     * @param loop the request's event loop, where {@code wake} runs
     * @param wake what runs when the request waited for another's fetch and that ended; {@code null}: the request
     *             does not wait (it waited already, and the fetch it waited for ended with an answer)
     */
    public CacheDecision decide(CacheRequest request, long nowMillis, Executor loop, Runnable wake) {
        String bypass = request.bypass();
        if (bypass != null) {
            stats.bypassed.increment();
            return CacheDecision.pass(bypass);
        }
        List<CachedResponse> variants = memory.getIfPresent(request.key);
        CachedResponse stored = select(variants, request);
        if (stored == null && disk != null) {
            stored = disk.lookup(request);
        }
        if (stored != null && request.accepts(stored, nowMillis)) {
            stats.hits.increment();
            if (stored.file != null) {
                stats.diskHits.increment();
            }
            return CacheDecision.hit(stored);
        }
        if (request.onlyIfCached()) {
            return CacheDecision.UNAVAILABLE;
        }
        if (request.head) {
            stats.bypassed.increment();
            return CacheDecision.pass("method"); // a HEAD answer has no body to store
        }
        String forward = stored == null ? variants == null ? "miss" : "vary-miss"
                : stored.fresh(nowMillis) ? "request" : "stale"; // fresh, but the request's directives refused it
        // one on disk is fetched whole: a 304 would refresh a response whose body is only in a file, which storing
        // the refreshed response deletes (store() drops the disk copy), and the exchange sends such a body from memory
        CachedResponse revalidate = stored != null && stored.file == null && stored.hasValidator()
                && !request.conditional() ? stored : null;
        Collapse leading = null;
        if (wake != null && !request.noStore() && !request.requiresValidation()) {
            Collapse mine = new Collapse(this, request.key);
            Collapse joined = leadOrWait(mine, loop, wake);
            if (joined != mine) {
                stats.collapsed.increment();
                return CacheDecision.waitFor(joined);
            }
            leading = mine;
        }
        stats.misses.increment();
        if (revalidate != null) {
            stats.revalidations.increment();
        }
        return CacheDecision.fetch(new CacheFill(this, request, revalidate, leading, forward));
    }

    /** A stored response on disk could not be read (the disk tier dropped it meanwhile): it is forgotten. */
    public void lost(CacheRequest request) {
        stats.hits.decrement(); // the request is decided again, and counted then
        stats.diskHits.decrement();
        if (disk != null) {
            disk.remove(request.key);
        }
    }

    /**
     * A request that may change what the URL names (POST, PUT, DELETE, PATCH) goes to the server: what is stored for
     * it is dropped (RFC 9111 §4.4; dropped when the request is forwarded, whatever the server then answers).
     */
    public void invalidate(String key) {
        boolean inMemory = memory.asMap().remove(key) != null;
        boolean onDisk = disk != null && disk.remove(key);
        if (inMemory || onDisk) {
            stats.invalidations.increment();
        }
    }

    /** URLs in memory. Runs the memory tier's pending upkeep first: for the admin, not per request. */
    public long memoryEntries() {
        memory.cleanUp();
        return memory.estimatedSize();
    }

    /** Bytes in memory, as weighed. Runs the memory tier's pending upkeep first: for the admin, not per request. */
    public long memoryBytes() {
        memory.cleanUp(); // stores and evictions not applied yet would not be counted
        return memory.policy().eviction().map(e -> e.weightedSize().orElse(0)).orElse(0L);
    }

    public long diskEntries() {
        return disk == null ? 0 : disk.entries();
    }

    public long diskBytes() {
        return disk == null ? 0 : disk.bytes();
    }

    void store(CacheRequest request, CachedResponse response) {
        if (disk != null) {
            disk.remove(request.key); // an older copy there must not outlive this one
        }
        memory.asMap().compute(request.key, (key, old) -> {
            List<CachedResponse> variants = new ArrayList<>(old == null ? 1 : old.size() + 1);
            variants.add(response);
            if (old != null) {
                for (CachedResponse v : old) {
                    if (!v.sameVariant(response) && variants.size() < MAX_VARIANTS) {
                        variants.add(v);
                    }
                }
            }
            return List.copyOf(variants);
        });
        stats.stored.increment();
    }

    /**
     * @return {@code mine}, now the fetch of its URL that others wait for; or the fetch already under way, which
     *         {@code wake} now waits for
     */
    private Collapse leadOrWait(Collapse mine, Executor loop, Runnable wake) {
        String key = mine.key;
        for (;;) {
            Collapse current = fetching.get(key);
            if (current == null) {
                if (fetching.putIfAbsent(key, mine) == null) {
                    return mine;
                }
            } else if (current.await(loop, wake)) {
                return current;
            } else {
                fetching.remove(key, current); // it ended: rather than spin until it removes itself
            }
            // the fetch ended meanwhile: look again
        }
    }

    void ended(String key, Collapse collapse) {
        fetching.remove(key, collapse);
    }

    private static CachedResponse select(List<CachedResponse> variants, CacheRequest request) {
        if (variants != null) {
            for (CachedResponse v : variants) {
                if (v.matches(request)) {
                    return v;
                }
            }
        }
        return null;
    }

    private static int weight(String key, List<CachedResponse> variants) {
        long w = key.length();
        for (CachedResponse v : variants) {
            w += v.weight();
        }
        return (int) Math.min(Integer.MAX_VALUE, w);
    }

    /**
     * Keeps a URL while a variant is fresh, or can be revalidated (it has a validator); a URL whose variants are all
     * stale with nothing to confirm them by is of no use, and goes.
     */
    private static final class UntilUseless implements Expiry<String, List<CachedResponse>> {
        @Override
        public long expireAfterCreate(String key, List<CachedResponse> variants, long currentTime) {
            long now = System.currentTimeMillis();
            long seconds = 0;
            for (CachedResponse v : variants) {
                if (v.hasValidator()) {
                    return Long.MAX_VALUE;
                }
                seconds = Math.max(seconds, v.ttlSeconds(now));
            }
            return TimeUnit.SECONDS.toNanos(seconds);
        }

        @Override
        public long expireAfterUpdate(String key, List<CachedResponse> variants, long currentTime,
                                      long currentDuration) {
            return expireAfterCreate(key, variants, currentTime);
        }

        @Override
        public long expireAfterRead(String key, List<CachedResponse> variants, long currentTime,
                                    long currentDuration) {
            return currentDuration;
        }
    }
}
