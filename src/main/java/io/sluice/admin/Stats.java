package io.sluice.admin;

import io.sluice.Sluice;
import io.sluice.Version;
import io.sluice.buffer.SpillDirectory;
import io.sluice.cache.CacheStats;
import io.sluice.cache.ResponseCache;
import io.sluice.cluster.CloseReason;
import io.sluice.cluster.Cluster;
import io.sluice.cluster.Server;
import io.sluice.deferred.DeferredDelivery;
import io.sluice.health.HealthChecker;
import io.sluice.health.HealthStatus;
import io.sluice.listener.ClientCloseReason;
import io.sluice.listener.ListenerStats;
import io.sluice.listener.RouteStats;
import io.sluice.telemetry.AccessLog;
import io.sluice.telemetry.LatencyHistogram;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The /stats document: {@code version} and {@code uptime_s} of this Sluice, then per listener and per server
 * counters, as plain maps for JSON. Per server, besides the
 * traffic counters: {@code state} (up, down, ejected, draining, disabled) and the health fields
 * {@code check_passes} and {@code check_failures} (active checks in a row, compared to rise and fall),
 * {@code checks} and {@code checks_failed} (totals), {@code last_check} (e.g. {@code "failed: status 503"}, null
 * before the first), {@code consecutive_failures} (requests failed in a row, for passive checks),
 * {@code ejections} (total) and {@code ejection_ms} (length of the ejection in progress, 0 when not ejected).
 *
 * <p>Per listener, besides connection counters: {@code responses} by status class, {@code bytes_in} and
 * {@code bytes_out} (client side), {@code latency} (exchange durations: {@code le_ms} bounds, {@code counts} per
 * bucket, the last one above the largest bound, {@code sum_ms}), {@code closes} (client connections by reason) and,
 * for HTTP listeners, {@code routes} ({@code match}, {@code cluster}, {@code requests}); per server, {@code latency}
 * too; at the top, {@code access_log} ({@code enabled}, {@code written}, {@code dropped}). See docs/operations.md.
 */
final class Stats {
    private Stats() {
    }

    static Map<String, Object> of(Sluice sluice) {
        List<Object> listeners = new ArrayList<>();
        sluice.listenerViews().forEach(view -> listeners.add(listener(view)));
        List<Object> clusters = new ArrayList<>();
        for (Cluster cluster : sluice.clusters()) {
            List<Object> servers = new ArrayList<>();
            cluster.servers().forEach(s -> servers.add(server(s, sluice.health())));
            Map<String, Object> c = new LinkedHashMap<>();
            c.put("name", cluster.name());
            c.put("queued", cluster.surgeQueue().size());
            c.put("retries_in_flight", cluster.retryLimiter().retriesInFlight());
            c.put("retried_requests", cluster.retryLimiter().retriesGranted());
            c.put("servers", servers);
            clusters.add(c);
        }
        Map<String, Object> doc = new LinkedHashMap<>();
        doc.put("version", Version.current());
        doc.put("uptime_s", sluice.uptime().toSeconds());
        doc.put("listeners", listeners);
        doc.put("clusters", clusters);
        doc.put("leases", sluice.outstandingLeases());
        doc.put("buffers", buffers(sluice));
        Map<String, Object> reloads = new LinkedHashMap<>();
        reloads.put("ok", sluice.reloads());
        reloads.put("failed", sluice.reloadsFailed());
        reloads.put("last_successful", sluice.lastReloadSucceeded());
        doc.put("reloads", reloads);
        doc.put("access_log", accessLog(sluice.accessLog()));
        doc.put("deferred", deferred(sluice.deferred()));
        return doc;
    }

    private static Map<String, Object> accessLog(AccessLog log) {
        Map<String, Object> a = new LinkedHashMap<>();
        a.put("enabled", log != null);
        a.put("written", log == null ? 0 : log.written());
        a.put("dropped", log == null ? 0 : log.dropped());
        return a;
    }

    /** {@code {"le_ms": [...], "counts": [...], "sum_ms": x}}: counts per bucket, not cumulative. */
    static Map<String, Object> latency(LatencyHistogram h) {
        Map<String, Object> l = new LinkedHashMap<>();
        l.put("le_ms", LatencyHistogram.BOUNDS_MS);
        l.put("counts", h.counts());
        l.put("sum_ms", h.sumNanos() / 1e6);
        return l;
    }

    /** Store and forward; zeros (and {@code enabled: false}) while no route uses it. */
    private static Map<String, Object> deferred(DeferredDelivery deferred) {
        DeferredDelivery.Snapshot s = deferred == null
                ? new DeferredDelivery.Snapshot(0, 0, 0, 0, 0, 0, 0, 0) : deferred.snapshot();
        Map<String, Object> d = new LinkedHashMap<>();
        d.put("enabled", deferred != null);
        d.put("queue_depth", s.queueDepth());
        d.put("oldest_age_ms", s.oldestAgeMillis());
        d.put("accepted", s.accepted());
        d.put("refused", s.refused());
        d.put("delivered", s.delivered());
        d.put("retries", s.retries());
        d.put("dead_letters", s.deadLetters());
        d.put("journal_bytes", s.journalBytes());
        return d;
    }

    private static Map<String, Object> buffers(Sluice sluice) {
        Map<String, Object> b = new LinkedHashMap<>();
        b.put("memory_used", sluice.bufferBudget().used());
        b.put("memory_budget", sluice.bufferBudget().total());
        b.put("holders", sluice.bufferBudget().holders());
        SpillDirectory spill = sluice.spillDirectory();
        b.put("spilled_bytes", spill == null ? 0 : spill.spilledBytes());
        b.put("spill_files", spill == null ? 0 : spill.openFiles());
        return b;
    }

    private static Map<String, Object> listener(Sluice.ListenerView view) {
        ListenerStats stats = view.stats();
        Map<String, Object> l = new LinkedHashMap<>();
        l.put("name", view.name());
        l.put("address", view.address().getAddress().getHostAddress() + ":" + view.address().getPort());
        l.put("connections", stats.connections());
        l.put("accepted", stats.accepted());
        l.put("refused", stats.refusedCount());
        l.put("denied", stats.deniedCount());
        l.put("client_limited", stats.clientLimitedCount());
        l.put("rate_limited", stats.rateLimitedCount());
        l.put("requests", stats.requests());
        Map<String, Object> responses = new LinkedHashMap<>();
        for (int n = 1; n <= ListenerStats.STATUS_CLASSES; n++) {
            responses.put(n + "xx", stats.responses(n));
        }
        l.put("responses", responses);
        l.put("bytes_in", stats.bytesIn());
        l.put("bytes_out", stats.bytesOut());
        l.put("latency", latency(stats.latency()));
        Map<String, Object> closes = new LinkedHashMap<>();
        for (ClientCloseReason reason : ClientCloseReason.values()) {
            closes.put(reason.key(), stats.closes(reason));
        }
        l.put("closes", closes);
        if (!stats.routes().isEmpty()) { // an HTTP listener (it has at least one route)
            List<Object> routes = new ArrayList<>();
            for (RouteStats r : stats.routes()) {
                Map<String, Object> route = new LinkedHashMap<>();
                route.put("match", r.match());
                route.put("cluster", r.cluster());
                route.put("action", r.action());
                route.put("requests", r.requests());
                if (r.cache() != null) {
                    route.put("cache", cache(r.cache()));
                }
                routes.add(route);
            }
            l.put("routes", routes);
        }
        return l;
    }

    /** A route's cache: what it answered, what it stored, and how full its tiers are. */
    static Map<String, Object> cache(ResponseCache cache) {
        CacheStats c = cache.stats();
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("hits", c.hits());
        m.put("misses", c.misses());
        long lookups = c.hits() + c.misses();
        m.put("hit_ratio", lookups == 0 ? 0.0 : (double) c.hits() / lookups);
        m.put("collapsed", c.collapsed());
        m.put("bypassed", c.bypassed());
        m.put("revalidations", c.revalidations());
        m.put("revalidated", c.revalidated());
        m.put("stored", c.stored());
        m.put("not_stored", c.notStored());
        m.put("invalidations", c.invalidations());
        m.put("memory_entries", cache.memoryEntries());
        m.put("memory_bytes", cache.memoryBytes());
        m.put("max_memory", cache.config().maxMemory());
        if (cache.config().diskDir() != null) {
            m.put("disk_entries", cache.diskEntries());
            m.put("disk_bytes", cache.diskBytes());
            m.put("disk_max", cache.config().diskMax());
            m.put("disk_hits", c.diskHits());
            m.put("disk_writes", c.diskWrites());
            m.put("disk_dropped", c.diskDropped());
        }
        return m;
    }

    static Map<String, Object> server(Server server, HealthChecker health) {
        Map<String, Object> s = new LinkedHashMap<>();
        s.put("address", server.config().address().toString());
        s.put("state", server.state().key());
        s.put("requests", server.requests());
        s.put("connects", server.connects());
        // requests per server connection opened: what pooling (per client, with send_proxy) buys the server
        s.put("reuse_ratio", server.connects() == 0 ? 0.0
                : Math.round(100.0 * server.requests() / server.connects()) / 100.0);
        s.put("connect_failures", server.connectFailures());
        s.put("open", server.openConnections());
        s.put("active", server.active());
        s.put("idle", server.idle());
        Map<String, Object> closes = new LinkedHashMap<>();
        for (CloseReason reason : CloseReason.values()) {
            closes.put(reason.key(), server.closes(reason));
        }
        s.put("closes", closes);
        s.put("latency", latency(server.latency()));
        HealthStatus h = health == null ? HealthStatus.NONE : health.status(server);
        s.put("check_passes", h.checkPasses());
        s.put("check_failures", h.checkFailures());
        s.put("checks", h.checks());
        s.put("checks_failed", h.checksFailed());
        s.put("last_check", h.lastCheck());
        s.put("consecutive_failures", server.consecutiveFailures());
        s.put("ejections", h.ejections());
        s.put("ejection_ms", h.ejectionMillis());
        return s;
    }
}
