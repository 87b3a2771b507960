package io.sluice.listener;

import io.sluice.cache.ResponseCache;

import java.util.concurrent.atomic.LongAdder;

/** Counters of one route of an HTTP listener, updated from every event loop. */
public final class RouteStats {
    private final String match;
    private final String cluster;
    private final String action;
    private final LongAdder requests = new LongAdder();
    private final ResponseCache cache;

    /**
     * @param match   what the route matches, for people: e.g. {@code host=api.example.com path_prefix=/v1}
     * @param cluster the cluster it sends requests to, or {@code ""} for a route that answers itself
     * @param action  {@code proxy}, or how the route answers itself: {@code respond}, {@code redirect}
     * @param cache   the route's cache, whose counters and size are reported with the route's; or {@code null}
     */
    public RouteStats(String match, String cluster, String action, ResponseCache cache) {
        this.match = match;
        this.cluster = cluster;
        this.action = action;
        this.cache = cache;
    }

    /** The route's cache, or {@code null}. */
    public ResponseCache cache() {
        return cache;
    }

    public String match() {
        return match;
    }

    public String cluster() {
        return cluster;
    }

    public String action() {
        return action;
    }

    /** Counts a request that matched the route and ended (forwarded or answered, or refused by the route's auth or rate). */
    public void countRequest() {
        requests.increment();
    }

    public long requests() {
        return requests.sum();
    }
}
