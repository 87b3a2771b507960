package io.sluice.admin;

import io.sluice.Sluice;
import io.sluice.Version;
import io.sluice.admin.PrometheusText.Type;
import io.sluice.buffer.SpillDirectory;
import io.sluice.cache.CacheStats;
import io.sluice.cache.ResponseCache;
import io.sluice.cluster.CloseReason;
import io.sluice.cluster.Cluster;
import io.sluice.cluster.Server;
import io.sluice.cluster.ServerState;
import io.sluice.deferred.DeferredDelivery;
import io.sluice.health.HealthChecker;
import io.sluice.health.HealthStatus;
import io.sluice.listener.ClientCloseReason;
import io.sluice.listener.ListenerStats;
import io.sluice.listener.RouteStats;
import io.sluice.telemetry.AccessLog;
import io.sluice.telemetry.LatencyHistogram;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.function.BiConsumer;
import java.util.function.ToDoubleFunction;
import java.util.function.ToLongFunction;

/**
 * The /metrics document: the counters of /stats in the Prometheus text format (docs/operations.md lists every
 * family). Rendered on the admin thread from the shared counters, which it only reads: a scrape costs the event
 * loops nothing. Each counter is read once per family, so two families of one scrape can be a few requests apart,
 * as /stats can.
 *
 * <p>Families are written one at a time, each over every listener, cluster or server; a new family of those is one
 * call to {@link #perListener}, {@link #perCluster} or {@link #perServer}, and a histogram is a family of type
 * {@link Type#HISTOGRAM} with one {@link PrometheusText#histogram} per series.
 */
final class Metrics {
    /**
     * Initial size of the text, so that a scrape rarely grows its buffer: HELP and TYPE lines take about 6 KiB, a
     * server's ~45 samples (its latency histogram included) about 4.5 KiB with labels, a listener's ~50 about 4 KiB
     * plus its routes, a cluster's a few hundred bytes.
     */
    private static final int FIXED_BYTES = 6144;
    private static final int BYTES_PER_SERVER = 5120;
    private static final int BYTES_PER_LISTENER = 5120;
    private static final int BYTES_PER_CLUSTER = 512;

    private Metrics() {
    }

    static String render(Sluice sluice) {
        List<Cluster> clusters = new ArrayList<>();
        List<ServerView> servers = new ArrayList<>();
        HealthChecker health = sluice.health();
        for (Cluster cluster : sluice.clusters()) {
            clusters.add(cluster);
            for (Server server : cluster.servers()) {
                servers.add(new ServerView(cluster.name(), server.config().address().toString(), server,
                        health == null ? HealthStatus.NONE : health.status(server)));
            }
        }
        Map<String, ListenerStats> listeners = sluice.listenerStats();
        StringBuilder text = new StringBuilder(FIXED_BYTES + BYTES_PER_SERVER * servers.size()
                + BYTES_PER_LISTENER * listeners.size() + BYTES_PER_CLUSTER * clusters.size());
        PrometheusText out = new PrometheusText(text);
        process(out, sluice);
        listeners(out, listeners);
        clusters(out, clusters);
        servers(out, servers);
        buffers(out, sluice);
        accessLog(out, sluice.accessLog());
        deferred(out, sluice.deferred());
        return text.toString();
    }

    private static void deferred(PrometheusText out, DeferredDelivery deferred) {
        if (deferred == null) {
            return;
        }
        DeferredDelivery.Snapshot s = deferred.snapshot();
        out.family("sluice_deferred_queue_depth", Type.GAUGE, "Deferred requests stored and not delivered yet.")
                .sample(s.queueDepth());
        out.family("sluice_deferred_oldest_age_seconds", Type.GAUGE,
                "Age of the oldest deferred request not delivered yet (0 when none).")
                .sample(s.oldestAgeMillis() / 1000.0);
        out.family("sluice_deferred_accepted_total", Type.COUNTER,
                "Deferred requests stored durably and answered 202, or refused (503: journal full or failing).")
                .sample(s.accepted(), "result", "accepted")
                .sample(s.refused(), "result", "refused");
        out.family("sluice_deferred_delivered_total", Type.COUNTER, "Deferred requests a server answered with 2xx.")
                .sample(s.delivered());
        out.family("sluice_deferred_retries_total", Type.COUNTER, "Failed deliveries scheduled again after backoff.")
                .sample(s.retries());
        out.family("sluice_deferred_dead_letters_total", Type.COUNTER,
                "Deferred requests given up on and moved to the dead-letter file.")
                .sample(s.deadLetters());
        out.family("sluice_deferred_journal_bytes", Type.GAUGE, "Bytes of journal segment files on disk.")
                .sample(s.journalBytes());
    }

    private static void accessLog(PrometheusText out, AccessLog log) {
        if (log == null) {
            return;
        }
        out.family("sluice_access_log_lines_total", Type.COUNTER,
                "Access log lines written, or dropped because the writer's queue was full.")
                .sample(log.written(), "result", "written")
                .sample(log.dropped(), "result", "dropped");
    }

    private static void process(PrometheusText out, Sluice sluice) {
        out.family("sluice_build_info", Type.GAUGE, "Always 1; the version label is this build's version.")
                .sample(1, "version", Version.current());
        out.family("sluice_start_time_seconds", Type.GAUGE,
                "When this Sluice started, in seconds since the Unix epoch.")
                .sample(sluice.startTime().toEpochMilli() / 1000.0);
        out.family("sluice_reloads_total", Type.COUNTER,
                "Reloads of the configuration file: applied (ok), or rejected or failed, the old one staying (failed).")
                .sample(sluice.reloads(), "result", "ok")
                .sample(sluice.reloadsFailed(), "result", "failed");
        out.family("sluice_config_last_reload_successful", Type.GAUGE,
                "1 when the last reload was applied (or none was tried), 0 when it was rejected or failed.")
                .sample(sluice.lastReloadSucceeded() ? 1 : 0);
    }

    private static void listeners(PrometheusText out, Map<String, ListenerStats> listeners) {
        perListener(out, listeners, "sluice_listener_connections", Type.GAUGE,
                "Client connections open now.", ListenerStats::connections);
        perListener(out, listeners, "sluice_listener_connections_accepted_total", Type.COUNTER,
                "Client connections accepted and counted as open.", ListenerStats::accepted);
        out.family("sluice_listener_connections_refused_total", Type.COUNTER,
                "Client connections closed at accept: max_connections reached, denied by the screen's address"
                        + " blocks, or over their client's connection limit or rate (client_limited).");
        listeners.forEach((name, stats) -> {
            out.sample(stats.refusedCount(), "listener", name, "reason", "max_connections");
            out.sample(stats.deniedCount(), "listener", name, "reason", "denied");
            out.sample(stats.clientLimitedCount(), "listener", name, "reason", "client_limited");
        });
        perListener(out, listeners, "sluice_listener_requests_total", Type.COUNTER,
                "HTTP requests read from clients (whole heads that parsed).", ListenerStats::requests);
        perListener(out, listeners, "sluice_listener_rate_limited_requests_total", Type.COUNTER,
                "Requests answered 429, over their client's or their route's request rate.",
                ListenerStats::rateLimitedCount);
        out.family("sluice_listener_responses_total", Type.COUNTER,
                "Responses sent to clients (Sluice's own answers included), by status class.");
        listeners.forEach((name, stats) -> {
            for (int n = 1; n <= 5; n++) {
                out.sample(stats.responses(n), "listener", name, "code", n + "xx");
            }
        });
        perListener(out, listeners, "sluice_listener_received_bytes_total", Type.COUNTER,
                "Bytes received from clients (requests, or TCP sessions' client bytes).", ListenerStats::bytesIn);
        perListener(out, listeners, "sluice_listener_sent_bytes_total", Type.COUNTER,
                "Bytes sent to clients.", ListenerStats::bytesOut);
        out.family("sluice_listener_request_duration_seconds", Type.HISTOGRAM,
                "Exchanges from the first byte of the request to the end of the answer (docs/operations.md).");
        listeners.forEach((name, stats) -> histogram(out, stats.latency(), "listener", name));
        out.family("sluice_listener_connection_closes_total", Type.COUNTER,
                "Client connections closed, by reason (docs/operations.md).");
        listeners.forEach((name, stats) -> {
            for (ClientCloseReason reason : ClientCloseReason.values()) {
                out.sample(stats.closes(reason), "listener", name, "reason", reason.key());
            }
        });
        out.family("sluice_route_requests_total", Type.COUNTER,
                "Requests that matched the route; routes are named by their match and cluster (empty for a route that "
                        + "answers itself), in table order.");
        listeners.forEach((name, stats) -> {
            for (RouteStats r : stats.routes()) {
                out.sample(r.requests(), "listener", name, "route", r.match(), "cluster", r.cluster());
            }
        });
        routeCaches(out, listeners);
    }

    /** The caches of routes that have one: requests by result, stored responses, bytes and entries per tier. */
    private static void routeCaches(PrometheusText out, Map<String, ListenerStats> listeners) {
        boolean any = listeners.values().stream().anyMatch(l -> l.routes().stream().anyMatch(r -> r.cache() != null));
        if (!any) {
            return; // no family without samples
        }
        out.family("sluice_route_cache_requests_total", Type.COUNTER,
                "GET and HEAD requests on routes with a cache, by result: hit (answered from the cache), miss (sent "
                        + "to the server), bypass (passed through).");
        eachCache(listeners, (labels, cache) -> {
            CacheStats c = cache.stats();
            out.sample(c.hits(), with(labels, "result", "hit"));
            out.sample(c.misses(), with(labels, "result", "miss"));
            out.sample(c.bypassed(), with(labels, "result", "bypass"));
        });
        cacheCounter(out, listeners, "sluice_route_cache_collapsed_total",
                "Waits for another request's fetch of the same URL (the request is counted again as a hit or miss).",
                CacheStats::collapsed);
        cacheCounter(out, listeners, "sluice_route_cache_revalidations_total",
                "Stored responses sent to the server to confirm.", CacheStats::revalidations);
        cacheCounter(out, listeners, "sluice_route_cache_revalidated_total",
                "Revalidations the server confirmed (304): the stored response was served.", CacheStats::revalidated);
        cacheCounter(out, listeners, "sluice_route_cache_stored_total", "Responses stored.", CacheStats::stored);
        cacheCounter(out, listeners, "sluice_route_cache_not_stored_total",
                "Responses that could not be stored (no-store, private, too large, cut short...).",
                CacheStats::notStored);
        cacheCounter(out, listeners, "sluice_route_cache_invalidations_total",
                "Stored URLs dropped by a request that changes them (POST, PUT, DELETE, PATCH).",
                CacheStats::invalidations);
        out.family("sluice_route_cache_bytes", Type.GAUGE, "Bytes of stored responses, by tier (memory, disk).");
        eachCache(listeners, (labels, cache) -> {
            out.sample(cache.memoryBytes(), with(labels, "tier", "memory"));
            if (cache.config().diskDir() != null) {
                out.sample(cache.diskBytes(), with(labels, "tier", "disk"));
            }
        });
        out.family("sluice_route_cache_entries", Type.GAUGE,
                "Stored URLs in memory, and stored responses on disk, by tier.");
        eachCache(listeners, (labels, cache) -> {
            out.sample(cache.memoryEntries(), with(labels, "tier", "memory"));
            if (cache.config().diskDir() != null) {
                out.sample(cache.diskEntries(), with(labels, "tier", "disk"));
            }
        });
    }

    private static void cacheCounter(PrometheusText out, Map<String, ListenerStats> listeners, String name,
                                     String help, ToLongFunction<CacheStats> value) {
        out.family(name, Type.COUNTER, help);
        eachCache(listeners, (labels, cache) -> out.sample(value.applyAsLong(cache.stats()), labels));
    }

    private static void eachCache(Map<String, ListenerStats> listeners, BiConsumer<String[], ResponseCache> each) {
        listeners.forEach((name, stats) -> {
            for (RouteStats r : stats.routes()) {
                if (r.cache() != null) {
                    each.accept(new String[] {"listener", name, "route", r.match(), "cluster", r.cluster()}, r.cache());
                }
            }
        });
    }

    private static String[] with(String[] labels, String name, String value) {
        String[] all = Arrays.copyOf(labels, labels.length + 2);
        all[labels.length] = name;
        all[labels.length + 1] = value;
        return all;
    }

    private static void histogram(PrometheusText out, LatencyHistogram h, String... labels) {
        out.histogram(LatencyHistogram.BOUNDS_MS, h.counts(), h.sumNanos() / 1e6, labels);
    }

    private static void clusters(PrometheusText out, List<Cluster> clusters) {
        perCluster(out, clusters, "sluice_cluster_queued_requests", Type.GAUGE,
                "Requests waiting in the surge queue for a free server.", c -> c.surgeQueue().size());
        perCluster(out, clusters, "sluice_cluster_retries_in_flight", Type.GAUGE,
                "Retries taken from the retry budget and not finished.",
                c -> c.retryLimiter().retriesInFlight());
        perCluster(out, clusters, "sluice_cluster_retried_requests_total", Type.COUNTER,
                "Requests retried on another server (a request retried twice counts once).",
                c -> c.retryLimiter().retriesGranted());
    }

    private static void servers(PrometheusText out, List<ServerView> servers) {
        perServer(out, servers, "sluice_server_requests_total", Type.COUNTER,
                "Requests (TCP sessions for TCP listeners) sent to the server.", s -> s.server.requests());
        perServer(out, servers, "sluice_server_connects_total", Type.COUNTER,
                "Server connections opened.", s -> s.server.connects());
        perServer(out, servers, "sluice_server_connect_failures_total", Type.COUNTER,
                "Server connections that failed to open.", s -> s.server.connectFailures());
        perServer(out, servers, "sluice_server_open_connections", Type.GAUGE,
                "Server connections open or opening: the slots of max_connections in use.",
                s -> s.server.openConnections());
        out.family("sluice_server_connections", Type.GAUGE,
                "Open server connections by state: leased to a request (active) or pooled (idle).");
        for (ServerView s : servers) {
            out.sample(s.server.active(), "cluster", s.cluster, "server", s.address, "state", "active");
            out.sample(s.server.idle(), "cluster", s.cluster, "server", s.address, "state", "idle");
        }
        out.family("sluice_server_connection_closes_total", Type.COUNTER,
                "Server connections closed, by reason (docs/pool.md).");
        for (ServerView s : servers) {
            for (CloseReason reason : CloseReason.values()) {
                out.sample(s.server.closes(reason), "cluster", s.cluster, "server", s.address, "reason", reason.key());
            }
        }
        out.family("sluice_server_request_duration_seconds", Type.HISTOGRAM,
                "Exchanges served by the server, from the first byte of the request to the end of the answer.");
        servers.forEach(s -> histogram(out, s.server.latency(), "cluster", s.cluster, "server", s.address));
        perServerDouble(out, servers, "sluice_server_reuse_ratio", Type.GAUGE,
                "Requests per server connection opened (0 before the first).",
                s -> s.server.connects() == 0 ? 0 : (double) s.server.requests() / s.server.connects());
        out.family("sluice_server_state", Type.GAUGE,
                "1 for the server's current state, 0 for the others: disabled, draining, down, ejected or up.");
        for (ServerView s : servers) {
            ServerState now = s.server.state();
            for (ServerState state : ServerState.values()) {
                out.sample(state == now ? 1 : 0, "cluster", s.cluster, "server", s.address, "state", state.key());
            }
        }
        perServer(out, servers, "sluice_server_ejections_total", Type.COUNTER,
                "Times passive health checking ejected the server.", s -> s.health.ejections());
        perServer(out, servers, "sluice_server_health_checks_total", Type.COUNTER,
                "Health checks run (active checks and post-ejection probes).", s -> s.health.checks());
        perServer(out, servers, "sluice_server_health_checks_failed_total", Type.COUNTER,
                "Health checks that failed.", s -> s.health.checksFailed());
    }

    private static void buffers(PrometheusText out, Sluice sluice) {
        out.family("sluice_buffer_memory_used_bytes", Type.GAUGE,
                "Memory held by buffered requests and responses, out of the budget.")
                .sample(sluice.bufferBudget().used());
        out.family("sluice_buffer_memory_budget_bytes", Type.GAUGE, "The memory budget (buffers.memory_budget).")
                .sample(sluice.bufferBudget().total());
        SpillDirectory spill = sluice.spillDirectory();
        out.family("sluice_buffer_spilled_bytes_total", Type.COUNTER, "Bytes written to spill files.")
                .sample(spill == null ? 0 : spill.spilledBytes());
        out.family("sluice_buffer_spill_files", Type.GAUGE, "Spill files that exist now.")
                .sample(spill == null ? 0 : spill.openFiles());
    }

    private static void perListener(PrometheusText out, Map<String, ListenerStats> listeners, String name, Type type,
                                    String help, ToLongFunction<ListenerStats> value) {
        out.family(name, type, help);
        listeners.forEach((listener, stats) -> out.sample(value.applyAsLong(stats), "listener", listener));
    }

    private static void perCluster(PrometheusText out, List<Cluster> clusters, String name, Type type,
                                   String help, ToLongFunction<Cluster> value) {
        out.family(name, type, help);
        for (Cluster c : clusters) {
            out.sample(value.applyAsLong(c), "cluster", c.name());
        }
    }

    private static void perServer(PrometheusText out, List<ServerView> servers, String name, Type type, String help,
                                  ToLongFunction<ServerView> value) {
        out.family(name, type, help);
        for (ServerView s : servers) {
            out.sample(value.applyAsLong(s), "cluster", s.cluster, "server", s.address);
        }
    }

    private static void perServerDouble(PrometheusText out, List<ServerView> servers, String name, Type type,
                                        String help, ToDoubleFunction<ServerView> value) {
        out.family(name, type, help);
        for (ServerView s : servers) {
            out.sample(value.applyAsDouble(s), "cluster", s.cluster, "server", s.address);
        }
    }

    /** A server with its labels and one health snapshot, so that every family of a scrape sees the same one. */
    private record ServerView(String cluster, String address, Server server, HealthStatus health) {
    }
}
