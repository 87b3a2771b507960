package io.sluice.route;

import io.netty.buffer.ByteBuf;
import io.sluice.cache.ResponseCache;
import io.sluice.cluster.Cluster;
import io.sluice.config.DirectResponse;
import io.sluice.config.HashOn;
import io.sluice.config.RouteBuffering;
import io.sluice.config.HeaderMatch;
import io.sluice.config.RouteConfig;
import io.sluice.config.RouteMatch;
import io.sluice.listener.RouteStats;
import io.sluice.listener.TokenBucket;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/** Where a matched request goes, and what is changed on the way: compiled from a {@link RouteConfig}. */
public final class Route {
    private final Cluster cluster;
    private final byte[] rewritePathPrefix;
    private final int matchedPrefixLength;
    /** Lower-case names of the fields dropped from the forwarded request: removed ones and replaced ones. */
    private final byte[][] droppedFields;
    private final byte[] addedFields;
    private final long responseTimeoutNanos;
    private final int retries;
    private final byte[] hashName;
    private final RouteBuffering buffering;
    /** Lower-case protocol names a request may upgrade to. */
    private final byte[][] upgrades;
    /** Requests of all clients on this route, or {@code null}. */
    private final TokenBucket rateLimit;
    private final RouteAuth auth;
    private final RouteStats stats;
    /** What the route answers itself, or {@code null} when it sends requests to {@link #cluster}. */
    private final DirectResponse direct;
    /** The route's HTTP cache, or {@code null}. */
    private final ResponseCache cache;
    final RouteConfig config;

    Route(RouteConfig config, Cluster cluster) {
        this(config, cluster, null);
    }

    /**
     * @param previous the same route of the table a reload replaces (configured the same), whose counters and rate
     *                 bucket go on; or {@code null}
     */
    Route(RouteConfig config, Cluster cluster, Route previous) {
        this.config = config;
        this.cluster = cluster;
        this.direct = config.direct();
        // a route configured the same keeps what its cache holds, like its counters
        this.cache = config.cache() == null ? null : previous != null ? previous.cache
                : new ResponseCache(config.cache());
        this.stats = previous != null ? previous.stats : new RouteStats(describe(config.match()),
                cluster == null ? "" : cluster.name(), direct == null ? "proxy" : direct.action().key(), cache);
        String prefix = config.match() == null ? null : config.match().pathPrefix();
        this.rewritePathPrefix = config.rewritePathPrefix() == null ? null : ascii(config.rewritePathPrefix());
        this.matchedPrefixLength = prefix == null ? 0 : ascii(prefix).length;
        List<byte[]> dropped = new ArrayList<>();
        config.removeRequestHeaders().forEach(name -> dropped.add(ascii(name.toLowerCase(Locale.ROOT))));
        this.auth = config.auth() == null ? null : new RouteAuth(config.auth());
        if (auth != null && !auth.forwardsCredentials()) {
            dropped.add(ascii("authorization"));
        }
        this.rateLimit = previous != null ? previous.rateLimit
                : config.rateLimit() == null ? null : new TokenBucket(config.rateLimit());
        StringBuilder added = new StringBuilder();
        for (Map.Entry<String, String> field : config.addRequestHeaders().entrySet()) {
            dropped.add(ascii(field.getKey().toLowerCase(Locale.ROOT)));
            added.append(field.getKey()).append(": ").append(field.getValue()).append("\r\n");
        }
        this.droppedFields = dropped.toArray(new byte[0][]);
        this.addedFields = added.isEmpty() ? null : ascii(added.toString());
        this.responseTimeoutNanos = config.timeout() == null ? -1 : config.timeout().toNanos();
        this.retries = config.retries();
        this.buffering = config.buffering();
        this.upgrades = config.upgrades().stream().map(Route::ascii).toArray(byte[][]::new);
        String name = cluster == null || cluster.config().hashOn() == null ? null : cluster.config().hashOn().name();
        // header names compare case-insensitively, cookie names exactly
        this.hashName = name == null ? null : ascii(cluster.config().hashOn().kind() == HashOn.Kind.HEADER
                ? name.toLowerCase(Locale.ROOT) : name);
    }

    /** A route with no options, to {@code cluster}. */
    public static Route to(Cluster cluster) {
        return new Route(new RouteConfig(null, cluster.name()), cluster);
    }

    /** What {@code match} asks for, for people: {@code host=a.example path_prefix=/v1}, or {@code any}. */
    static String describe(RouteMatch match) {
        if (match == null) {
            return "any";
        }
        List<String> parts = new ArrayList<>();
        if (match.host() != null) {
            parts.add("host=" + match.host());
        }
        if (match.pathPrefix() != null) {
            parts.add("path_prefix=" + match.pathPrefix());
        }
        if (match.pathExact() != null) {
            parts.add("path_exact=" + match.pathExact());
        }
        if (match.pathRegex() != null) {
            parts.add("path_regex=" + match.pathRegex());
        }
        if (!match.methods().isEmpty()) {
            parts.add("method=" + String.join(",", match.methods()));
        }
        for (HeaderMatch h : match.headers()) {
            parts.add("header=" + h.name() + (h.value() == null ? "" : ":" + h.value()));
        }
        return parts.isEmpty() ? "any" : String.join(" ", parts);
    }

    private static byte[] ascii(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    /**
     * Whether the {@code Upgrade} value in {@code buf[start, end)} names only protocols this route allows (a list
     * such as {@code websocket, foo} needs all of them: the server picks one).
     */
    public boolean allowsUpgrade(ByteBuf buf, int start, int end) {
        if (upgrades.length == 0) {
            return false;
        }
        int from = start;
        while (from < end) {
            int comma = buf.indexOf(from, end, (byte) ',');
            int to = comma < 0 ? end : comma;
            int a = from;
            int b = to;
            while (a < b && (buf.getByte(a) == ' ' || buf.getByte(a) == '\t')) {
                a++;
            }
            while (b > a && (buf.getByte(b - 1) == ' ' || buf.getByte(b - 1) == '\t')) {
                b--;
            }
            if (a < b && !allowed(buf, a, b)) {
                return false;
            }
            from = to + 1;
        }
        return true;
    }

    private boolean allowed(ByteBuf buf, int start, int end) {
        for (byte[] protocol : upgrades) {
            if (Bytes.equalsIgnoreCase(buf, start, end, protocol)) {
                return true;
            }
        }
        return false;
    }

    /** The route's counters, shown in /stats. */
    public RouteStats stats() {
        return stats;
    }

    /** Where requests go; {@code null} for a route that answers itself ({@link #direct}). */
    public Cluster cluster() {
        return cluster;
    }

    /** Whether requests are stored and answered 202, then delivered later ({@code deliver: deferred}). */
    public boolean deferred() {
        return config.deliver() == io.sluice.config.RouteConfig.Deliver.DEFERRED;
    }

    /** What the route answers itself, or {@code null} when its requests go to {@link #cluster}. */
    public DirectResponse direct() {
        return direct;
    }

    /** The route's HTTP cache, or {@code null}. */
    public ResponseCache cache() {
        return cache;
    }

    /** Credentials checked before a request goes on, or {@code null}. */
    public RouteAuth auth() {
        return auth;
    }

    /**
     * Takes a token of the route's request rate at {@code nowNanos}.
     *
     * @return 0 when the request may go on; otherwise the nanoseconds until a token is there
     */
    public long takeRequest(long nowNanos) {
        return rateLimit == null ? 0 : rateLimit.take(nowNanos);
    }

    /** Whether a request must be checked (rate, credentials) before it goes to a server. */
    public boolean checksRequests() {
        return rateLimit != null || auth != null;
    }

    /** What replaces the matched path prefix in the forwarded target, or {@code null} to keep the target. */
    public byte[] rewritePathPrefix() {
        return rewritePathPrefix;
    }

    /** Length of the matched path prefix that {@link #rewritePathPrefix} replaces. */
    public int matchedPrefixLength() {
        return matchedPrefixLength;
    }

    /** Whether the request field named {@code buf[start, end)} is left out of the forwarded request. */
    public boolean dropsField(ByteBuf buf, int start, int end) {
        for (byte[] name : droppedFields) {
            if (Bytes.equalsIgnoreCase(buf, start, end, name)) {
                return true;
            }
        }
        return false;
    }

    /** Complete field lines ({@code Name: value CRLF}) added to the forwarded request, or {@code null}. */
    public byte[] addedFields() {
        return addedFields;
    }

    public RouteBuffering buffering() {
        return buffering;
    }

    /** The header (lower case) or cookie name the cluster's consistent hash reads, or {@code null}. */
    public byte[] hashName() {
        return hashName;
    }

    /** The response timeout of this route, or -1 for the cluster's. */
    public long responseTimeoutNanos() {
        return responseTimeoutNanos;
    }

    /** Tries on other servers after the first, for a request that failed before any response byte. */
    public int retries() {
        return retries;
    }
}
