package io.sluice.config;

import io.sluice.config.Node.Mapping;
import io.sluice.config.Node.Scalar;
import io.sluice.config.Node.Sequence;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;

/** Reads one route of an http listener: what requests it matches, where they go and what changes on the way. */
final class RouteReader {
    private static final List<String> PATH_KEYS = List.of("path_prefix", "path_exact", "path_regex");
    /** What a route does with a request: exactly one of them. */
    private static final List<String> ACTION_KEYS = List.of("cluster", "respond", "redirect");
    /** Options of forwarding, meaningless on a route that answers itself. */
    private static final List<String> FORWARDING_KEYS = List.of("rewrite_path_prefix", "add_request_headers",
            "remove_request_headers", "timeout", "retries", "buffer_request", "max_request_buffer", "overflow",
            "buffer_response", "upgrades", "deliver", "cache");
    private static final long MIB = 1L << 20;

    private final ValueReader values;
    /** Cluster names as written, even of clusters with problems, so a broken cluster does not also break its routes. */
    private final Set<String> clusterNames;
    private final AuthReader authReader;
    private final DirectResponseReader directReader;

    RouteReader(ValueReader values, Set<String> clusterNames) {
        this.values = values;
        this.clusterNames = clusterNames;
        this.authReader = new AuthReader(values);
        this.directReader = new DirectResponseReader(values);
    }

    RouteConfig route(Node node, String path) {
        Mapping m = values.asMapping(node, path);
        if (m == null) {
            return null;
        }
        values.checkKeys(m, path, "match", "cluster", "rewrite_path_prefix", "add_request_headers",
                "remove_request_headers", "timeout", "retries", "buffer_request", "max_request_buffer", "overflow",
                "buffer_response", "upgrades", "rate_limit", "auth", "respond", "redirect", "deliver", "cache");
        RouteMatch match = match(m, path);
        String action = action(m, path);
        String cluster = "cluster".equals(action) ? values.reference(m, path, "cluster", clusterNames, "cluster")
                : null;
        DirectResponse direct = "respond".equals(action) ? directReader.respond(m, path, match)
                : "redirect".equals(action) ? directReader.redirect(m, path, match) : null;
        if (direct != null) {
            for (String key : FORWARDING_KEYS) {
                Node.Entry entry = m.entry(key);
                if (entry != null) {
                    values.problem(entry.keyLine(), Node.child(path, key), key + " applies to requests sent to a "
                            + "cluster; this route answers itself (" + action + ")");
                }
            }
        }
        String rewritePathPrefix = rewritePathPrefix(m, path, match);
        Map<String, String> addHeaders = addRequestHeaders(m, path);
        List<String> removeHeaders = removeRequestHeaders(m, path, addHeaders);
        Duration timeout = values.duration(m, path, "timeout", null);
        int retries = values.integer(m, path, "retries", RouteConfig.DEFAULT_RETRIES, 0, RouteConfig.MAX_RETRIES);
        RouteConfig.Deliver deliver = direct != null ? RouteConfig.Deliver.DIRECT
                : values.choice(m, path, "deliver", RouteConfig.Deliver.DIRECT, RouteConfig.Deliver.class);
        RouteCache cache = direct != null ? null : cache(m, path);
        if (cache != null && deliver == RouteConfig.Deliver.DEFERRED) {
            values.problem(m.entry("cache").keyLine(), Node.child(path, "cache"),
                    "cache applies to requests forwarded while the client waits; this route has deliver: deferred");
        }
        return new RouteConfig(match, cluster, rewritePathPrefix, addHeaders, removeHeaders, timeout, retries,
                buffering(m, path), upgrades(m, path), values.rate(m, path, "rate_limit"), authReader.auth(m, path),
                direct, deliver, cache);
    }

    /** The route's {@code cache} section, {@code null} when absent; {@code cache: {}} takes every default. */
    private RouteCache cache(Mapping route, String routePath) {
        Node.Entry entry = route.entry("cache");
        if (entry == null) {
            return null;
        }
        if (entry.value() instanceof Scalar s && s.text() == null) {
            return RouteCache.DEFAULTS; // `cache:` with nothing after it
        }
        Mapping m = values.mapping(route, routePath, "cache");
        if (m == null) {
            return null;
        }
        String path = Node.child(routePath, "cache");
        values.checkKeys(m, path, "max_memory", "max_object", "lock_timeout", "disk_dir", "disk_max");
        long maxMemory = values.longSize(m, path, "max_memory", RouteCache.DEFAULT_MAX_MEMORY, MIB, 1L << 40);
        long maxObject = values.longSize(m, path, "max_object", RouteCache.DEFAULT_MAX_OBJECT, 1, 1L << 30);
        if (maxObject > maxMemory) {
            Node.Entry e = m.entry("max_object");
            values.problem(e == null ? m.line() : e.keyLine(), Node.child(path, "max_object"), "max_object ("
                    + Sizes.format(maxObject) + ") must not exceed max_memory (" + Sizes.format(maxMemory) + ")");
        }
        Duration lockTimeout = values.duration(m, path, "lock_timeout", RouteCache.DEFAULT_LOCK_TIMEOUT);
        Path diskDir = values.directory(m, path, "disk_dir", null);
        long diskMax = values.longSize(m, path, "disk_max", RouteCache.DEFAULT_DISK_MAX, MIB, 1L << 50);
        if (diskDir == null && m.entry("disk_max") != null) {
            values.problem(m.entry("disk_max").keyLine(), Node.child(path, "disk_max"),
                    "disk_max needs disk_dir (where the disk tier keeps its files)");
        }
        return new RouteCache(maxMemory, maxObject, lockTimeout, diskDir, diskMax);
    }


    /**
     * The one key of {@link #ACTION_KEYS} the route has, or {@code null} when it has none or several (reported).
     */
    private String action(Mapping route, String path) {
        Node.Entry first = null;
        for (Node.Entry entry : route.entries().values()) {
            if (!ACTION_KEYS.contains(entry.key())) {
                continue;
            }
            if (first == null) {
                first = entry;
            } else {
                values.problem(entry.keyLine(), Node.child(path, entry.key()), "only one of "
                        + String.join(", ", ACTION_KEYS) + " is allowed (" + first.key() + " is at line "
                        + first.keyLine() + ")");
                return null;
            }
        }
        if (first == null) {
            values.problem(route.line(), path, "a route needs one of " + String.join(", ", ACTION_KEYS)
                    + " (where its requests go, or what Sluice answers)");
            return null;
        }
        return first.key();
    }

    /** Protocol tokens (RFC 9110 §7.8), compared case-insensitively, so kept in lower case. */
    private List<String> upgrades(Mapping route, String path) {
        if (route.entry("upgrades") == null) {
            return RouteConfig.DEFAULT_UPGRADES;
        }
        return values.list(route, path, "upgrades", false, "protocol", (node, itemPath) -> {
            Scalar s = values.asScalar(node, itemPath, "a protocol name");
            return s == null ? null : values.parsed(s, itemPath, HttpSyntax::protocolToken, null);
        });
    }

    // ---- match

    private RouteMatch match(Mapping route, String routePath) {
        Mapping m = values.mapping(route, routePath, "match");
        if (m == null) {
            return new RouteMatch(null, null);
        }
        String path = Node.child(routePath, "match");
        values.checkKeys(m, path, "host", "path_prefix", "path_exact", "path_regex", "method", "headers");
        checkOnePath(m, path);
        return new RouteMatch(host(m, path), path(m, path, "path_prefix"), path(m, path, "path_exact"),
                pathRegex(m, path), methods(m, path), headers(m, path));
    }

    private String host(Mapping match, String path) {
        Scalar s = values.scalar(match, path, "host", false, "a string");
        if (s == null) {
            return null;
        }
        String host = s.text().toLowerCase(Locale.ROOT);
        String where = Node.child(path, "host");
        if (host.contains("*")) {
            if (!host.startsWith("*.") || !Addresses.isHostName(host.substring(2))) {
                values.problem(s.line(), where, "bad host \"" + s.text()
                        + "\" (a wildcard is only allowed as a leading \"*.\" before a host name, e.g. *.example.com)");
            }
        } else if (!Addresses.isHost(host)) {
            values.problem(s.line(), where, "bad host \"" + s.text() + "\" (expected a host name without port)");
        }
        return host;
    }

    /** A path match compares the path alone, so several of them on one route would be a contradiction. */
    private void checkOnePath(Mapping match, String path) {
        Node.Entry first = null;
        for (Node.Entry entry : match.entries().values()) {
            if (!PATH_KEYS.contains(entry.key())) {
                continue;
            }
            if (first == null) {
                first = entry;
            } else {
                values.problem(entry.keyLine(), Node.child(path, entry.key()), "only one of "
                        + String.join(", ", PATH_KEYS) + " is allowed (" + first.key() + " is at line "
                        + first.keyLine() + ")");
            }
        }
    }

    /** {@code path_prefix} or {@code path_exact}. */
    private String path(Mapping match, String path, String key) {
        Scalar s = values.scalar(match, path, key, false, "a string");
        if (s == null) {
            return null;
        }
        String where = Node.child(path, key);
        if (!s.text().startsWith("/")) {
            values.problem(s.line(), where, "bad " + key + " \"" + s.text() + "\" (must start with \"/\")");
        } else if (s.text().indexOf('?') >= 0) {
            values.problem(s.line(), where, "bad " + key + " \"" + s.text()
                    + "\" (the query is not part of the path the route compares)");
        }
        return s.text();
    }

    /**
     * Only checked to compile: a regular expression need not start with "/" (it may start with {@code ^}, or match
     * any path, such as {@code .*\.png}).
     */
    private String pathRegex(Mapping match, String path) {
        Scalar s = values.scalar(match, path, "path_regex", false, "a string");
        if (s == null) {
            return null;
        }
        try {
            Pattern.compile(s.text());
        } catch (PatternSyntaxException e) {
            String at = e.getIndex() >= 0 ? " at index " + e.getIndex() : "";
            values.problem(s.line(), Node.child(path, "path_regex"),
                    "bad path_regex \"" + s.text() + "\" (" + e.getDescription() + at + ")");
        }
        return s.text();
    }

    /** One method, or a list of them. */
    private List<String> methods(Mapping match, String path) {
        Node.Entry entry = match.entry("method");
        if (entry == null || entry.value() instanceof Scalar s && s.text() == null) {
            return List.of();
        }
        String where = Node.child(path, "method");
        if (entry.value() instanceof Scalar s) {
            String method = values.parsed(s, where, HttpSyntax::method, null);
            return method == null ? List.of() : List.of(method);
        }
        if (!(entry.value() instanceof Sequence seq)) {
            values.problem(entry.value().line(), where,
                    "expected a method or a list of methods, got " + entry.value().describe());
            return List.of();
        }
        if (seq.items().isEmpty()) {
            // An empty list matches any method, which is what leaving the key out says more plainly.
            values.problem(entry.keyLine(), where, "at least one method is required (leave method out to match any)");
        }
        List<String> methods = new ArrayList<>();
        Map<String, Integer> lines = new HashMap<>();
        for (int i = 0; i < seq.items().size(); i++) {
            String itemPath = Node.index(where, i);
            Scalar item = values.asScalar(seq.items().get(i), itemPath, "a method");
            String method = item == null ? null : values.parsed(item, itemPath, HttpSyntax::method, null);
            if (method == null) {
                continue;
            }
            Integer first = lines.putIfAbsent(method, item.line());
            if (first != null) {
                values.problem(item.line(), itemPath,
                        "duplicate method \"" + method + "\" (first at line " + first + ")");
            }
            methods.add(method);
        }
        return methods;
    }

    private List<HeaderMatch> headers(Mapping match, String path) {
        Map<String, Integer> nameLines = new HashMap<>();
        return values.list(match, path, "headers", false, "header", (n, p) -> headerMatch(n, p, nameLines));
    }

    private HeaderMatch headerMatch(Node node, String path, Map<String, Integer> nameLines) {
        Mapping m = values.asMapping(node, path);
        if (m == null) {
            return null;
        }
        values.checkKeys(m, path, "name", "value");
        Scalar name = values.scalar(m, path, "name", true, "a string");
        String checkedName = name == null ? null : fieldName(name, Node.child(path, "name"), nameLines);
        Scalar value = values.scalar(m, path, "value", false, "a string");
        String checkedValue = value == null ? null
                : values.parsed(value, Node.child(path, "value"), HttpSyntax::fieldValue, null);
        return checkedName == null ? null : new HeaderMatch(checkedName, checkedValue);
    }

    // ---- what the route changes

    private String rewritePathPrefix(Mapping route, String path, RouteMatch match) {
        Scalar s = values.scalar(route, path, "rewrite_path_prefix", false, "a string");
        if (s == null) {
            return null;
        }
        String where = Node.child(path, "rewrite_path_prefix");
        if (match.pathPrefix() == null) {
            values.problem(route.entry("rewrite_path_prefix").keyLine(), where,
                    "rewrite_path_prefix needs match.path_prefix (it replaces the matched prefix)");
        } else if (!s.text().startsWith("/")) {
            values.problem(s.line(), where, "bad rewrite_path_prefix \"" + s.text() + "\" (must start with \"/\")");
        }
        return s.text();
    }

    /** Fields in file order; YAML already reports a key written twice, this also one written twice in other case. */
    private Map<String, String> addRequestHeaders(Mapping route, String routePath) {
        Mapping m = values.mapping(route, routePath, "add_request_headers");
        if (m == null) {
            return Map.of();
        }
        String path = Node.child(routePath, "add_request_headers");
        Map<String, Integer> nameLines = new HashMap<>();
        Map<String, String> fields = new LinkedHashMap<>();
        for (Node.Entry entry : m.entries().values()) {
            String where = Node.child(path, entry.key());
            String name = fieldName(new Scalar(entry.keyLine(), entry.key()), where, nameLines);
            if (name != null && HttpSyntax.isManagedField(name)) {
                values.problem(entry.keyLine(), where, managed(name));
            }
            String checkedValue = null;
            if (entry.value() instanceof Scalar v && v.text() == null) {
                values.problem(entry.keyLine(), where, "expected a string (\"\" for an empty value), got nothing");
            } else {
                Scalar value = values.asScalar(entry.value(), where, "a string (\"\" for an empty value)");
                checkedValue = value == null ? null : values.parsed(value, where, HttpSyntax::fieldValue, null);
            }
            if (name != null && checkedValue != null) {
                fields.put(name, checkedValue);
            }
        }
        return fields;
    }

    private List<String> removeRequestHeaders(Mapping route, String path, Map<String, String> added) {
        Set<String> addedNames = new HashSet<>();
        added.keySet().forEach(n -> addedNames.add(n.toLowerCase(Locale.ROOT)));
        Map<String, Integer> nameLines = new HashMap<>();
        return values.list(route, path, "remove_request_headers", false, "header", (node, itemPath) -> {
            Scalar s = values.asScalar(node, itemPath, "a header name");
            String name = s == null ? null : fieldName(s, itemPath, nameLines);
            if (name == null) {
                return null;
            }
            if (HttpSyntax.isManagedField(name)) {
                values.problem(s.line(), itemPath, managed(name));
            } else if (addedNames.contains(name.toLowerCase(Locale.ROOT))) {
                values.problem(s.line(), itemPath, "\"" + name
                        + "\" is also in add_request_headers (adding a field already replaces it)");
            }
            return name;
        });
    }

    // ---- buffering

    private RouteBuffering buffering(Mapping route, String path) {
        int before = values.problemCount();
        boolean bufferRequest = values.bool(route, path, "buffer_request", false);
        boolean bufferRequestAsWritten = values.problemCount() == before;
        int maxRequestBuffer = values.size(route, path, "max_request_buffer",
                RouteBuffering.DEFAULT_MAX_REQUEST_BUFFER, 1024, 1024 * 1024 * 1024);
        RouteBuffering.Overflow overflow = values.choice(route, path, "overflow", RouteBuffering.Overflow.REJECT,
                RouteBuffering.Overflow.class);
        if (!bufferRequest && bufferRequestAsWritten) {
            // Without buffering the body streams whatever its size: a limit here would silently do nothing.
            for (String key : List.of("max_request_buffer", "overflow")) {
                Node.Entry entry = route.entry(key);
                if (entry != null && !(entry.value() instanceof Scalar v && v.text() == null)) {
                    values.problem(entry.keyLine(), Node.child(path, key),
                            key + " needs buffer_request: true (it applies to buffered requests only)");
                }
            }
        }
        boolean bufferResponse = values.bool(route, path, "buffer_response", false);
        return new RouteBuffering(bufferRequest, maxRequestBuffer, overflow, bufferResponse);
    }

    // ---- shared

    /**
     * A field name, checked to be a token and not to repeat (names are case-insensitive); {@code null} when it is
     * not a token. {@code nameLines} holds the lower-case names seen so far and their lines.
     */
    private String fieldName(Scalar s, String path, Map<String, Integer> nameLines) {
        String name = values.parsed(s, path, text -> HttpSyntax.token(text, "header name"), null);
        if (name != null) {
            Integer first = nameLines.putIfAbsent(name.toLowerCase(Locale.ROOT), s.line());
            if (first != null) {
                values.problem(s.line(), path, "duplicate header \"" + name + "\" (first at line " + first
                        + "; names are case-insensitive)");
            }
        }
        return name;
    }

    private static String managed(String name) {
        return "\"" + name + "\" cannot be added or removed by a route (Sluice manages Host, framing, hop-by-hop and forwarding fields)";
    }
}
