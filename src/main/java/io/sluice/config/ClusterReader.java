package io.sluice.config;

import io.sluice.config.Node.Mapping;
import io.sluice.config.Node.Scalar;
import java.time.Duration;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/** Reads one cluster: its servers, how it balances between them, its pool and its timeouts. */
final class ClusterReader {
    /** Balancers track tried servers in a 64-bit mask. */
    static final int MAX_SERVERS = 64;

    private static final Set<String> PLANNED_BALANCE = Set.of("least_request", "consistent_hash", "random");

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
        values.checkKeys(m, path, "name", "balance", "servers", "pool", "timeouts", "health");
        String name = values.name(m, path, "cluster", nameLines);
        if (name != null) {
            names.add(name);
        }
        Balance balance = balance(m, path);
        Node.Entry health = m.entry("health");
        if (health != null) {
            values.problem(health.keyLine(), Node.child(path, "health"), "health checks are not supported yet");
        }
        Map<HostPort, Integer> serverLines = new HashMap<>();
        List<ServerConfig> servers = values.list(m, path, "servers", true, "server",
                (n, p) -> server(n, p, serverLines));
        if (servers.size() > MAX_SERVERS) {
            values.problem(m.entry("servers").keyLine(), Node.child(path, "servers"),
                    servers.size() + " servers (at most " + MAX_SERVERS + " per cluster)");
        }
        return new ClusterConfig(name, balance, servers, pool(m, path, servers), timeouts(m, path));
    }

    private Balance balance(Mapping cluster, String path) {
        Scalar s = values.scalar(cluster, path, "balance", false, "a string");
        if (s == null || s.text().equals("round_robin")) {
            return Balance.ROUND_ROBIN;
        }
        String where = Node.child(path, "balance");
        if (PLANNED_BALANCE.contains(s.text())) {
            values.problem(s.line(), where, s.text() + " is not supported yet (only round_robin)");
        } else {
            values.problem(s.line(), where, "unknown value \"" + s.text() + "\" (expected round_robin)");
        }
        return Balance.ROUND_ROBIN;
    }

    private ServerConfig server(Node node, String path, Map<HostPort, Integer> serverLines) {
        Mapping m = values.asMapping(node, path);
        if (m == null) {
            return null;
        }
        values.checkKeys(m, path, "address", "weight", "max_connections");
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
                values.integer(m, path, "max_connections", 256, 1, 100_000));
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
}
