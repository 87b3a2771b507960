package io.sluice.config;

import java.time.Duration;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A route: requests matching {@code match} go to {@code cluster}, or are answered by Sluice ({@code direct}).
 *
 * @param cluster                where requests go; {@code null} for a route with a {@code direct} answer
 * @param rewritePathPrefix      replaces the matched {@code path_prefix} in the forwarded target ({@code null}: none)
 * @param addRequestHeaders      fields added to the forwarded request, in order (an existing field of the same name
 *                               is replaced)
 * @param removeRequestHeaders   field names dropped from the forwarded request
 * @param timeout                response timeout for this route; {@code null}: the cluster's
 * @param retries                tries after the first one for a request that failed safely (default 1)
 * @param buffering              request and response buffering (default none)
 * @param upgrades               protocols a request may switch to ({@code Upgrade}), lower case; the connection
 *                               becomes a tunnel when the server answers 101 (default {@code [websocket]}; empty:
 *                               the Upgrade field is not forwarded)
 * @param rateLimit              requests of all clients together on this route, answered 429 beyond ({@code null}:
 *                               no limit)
 * @param auth                   credentials a request must carry ({@code null}: none)
 * @param direct                 what Sluice answers itself ({@code respond}, {@code redirect}); {@code null}: the
 *                               request goes to {@code cluster}
 * @param deliver                {@code direct} (default): forwarded while the client waits; {@code deferred}: stored
 *                               durably, answered 202, delivered to {@code cluster} later (top-level {@code deferred})
 * @param cache                  the route's HTTP cache; {@code null}: none
 */
public record RouteConfig(RouteMatch match, String cluster, String rewritePathPrefix,
                          Map<String, String> addRequestHeaders, List<String> removeRequestHeaders, Duration timeout,
                          int retries, RouteBuffering buffering, List<String> upgrades, RateLimit rateLimit,
                          AuthConfig auth, DirectResponse direct, Deliver deliver, RouteCache cache) {
    /** How a request reaches the cluster. */
    public enum Deliver { DIRECT, DEFERRED }

    public static final List<String> DEFAULT_UPGRADES = List.of("websocket");
    public static final int DEFAULT_RETRIES = 1;
    public static final int MAX_RETRIES = 5;

    public RouteConfig {
        addRequestHeaders = addRequestHeaders == null ? Map.of()
                : Collections.unmodifiableMap(new LinkedHashMap<>(addRequestHeaders));
        removeRequestHeaders = removeRequestHeaders == null ? List.of() : List.copyOf(removeRequestHeaders);
        buffering = buffering == null ? RouteBuffering.NONE : buffering;
        upgrades = upgrades == null ? DEFAULT_UPGRADES : List.copyOf(upgrades);
        deliver = deliver == null ? Deliver.DIRECT : deliver;
    }

    public RouteConfig(RouteMatch match, String cluster, String rewritePathPrefix,
                       Map<String, String> addRequestHeaders, List<String> removeRequestHeaders, Duration timeout,
                       int retries, RouteBuffering buffering, List<String> upgrades, RateLimit rateLimit,
                       AuthConfig auth, DirectResponse direct, Deliver deliver) {
        this(match, cluster, rewritePathPrefix, addRequestHeaders, removeRequestHeaders, timeout, retries, buffering,
                upgrades, rateLimit, auth, direct, deliver, null);
    }

    public RouteConfig(RouteMatch match, String cluster, String rewritePathPrefix,
                       Map<String, String> addRequestHeaders, List<String> removeRequestHeaders, Duration timeout,
                       int retries, RouteBuffering buffering, List<String> upgrades, RateLimit rateLimit,
                       AuthConfig auth, DirectResponse direct) {
        this(match, cluster, rewritePathPrefix, addRequestHeaders, removeRequestHeaders, timeout, retries, buffering,
                upgrades, rateLimit, auth, direct, Deliver.DIRECT);
    }

    /** A route to {@code cluster}. */
    public RouteConfig(RouteMatch match, String cluster, String rewritePathPrefix,
                       Map<String, String> addRequestHeaders, List<String> removeRequestHeaders, Duration timeout,
                       int retries, RouteBuffering buffering, List<String> upgrades, RateLimit rateLimit,
                       AuthConfig auth) {
        this(match, cluster, rewritePathPrefix, addRequestHeaders, removeRequestHeaders, timeout, retries, buffering,
                upgrades, rateLimit, auth, null);
    }

    public RouteConfig(RouteMatch match, String cluster, String rewritePathPrefix,
                       Map<String, String> addRequestHeaders, List<String> removeRequestHeaders, Duration timeout,
                       int retries, RouteBuffering buffering, List<String> upgrades) {
        this(match, cluster, rewritePathPrefix, addRequestHeaders, removeRequestHeaders, timeout, retries, buffering,
                upgrades, null, null);
    }

    public RouteConfig(RouteMatch match, String cluster, String rewritePathPrefix,
                       Map<String, String> addRequestHeaders, List<String> removeRequestHeaders, Duration timeout,
                       int retries, RouteBuffering buffering) {
        this(match, cluster, rewritePathPrefix, addRequestHeaders, removeRequestHeaders, timeout, retries, buffering,
                DEFAULT_UPGRADES);
    }

    public RouteConfig(RouteMatch match, String cluster, String rewritePathPrefix,
                       Map<String, String> addRequestHeaders, List<String> removeRequestHeaders, Duration timeout,
                       int retries) {
        this(match, cluster, rewritePathPrefix, addRequestHeaders, removeRequestHeaders, timeout, retries,
                RouteBuffering.NONE);
    }

    public RouteConfig(RouteMatch match, String cluster) {
        this(match, cluster, null, Map.of(), List.of(), null, DEFAULT_RETRIES);
    }
}
