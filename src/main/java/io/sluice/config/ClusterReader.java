package io.sluice.config;

import io.sluice.config.Node.Mapping;
import io.sluice.config.Node.Scalar;
import java.time.Duration;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Reads one cluster: its servers, how it balances between them, its pool and timeouts, how it checks its servers'
 * health, and how it queues and retries requests.
 */
final class ClusterReader {
    /** Balancers track tried servers in a 64-bit mask. */
    static final int MAX_SERVERS = 64;

    private static final Pattern EXPECT_STATUS = Pattern.compile("(\\d{3})(?:-(\\d{3}))?");

    private final ValueReader values;
    private final Set<String> names = new LinkedHashSet<>();
    private final Map<String, Integer> nameLines = new HashMap<>();

    ClusterReader(ValueReader values) {
        this.values = values;
    }

    /** Names of the clusters read so far as written, even of clusters with problems. */
    Set<String> names() {
        return Collections.unmodifiableSet(names);
    }

    ClusterConfig cluster(Node node, String path) {
        Mapping m = values.asMapping(node, path);
        if (m == null) {
            return null;
        }
        values.checkKeys(m, path, "name", "balance", "hash_on", "servers", "pool", "timeouts", "health", "outlier",
                "slow_start", "queue", "retry_budget");
        String name = values.name(m, path, "cluster", nameLines);
        if (name != null) {
            names.add(name);
        }
        Balance balance = values.choice(m, path, "balance", Balance.ROUND_ROBIN, Balance.class);
        HashOn hashOn = hashOn(m, path, balance);
        Map<HostPort, Integer> serverLines = new HashMap<>();
        List<ServerConfig> servers = values.list(m, path, "servers", true, "server",
                (n, p) -> server(n, p, serverLines));
        if (servers.size() > MAX_SERVERS) {
            values.problem(m.entry("servers").keyLine(), Node.child(path, "servers"),
                    servers.size() + " servers (at most " + MAX_SERVERS + " per cluster)");
        }
        return new ClusterConfig(name, balance, servers, pool(m, path, servers), timeouts(m, path), hashOn,
                health(m, path), outlier(m, path), values.durationOrZero(m, path, "slow_start", Duration.ZERO),
                queue(m, path), retryBudget(m, path));
    }

    /** {@code client_address}, {@code { header: NAME }} or {@code { cookie: NAME }}; only for consistent_hash. */
    private HashOn hashOn(Mapping cluster, String path, Balance balance) {
        Node.Entry entry = cluster.entry("hash_on");
        if (entry == null) {
            return HashOn.CLIENT_ADDRESS;
        }
        String where = Node.child(path, "hash_on");
        // A balance value that is itself wrong is reported already, and what the user meant is unknown then.
        Node.Entry written = cluster.entry("balance");
        boolean balanceAsWritten = written == null
                || written.value() instanceof Scalar s && spelling(balance).equals(s.text());
        if (balanceAsWritten && balance != Balance.CONSISTENT_HASH) {
            values.problem(entry.keyLine(), where,
                    "hash_on is only used by balance consistent_hash (balance is " + spelling(balance) + ")");
        }
        Node value = entry.value();
        if (value instanceof Scalar s && "client_address".equals(s.text())) {
            return HashOn.CLIENT_ADDRESS;
        }
        if (!(value instanceof Mapping m)) {
            values.problem(value.line(), where,
                    "expected client_address, { header: NAME } or { cookie: NAME }, got " + value.describe());
            return HashOn.CLIENT_ADDRESS;
        }
        values.checkKeys(m, where, "header", "cookie");
        boolean header = m.entry("header") != null;
        if (header == (m.entry("cookie") != null)) {
            values.problem(m.line(), where, "expected exactly one of header, cookie");
            return HashOn.CLIENT_ADDRESS;
        }
        String key = header ? "header" : "cookie";
        Scalar s = values.scalar(m, where, key, true, "a " + key + " name");
        String name = s == null ? null
                : values.parsed(s, Node.child(where, key), text -> HttpSyntax.token(text, key + " name"), null);
        if (name == null) {
            return HashOn.CLIENT_ADDRESS;
        }
        return new HashOn(header ? HashOn.Kind.HEADER : HashOn.Kind.COOKIE, name);
    }

    private ServerConfig server(Node node, String path, Map<HostPort, Integer> serverLines) {
        Mapping m = values.asMapping(node, path);
        if (m == null) {
            return null;
        }
        values.checkKeys(m, path, "address", "weight", "max_connections", "send_proxy", "transparent");
        HostPort address = values.address(m, path, "address", true);
        if (address != null) {
            int line = m.entry("address").value().line();
            Integer first = serverLines.putIfAbsent(address, line);
            if (first != null) {
                values.problem(line, Node.child(path, "address"),
                        "duplicate server address " + address + " (first at line " + first + ")");
            }
        }
        return new ServerConfig(address, values.integer(m, path, "weight", 1, 1, 256),
                values.integer(m, path, "max_connections", 256, 1, 100_000),
                values.choice(m, path, "send_proxy", SendProxy.OFF, SendProxy.class),
                values.bool(m, path, "transparent", false));
    }

    private PoolConfig pool(Mapping cluster, String clusterPath, List<ServerConfig> servers) {
        String path = Node.child(clusterPath, "pool");
        Mapping m = values.mapping(cluster, clusterPath, "pool");
        if (m == null) {
            return PoolConfig.DEFAULTS;
        }
        values.checkKeys(m, path, "max_idle", "idle_timeout", "prewarm");
        PoolConfig d = PoolConfig.DEFAULTS;
        int maxIdle = values.integer(m, path, "max_idle", d.maxIdle(), 0, 100_000);
        Duration idleTimeout = values.duration(m, path, "idle_timeout", d.idleTimeout());
        int prewarm = values.integer(m, path, "prewarm", d.prewarm(), 0, Integer.MAX_VALUE);
        if (prewarm > 0) {
            // Prewarmed connections are idle connections that count against the server's limit.
            int line = m.entry("prewarm").value().line();
            String where = Node.child(path, "prewarm");
            if (prewarm > maxIdle) {
                values.problem(line, where, "prewarm (" + prewarm + ") must not exceed max_idle (" + maxIdle + ")");
            }
            for (ServerConfig server : servers) {
                if (server.address() != null && prewarm > server.maxConnections()) {
                    values.problem(line, where, "prewarm (" + prewarm + ") must not exceed max_connections ("
                            + server.maxConnections() + ") of server " + server.address());
                }
            }
        }
        return new PoolConfig(maxIdle, idleTimeout, prewarm);
    }

    private ClusterTimeouts timeouts(Mapping cluster, String clusterPath) {
        String path = Node.child(clusterPath, "timeouts");
        Mapping m = values.mapping(cluster, clusterPath, "timeouts");
        if (m == null) {
            return ClusterTimeouts.DEFAULTS;
        }
        values.checkKeys(m, path, "connect", "response");
        ClusterTimeouts d = ClusterTimeouts.DEFAULTS;
        return new ClusterTimeouts(values.duration(m, path, "connect", d.connect()),
                values.duration(m, path, "response", d.response()));
    }

    /** Active checks; {@code null} when the cluster has none. */
    private HealthConfig health(Mapping cluster, String clusterPath) {
        String path = Node.child(clusterPath, "health");
        Mapping m = values.mapping(cluster, clusterPath, "health");
        if (m == null) {
            return null;
        }
        values.checkKeys(m, path, "type", "http_path", "expect_status", "interval", "timeout", "rise", "fall");
        HealthConfig.Type type = values.choice(m, path, "type",
                m.entry("http_path") != null ? HealthConfig.Type.HTTP : HealthConfig.Type.TCP, HealthConfig.Type.class);
        String httpPath = null;
        int[] expect = {HealthConfig.DEFAULT_EXPECT_FROM, HealthConfig.DEFAULT_EXPECT_TO};
        if (type == HealthConfig.Type.HTTP) {
            httpPath = httpPath(m, path);
            Scalar s = values.scalar(m, path, "expect_status", false, "a status or a range");
            if (s != null) {
                expect = values.parsed(s, Node.child(path, "expect_status"), ClusterReader::expectStatus, expect);
            }
        } else {
            for (String key : List.of("http_path", "expect_status")) {
                Node.Entry stray = m.entry(key);
                if (stray != null) {
                    values.problem(stray.keyLine(), Node.child(path, key), "only http health checks have " + key);
                }
            }
        }
        Duration interval = values.duration(m, path, "interval", HealthConfig.DEFAULT_INTERVAL);
        Duration timeout = values.duration(m, path, "timeout", HealthConfig.DEFAULT_TIMEOUT);
        if (timeout.compareTo(interval) > 0) {
            // A check would still be running when the next one is due; blame whichever of the two the user wrote.
            String key = m.entry("timeout") != null ? "timeout" : "interval";
            values.problem(m.entry(key).value().line(), Node.child(path, key), "timeout ("
                    + Durations.format(timeout) + ") must not exceed interval (" + Durations.format(interval) + ")");
        }
        return new HealthConfig(type, httpPath, expect[0], expect[1], interval, timeout,
                values.integer(m, path, "rise", HealthConfig.DEFAULT_RISE, 1, 100),
                values.integer(m, path, "fall", HealthConfig.DEFAULT_FALL, 1, 100));
    }

    /** Sent as the request target of a GET, so it must be a valid one. */
    private String httpPath(Mapping health, String path) {
        Scalar s = values.scalar(health, path, "http_path", true, "a string");
        if (s == null) {
            return null;
        }
        String where = Node.child(path, "http_path");
        if (!s.text().startsWith("/")) {
            values.problem(s.line(), where, "bad http_path \"" + s.text() + "\" (must start with \"/\")");
        } else if (!s.text().chars().allMatch(c -> c > 0x20 && c < 0x7f)) {
            values.problem(s.line(), where, "bad http_path " + HttpSyntax.quote(s.text())
                    + " (spaces, control and non-ASCII characters are not allowed; percent-encode them)");
        }
        return s.text();
    }

    /**
     * {@code 200} or {@code 200-399} as {@code {from, to}}.
     *
     * @throws IllegalArgumentException with the message to show the user
     */
    private static int[] expectStatus(String text) {
        Matcher m = EXPECT_STATUS.matcher(text);
        if (!m.matches()) {
            throw new IllegalArgumentException("bad expect_status \"" + text
                    + "\" (expected a status such as 200, or a range such as 200-399)");
        }
        int from = Integer.parseInt(m.group(1));
        int to = m.group(2) == null ? from : Integer.parseInt(m.group(2));
        if (from < 100 || to > 599) {
            throw new IllegalArgumentException("bad expect_status \"" + text + "\" (statuses are 100..599)");
        }
        if (from > to) {
            throw new IllegalArgumentException("bad expect_status \"" + text + "\" (the range is reversed)");
        }
        return new int[] {from, to};
    }

    private OutlierConfig outlier(Mapping cluster, String clusterPath) {
        String path = Node.child(clusterPath, "outlier");
        Mapping m = values.mapping(cluster, clusterPath, "outlier");
        if (m == null) {
            return OutlierConfig.DEFAULTS;
        }
        values.checkKeys(m, path, "consecutive_failures", "base_ejection", "max_ejection");
        OutlierConfig d = OutlierConfig.DEFAULTS;
        int failures = values.integer(m, path, "consecutive_failures", d.consecutiveFailures(), 0, 1000);
        Duration base = values.duration(m, path, "base_ejection", d.baseEjection());
        Duration max = values.duration(m, path, "max_ejection", d.maxEjection());
        if (max.compareTo(base) < 0) {
            // The ejection doubles from base up to max; blame whichever of the two the user wrote.
            String key = m.entry("max_ejection") != null ? "max_ejection" : "base_ejection";
            values.problem(m.entry(key).value().line(), Node.child(path, key), "max_ejection ("
                    + Durations.format(max) + ") must be at least base_ejection (" + Durations.format(base) + ")");
        }
        return new OutlierConfig(failures, base, max);
    }

    private QueueConfig queue(Mapping cluster, String clusterPath) {
        String path = Node.child(clusterPath, "queue");
        Mapping m = values.mapping(cluster, clusterPath, "queue");
        if (m == null) {
            return QueueConfig.DEFAULTS;
        }
        values.checkKeys(m, path, "max", "timeout");
        QueueConfig d = QueueConfig.DEFAULTS;
        return new QueueConfig(values.integer(m, path, "max", d.max(), 0, 1_000_000),
                values.duration(m, path, "timeout", d.timeout()));
    }

    private RetryBudget retryBudget(Mapping cluster, String clusterPath) {
        String path = Node.child(clusterPath, "retry_budget");
        Mapping m = values.mapping(cluster, clusterPath, "retry_budget");
        if (m == null) {
            return RetryBudget.DEFAULTS;
        }
        values.checkKeys(m, path, "ratio", "min");
        RetryBudget d = RetryBudget.DEFAULTS;
        return new RetryBudget(values.decimal(m, path, "ratio", d.ratio(), 0, 1),
                values.integer(m, path, "min", d.minRetries(), 0, 10_000));
    }

    private static String spelling(Enum<?> constant) {
        return constant.name().toLowerCase(Locale.ROOT);
    }
}
