package io.sluice.config;

import io.sluice.config.Node.Mapping;
import io.sluice.config.Node.Scalar;
import io.sluice.config.Node.Sequence;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.function.BiFunction;
import java.util.regex.Pattern;

/**
 * Walks a {@link Node} tree, checks it and builds a {@link SluiceConfig}. It never stops at the first problem:
 * a bad value is reported and replaced by its default so that the rest of the file is still checked.
 */
final class ConfigReader {
    /** Balancers track tried servers in a 64-bit mask. */
    static final int MAX_SERVERS = 64;

    private static final Pattern NAME = Pattern.compile("[A-Za-z0-9_.-]+");
    private static final Set<String> PLANNED_BALANCE = Set.of("least_request", "consistent_hash", "random");
    private static final int MIB = 1024 * 1024;

    private final Problems problems;
    /** Cluster names as written, even of clusters with problems, so a broken cluster does not also break its routes. */
    private final Set<String> clusterNames = new LinkedHashSet<>();
    private final Map<String, Integer> listenerNameLines = new HashMap<>();
    private final Map<String, Integer> clusterNameLines = new HashMap<>();
    private final List<Bind> binds = new ArrayList<>();

    /** A socket Sluice listens on, to find two listeners (or a listener and admin) on the same one. */
    private record Bind(HostPort address, int line, String path) {
    }

    ConfigReader(Problems problems) {
        this.problems = problems;
    }

    /** The config, or {@code null} when there were problems (they are in {@code problems} then). */
    SluiceConfig read(Node root) {
        if (!(root instanceof Mapping top)) {
            problems.add(1, "", "the top level must be a mapping with keys such as \"listeners\", got "
                    + root.describe());
            return null;
        }
        checkKeys(top, "", "workers", "transport", "listeners", "clusters", "admin");
        int defaultWorkers = Math.max(1, Math.min(256, Runtime.getRuntime().availableProcessors()));
        int workers = integer(top, "", "workers", defaultWorkers, 1, 256);
        Transport transport = choice(top, "", "transport", Transport.AUTO, Transport.class);
        // Clusters first so routes can be checked against them, whatever order the file uses.
        List<ClusterConfig> clusters = list(top, "", "clusters", false, "cluster", this::cluster);
        List<ListenerConfig> listeners = list(top, "", "listeners", true, "listener", this::listener);
        AdminConfig admin = admin(top);
        checkBinds();
        return problems.isEmpty() ? new SluiceConfig(workers, transport, listeners, clusters, admin) : null;
    }

    // ---- sections

    private ListenerConfig listener(Node node, String path) {
        Mapping m = asMapping(node, path);
        if (m == null) {
            return null;
        }
        checkKeys(m, path, "name", "address", "protocol", "max_connections", "routes", "cluster", "timeouts",
                "limits", "socket");
        String name = name(m, path, "listener", listenerNameLines);
        HostPort address = bindAddress(m, path);
        Protocol protocol = choice(m, path, "protocol", Protocol.HTTP, Protocol.class);
        int maxConnections = integer(m, path, "max_connections", 10_000, 1, Integer.MAX_VALUE);

        List<RouteConfig> routes = List.of();
        String cluster = null;
        if (protocol == Protocol.HTTP) {
            routes = list(m, path, "routes", true, "route", this::route);
            Node.Entry stray = m.entry("cluster");
            if (stray != null) {
                problems.add(stray.keyLine(), Node.child(path, "cluster"),
                        "only tcp listeners have a cluster; http listeners use routes");
            }
        } else {
            problems.add(m.entry("protocol").value().line(), Node.child(path, "protocol"),
                    "tcp listeners are not supported yet");
            Node.Entry stray = m.entry("routes");
            if (stray != null) {
                problems.add(stray.keyLine(), Node.child(path, "routes"),
                        "only http listeners have routes; tcp listeners use cluster");
            }
            cluster = clusterReference(m, path, "cluster");
        }
        return new ListenerConfig(name, address, protocol, maxConnections, routes, cluster,
                listenerTimeouts(m, path), listenerLimits(m, path), socketOptions(m, path));
    }

    private SocketOptions socketOptions(Mapping listener, String listenerPath) {
        String path = Node.child(listenerPath, "socket");
        Mapping m = mapping(listener, listenerPath, "socket");
        if (m == null) {
            return SocketOptions.DEFAULTS;
        }
        checkKeys(m, path, "send_buffer", "receive_buffer");
        return new SocketOptions(size(m, path, "send_buffer", 0, 1024, 64 * MIB),
                size(m, path, "receive_buffer", 0, 1024, 64 * MIB));
    }

    private ListenerTimeouts listenerTimeouts(Mapping listener, String listenerPath) {
        String path = Node.child(listenerPath, "timeouts");
        Mapping m = mapping(listener, listenerPath, "timeouts");
        if (m == null) {
            return ListenerTimeouts.DEFAULTS;
        }
        checkKeys(m, path, "request_header", "body_idle", "keepalive_idle");
        ListenerTimeouts d = ListenerTimeouts.DEFAULTS;
        return new ListenerTimeouts(duration(m, path, "request_header", d.requestHeader()),
                duration(m, path, "body_idle", d.bodyIdle()),
                duration(m, path, "keepalive_idle", d.keepaliveIdle()));
    }

    private ListenerLimits listenerLimits(Mapping listener, String listenerPath) {
        String path = Node.child(listenerPath, "limits");
        Mapping m = mapping(listener, listenerPath, "limits");
        if (m == null) {
            return ListenerLimits.DEFAULTS;
        }
        checkKeys(m, path, "request_line", "header_bytes", "headers");
        ListenerLimits d = ListenerLimits.DEFAULTS;
        int requestLine = size(m, path, "request_line", d.requestLine(), 256, MIB);
        int headerBytes = size(m, path, "header_bytes", d.headerBytes(), 256, MIB);
        int headers = integer(m, path, "headers", d.headers(), 1, 10_000);
        if (headerBytes < requestLine) {
            // The request line counts towards header_bytes; blame whichever of the two the user wrote last.
            String key = m.entry("header_bytes") != null ? "header_bytes" : "request_line";
            problems.add(m.entry(key).value().line(), Node.child(path, key),
                    "header_bytes (" + Sizes.format(headerBytes) + ") must be at least request_line ("
                            + Sizes.format(requestLine) + ")");
        }
        return new ListenerLimits(requestLine, headerBytes, headers);
    }

    private RouteConfig route(Node node, String path) {
        Mapping m = asMapping(node, path);
        if (m == null) {
            return null;
        }
        checkKeys(m, path, "match", "cluster");
        RouteMatch match = new RouteMatch(null, null);
        Mapping mm = mapping(m, path, "match");
        if (mm != null) {
            String matchPath = Node.child(path, "match");
            checkKeys(mm, matchPath, "host", "path_prefix");
            match = new RouteMatch(routeHost(mm, matchPath), pathPrefix(mm, matchPath));
        }
        return new RouteConfig(match, clusterReference(m, path, "cluster"));
    }

    private String routeHost(Mapping match, String path) {
        Scalar s = scalar(match, path, "host", false, "a string");
        if (s == null) {
            return null;
        }
        String host = s.text().toLowerCase(Locale.ROOT);
        if (!Addresses.isHost(host)) {
            problems.add(s.line(), Node.child(path, "host"),
                    "bad host \"" + s.text() + "\" (expected a host name without port)");
        }
        return host;
    }

    private String pathPrefix(Mapping match, String path) {
        Scalar s = scalar(match, path, "path_prefix", false, "a string");
        if (s == null) {
            return null;
        }
        if (!s.text().startsWith("/")) {
            problems.add(s.line(), Node.child(path, "path_prefix"),
                    "bad path_prefix \"" + s.text() + "\" (must start with \"/\")");
        }
        return s.text();
    }

    private String clusterReference(Mapping m, String path, String key) {
        Scalar s = scalar(m, path, key, true, "a string");
        if (s == null) {
            return null;
        }
        if (!clusterNames.contains(s.text())) {
            problems.add(s.line(), Node.child(path, key), "unknown cluster \"" + s.text() + "\"");
        }
        return s.text();
    }

    private ClusterConfig cluster(Node node, String path) {
        Mapping m = asMapping(node, path);
        if (m == null) {
            return null;
        }
        checkKeys(m, path, "name", "balance", "servers", "pool", "timeouts", "health");
        String name = name(m, path, "cluster", clusterNameLines);
        if (name != null) {
            clusterNames.add(name);
        }
        Balance balance = balance(m, path);
        Node.Entry health = m.entry("health");
        if (health != null) {
            problems.add(health.keyLine(), Node.child(path, "health"), "health checks are not supported yet");
        }
        Map<HostPort, Integer> serverLines = new HashMap<>();
        List<ServerConfig> servers = list(m, path, "servers", true, "server",
                (n, p) -> server(n, p, serverLines));
        if (servers.size() > MAX_SERVERS) {
            problems.add(m.entry("servers").keyLine(), Node.child(path, "servers"),
                    servers.size() + " servers (at most " + MAX_SERVERS + " per cluster)");
        }
        return new ClusterConfig(name, balance, servers, pool(m, path, servers), clusterTimeouts(m, path));
    }

    private Balance balance(Mapping cluster, String path) {
        Scalar s = scalar(cluster, path, "balance", false, "a string");
        if (s == null || s.text().equals("round_robin")) {
            return Balance.ROUND_ROBIN;
        }
        String where = Node.child(path, "balance");
        if (PLANNED_BALANCE.contains(s.text())) {
            problems.add(s.line(), where, s.text() + " is not supported yet (only round_robin)");
        } else {
            problems.add(s.line(), where, "unknown value \"" + s.text() + "\" (expected round_robin)");
        }
        return Balance.ROUND_ROBIN;
    }

    private ServerConfig server(Node node, String path, Map<HostPort, Integer> serverLines) {
        Mapping m = asMapping(node, path);
        if (m == null) {
            return null;
        }
        checkKeys(m, path, "address", "weight", "max_connections");
        HostPort address = address(m, path, "address", true);
        if (address != null) {
            int line = m.entry("address").value().line();
            Integer first = serverLines.putIfAbsent(address, line);
            if (first != null) {
                problems.add(line, Node.child(path, "address"),
                        "duplicate server address " + address + " (first at line " + first + ")");
            }
        }
        return new ServerConfig(address, integer(m, path, "weight", 1, 1, 256),
                integer(m, path, "max_connections", 256, 1, 100_000));
    }

    private PoolConfig pool(Mapping cluster, String clusterPath, List<ServerConfig> servers) {
        String path = Node.child(clusterPath, "pool");
        Mapping m = mapping(cluster, clusterPath, "pool");
        if (m == null) {
            return PoolConfig.DEFAULTS;
        }
        checkKeys(m, path, "max_idle", "idle_timeout", "prewarm");
        PoolConfig d = PoolConfig.DEFAULTS;
        int maxIdle = integer(m, path, "max_idle", d.maxIdle(), 0, 100_000);
        Duration idleTimeout = duration(m, path, "idle_timeout", d.idleTimeout());
        int prewarm = integer(m, path, "prewarm", d.prewarm(), 0, Integer.MAX_VALUE);
        if (prewarm > 0) {
            // Prewarmed connections are idle connections that count against the server's limit.
            int line = m.entry("prewarm").value().line();
            String where = Node.child(path, "prewarm");
            if (prewarm > maxIdle) {
                problems.add(line, where, "prewarm (" + prewarm + ") must not exceed max_idle (" + maxIdle + ")");
            }
            for (ServerConfig server : servers) {
                if (server.address() != null && prewarm > server.maxConnections()) {
                    problems.add(line, where, "prewarm (" + prewarm + ") must not exceed max_connections ("
                            + server.maxConnections() + ") of server " + server.address());
                }
            }
        }
        return new PoolConfig(maxIdle, idleTimeout, prewarm);
    }

    private ClusterTimeouts clusterTimeouts(Mapping cluster, String clusterPath) {
        String path = Node.child(clusterPath, "timeouts");
        Mapping m = mapping(cluster, clusterPath, "timeouts");
        if (m == null) {
            return ClusterTimeouts.DEFAULTS;
        }
        checkKeys(m, path, "connect", "response");
        ClusterTimeouts d = ClusterTimeouts.DEFAULTS;
        return new ClusterTimeouts(duration(m, path, "connect", d.connect()),
                duration(m, path, "response", d.response()));
    }

    private AdminConfig admin(Mapping top) {
        Mapping m = mapping(top, "", "admin");
        if (m == null) {
            return null;
        }
        checkKeys(m, "admin", "address");
        return new AdminConfig(bindAddress(m, "admin"));
    }

    // ---- cross checks

    private HostPort bindAddress(Mapping m, String path) {
        HostPort address = address(m, path, "address", true);
        if (address != null) {
            binds.add(new Bind(address, m.entry("address").value().line(), Node.child(path, "address")));
        }
        return address;
    }

    private void checkBinds() {
        binds.sort(Comparator.comparingInt(Bind::line)); // admin may come before the listeners in the file
        Map<HostPort, Integer> firstLines = new HashMap<>();
        for (Bind bind : binds) {
            if (bind.address().port() == 0) {
                continue; // every port 0 socket gets its own ephemeral port
            }
            Integer first = firstLines.putIfAbsent(bind.address(), bind.line());
            if (first != null) {
                problems.add(bind.line(), bind.path(),
                        "duplicate address " + bind.address() + " (first used at line " + first + ")");
            }
        }
    }

    // ---- typed values; each reports its own problems and returns the default (or null) on error

    private String name(Mapping m, String path, String kind, Map<String, Integer> seen) {
        Scalar s = scalar(m, path, "name", true, "a string");
        if (s == null) {
            return null;
        }
        String where = Node.child(path, "name");
        if (!NAME.matcher(s.text()).matches()) {
            problems.add(s.line(), where,
                    "bad name \"" + s.text() + "\" (allowed: letters, digits and the characters _ . -)");
        }
        Integer first = seen.putIfAbsent(s.text(), s.line());
        if (first != null) {
            problems.add(s.line(), where,
                    "duplicate " + kind + " name \"" + s.text() + "\" (first at line " + first + ")");
        }
        return s.text();
    }

    private HostPort address(Mapping m, String path, String key, boolean required) {
        Scalar s = scalar(m, path, key, required, "a string");
        if (s == null) {
            return null;
        }
        try {
            return Addresses.parse(s.text());
        } catch (IllegalArgumentException e) {
            problems.add(s.line(), Node.child(path, key), e.getMessage());
            return null;
        }
    }

    private int integer(Mapping m, String path, String key, int defaultValue, int min, int max) {
        Scalar s = scalar(m, path, key, false, "a number");
        if (s == null) {
            return defaultValue;
        }
        long value;
        try {
            value = Long.parseLong(s.text());
        } catch (NumberFormatException e) {
            problems.add(s.line(), Node.child(path, key), "expected a number, got " + s.describe());
            return defaultValue;
        }
        if (value < min || value > max) {
            String range = max == Integer.MAX_VALUE ? "at least " + min : min + ".." + max;
            problems.add(s.line(), Node.child(path, key), "out of range: " + value + " (must be " + range + ")");
            return defaultValue;
        }
        return (int) value;
    }

    private Duration duration(Mapping m, String path, String key, Duration defaultValue) {
        Scalar s = scalar(m, path, key, false, "a string");
        if (s == null) {
            return defaultValue;
        }
        try {
            return Durations.parse(s.text());
        } catch (IllegalArgumentException e) {
            problems.add(s.line(), Node.child(path, key), e.getMessage());
            return defaultValue;
        }
    }

    private int size(Mapping m, String path, String key, int defaultValue, int min, int max) {
        Scalar s = scalar(m, path, key, false, "a string");
        if (s == null) {
            return defaultValue;
        }
        long value;
        try {
            value = Sizes.parse(s.text());
        } catch (IllegalArgumentException e) {
            problems.add(s.line(), Node.child(path, key), e.getMessage());
            return defaultValue;
        }
        if (value < min || value > max) {
            problems.add(s.line(), Node.child(path, key), "out of range: " + s.text() + " (must be "
                    + Sizes.format(min) + ".." + Sizes.format(max) + ")");
            return defaultValue;
        }
        return (int) value;
    }

    /** Matches the lower-case YAML spelling ({@code round_robin}) to the constant ({@code ROUND_ROBIN}). */
    private <E extends Enum<E>> E choice(Mapping m, String path, String key, E defaultValue, Class<E> type) {
        Scalar s = scalar(m, path, key, false, "a string");
        if (s == null) {
            return defaultValue;
        }
        List<String> allowed = new ArrayList<>();
        for (E constant : type.getEnumConstants()) {
            String spelling = constant.name().toLowerCase(Locale.ROOT);
            if (spelling.equals(s.text())) {
                return constant;
            }
            allowed.add(spelling);
        }
        problems.add(s.line(), Node.child(path, key),
                "unknown value \"" + s.text() + "\" (expected " + String.join(", ", allowed) + ")");
        return defaultValue;
    }

    // ---- structure

    /**
     * The non-null scalar under {@code key}, or {@code null} when it is absent, empty or not a scalar; only the
     * last two are problems, and absence only when {@code required}.
     */
    private Scalar scalar(Mapping m, String path, String key, boolean required, String expected) {
        Node.Entry entry = m.entry(key);
        if (entry == null) {
            if (required) {
                problems.add(m.line(), path, "missing required key \"" + key + "\"");
            }
            return null;
        }
        if (entry.value() instanceof Scalar s) {
            if (s.text() != null) {
                return s;
            }
            if (required) {
                problems.add(entry.keyLine(), Node.child(path, key), "expected " + expected + ", got nothing");
            }
            return null;
        }
        problems.add(entry.value().line(), Node.child(path, key),
                "expected " + expected + ", got " + entry.value().describe());
        return null;
    }

    /** The mapping under {@code key}; an empty value counts as an empty mapping, absence as {@code null}. */
    private Mapping mapping(Mapping m, String path, String key) {
        Node.Entry entry = m.entry(key);
        if (entry == null) {
            return null;
        }
        if (entry.value() instanceof Scalar s && s.text() == null) {
            return new Mapping(entry.keyLine(), Map.of());
        }
        return asMapping(entry.value(), Node.child(path, key));
    }

    private Mapping asMapping(Node node, String path) {
        if (node instanceof Mapping m) {
            return m;
        }
        problems.add(node.line(), path, "expected a mapping, got " + node.describe());
        return null;
    }

    /** Items that have problems are left out; the caller only uses the list when there are no problems. */
    private <T> List<T> list(Mapping m, String path, String key, boolean required, String itemKind,
                             BiFunction<Node, String, T> item) {
        Node.Entry entry = m.entry(key);
        String where = Node.child(path, key);
        if (entry == null) {
            if (required) {
                problems.add(m.line(), path, "missing required key \"" + key + "\"");
            }
            return List.of();
        }
        List<Node> items;
        if (entry.value() instanceof Sequence seq) {
            items = seq.items();
        } else if (entry.value() instanceof Scalar s && s.text() == null) {
            items = List.of();
        } else {
            problems.add(entry.value().line(), where, "expected a list, got " + entry.value().describe());
            return List.of();
        }
        if (required && items.isEmpty()) {
            problems.add(entry.keyLine(), where, "at least one " + itemKind + " is required");
        }
        List<T> result = new ArrayList<>();
        for (int i = 0; i < items.size(); i++) {
            T value = item.apply(items.get(i), Node.index(where, i));
            if (value != null) {
                result.add(value);
            }
        }
        return result;
    }

    private void checkKeys(Mapping m, String path, String... allowed) {
        List<String> allowedKeys = List.of(allowed);
        for (Node.Entry entry : m.entries().values()) {
            if (!allowedKeys.contains(entry.key())) {
                problems.add(entry.keyLine(), Node.child(path, entry.key()),
                        "unknown key \"" + entry.key() + "\" (allowed: " + String.join(", ", allowedKeys) + ")");
            }
        }
    }
}
