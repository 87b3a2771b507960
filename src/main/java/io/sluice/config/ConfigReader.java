package io.sluice.config;

import io.sluice.config.Node.Mapping;
import io.sluice.config.Node.Scalar;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Walks a {@link Node} tree, checks it and builds a {@link SluiceConfig}. It never stops at the first problem:
 * a bad value is reported and replaced by its default so that the rest of the file is still checked. Clusters
 * are read by {@link ClusterReader}, routes by {@link RouteReader}, the access log by {@link AccessLogReader};
 * this class reads the top level, listeners and admin, and checks that no two of them bind the same socket.
 */
final class ConfigReader {
    private static final int KIB = 1024;
    private static final int MIB = 1024 * KIB;
    private static final int GIB = 1024 * MIB;
    private static final long TIB = 1024L * GIB;

    private final Problems problems;
    private final ValueReader values;
    private final ClusterReader clusterReader;
    private final RouteReader routeReader;
    private final ScreenReader screenReader;
    private final AccessLogReader accessLogReader;
    private final Map<String, Integer> listenerNameLines = new HashMap<>();
    private final List<Bind> binds = new ArrayList<>();

    /** A socket Sluice listens on, to find two listeners (or a listener and admin) on the same one. */
    private record Bind(HostPort address, int line, String path) {
    }

    ConfigReader(Problems problems) {
        this.problems = problems;
        this.values = new ValueReader(problems);
        this.clusterReader = new ClusterReader(values);
        this.routeReader = new RouteReader(values, clusterReader.names());
        this.screenReader = new ScreenReader(values);
        this.accessLogReader = new AccessLogReader(values);
    }

    /** The config, or {@code null} when there were problems (they are in {@code problems} then). */
    SluiceConfig read(Node root) {
        if (!(root instanceof Mapping top)) {
            problems.add(1, "", "the top level must be a mapping with keys such as \"listeners\", got "
                    + root.describe());
            return null;
        }
        values.checkKeys(top, "", "workers", "transport", "listeners", "clusters", "admin", "buffers",
                "shutdown_timeout", "access_log", "deferred");
        int defaultWorkers = Math.max(1, Math.min(256, Runtime.getRuntime().availableProcessors()));
        int workers = values.integer(top, "", "workers", defaultWorkers, 1, 256);
        Transport transport = values.choice(top, "", "transport", Transport.AUTO, Transport.class);
        // Clusters first so routes can be checked against them, whatever order the file uses.
        List<ClusterConfig> clusters = values.list(top, "", "clusters", false, "cluster", clusterReader::cluster);
        List<ListenerConfig> listeners = values.list(top, "", "listeners", true, "listener", this::listener);
        AdminConfig admin = admin(top);
        BuffersConfig buffers = buffers(top);
        Duration shutdownTimeout = values.duration(top, "", "shutdown_timeout", SluiceConfig.DEFAULT_SHUTDOWN_TIMEOUT);
        AccessLogConfig accessLog = accessLogReader.accessLog(top);
        DeferredConfig deferred = deferred(top);
        checkBinds();
        return problems.isEmpty()
                ? new SluiceConfig(workers, transport, listeners, clusters, admin, buffers, shutdownTimeout, accessLog,
                deferred)
                : null;
    }

    // ---- sections

    private ListenerConfig listener(Node node, String path) {
        Mapping m = values.asMapping(node, path);
        if (m == null) {
            return null;
        }
        values.checkKeys(m, path, "name", "address", "protocol", "max_connections", "routes", "cluster", "timeouts",
                "limits", "socket", "splice", "accept_proxy", "screen", "request_target", "monitor_uri");
        String name = values.name(m, path, "listener", listenerNameLines);
        HostPort address = bindAddress(m, path);
        Protocol protocol = values.choice(m, path, "protocol", Protocol.HTTP, Protocol.class);
        int maxConnections = values.integer(m, path, "max_connections", 10_000, 1, Integer.MAX_VALUE);

        List<RouteConfig> routes = List.of();
        String cluster = null;
        if (protocol == Protocol.HTTP) {
            routes = values.list(m, path, "routes", true, "route", routeReader::route);
            onlyFor(m, path, "cluster", "only tcp listeners have a cluster; http listeners use routes");
            onlyFor(m, path, "splice", "only tcp listeners splice; http listeners read what they forward");
        } else {
            onlyFor(m, path, "routes", "only http listeners have routes; tcp listeners use cluster");
            onlyFor(m, path, "request_target", "only http listeners read request targets");
            onlyFor(m, path, "monitor_uri", "only http listeners answer requests");
            cluster = values.reference(m, path, "cluster", clusterReader.names(), "cluster");
        }
        boolean splice = values.bool(m, path, "splice", true);
        boolean acceptProxy = values.bool(m, path, "accept_proxy", false);
        ScreenConfig screen = screenReader.screen(m, path);
        if (protocol == Protocol.TCP && screen.requestRate() != null) {
            Mapping section = (Mapping) m.entry("screen").value();
            problems.add(section.entry("request_rate").keyLine(), Node.child(Node.child(path, "screen"), "request_rate"),
                    "only http listeners count requests; tcp listeners can limit connection_rate");
        }
        return new ListenerConfig(name, address, protocol, maxConnections, routes, cluster,
                listenerTimeouts(m, path), listenerLimits(m, path), socketOptions(m, path), splice, acceptProxy,
                screen, requestTarget(m, path), monitorUri(m, path));
    }

    /** The path a balancer in front asks to learn whether this listener takes requests, or {@code null}. */
    private String monitorUri(Mapping listener, String path) {
        Scalar s = values.scalar(listener, path, "monitor_uri", false, "a path");
        if (s == null) {
            return null;
        }
        String uri = s.text();
        boolean visible = uri.chars().allMatch(c -> c > 0x20 && c < 0x7f);
        if (!uri.startsWith("/") || uri.indexOf('?') >= 0 || !visible) {
            problems.add(s.line(), Node.child(path, "monitor_uri"), "bad monitor_uri \"" + uri
                    + "\" (expected a path starting with \"/\", without query, spaces or control characters)");
            return null;
        }
        return uri;
    }

    private RequestTargetRules requestTarget(Mapping listener, String listenerPath) {
        String path = Node.child(listenerPath, "request_target");
        Mapping m = values.mapping(listener, listenerPath, "request_target");
        if (m == null) {
            return RequestTargetRules.DEFAULTS;
        }
        values.checkKeys(m, path, "absolute_form", "syntax");
        boolean absoluteForm = values.choice(m, path, "absolute_form", Acceptance.ALLOW, Acceptance.class)
                == Acceptance.ALLOW;
        boolean strict = values.choice(m, path, "syntax", TargetSyntax.STRICT, TargetSyntax.class)
                == TargetSyntax.STRICT;
        return new RequestTargetRules(absoluteForm, strict);
    }

    private enum Acceptance { ALLOW, REJECT }

    private enum TargetSyntax { STRICT, LENIENT }

    /** A key the listener's protocol does not have is a problem, with {@code why} as the message. */
    private void onlyFor(Mapping listener, String path, String key, String why) {
        Node.Entry stray = listener.entry(key);
        if (stray != null) {
            problems.add(stray.keyLine(), Node.child(path, key), why);
        }
    }

    private SocketOptions socketOptions(Mapping listener, String listenerPath) {
        String path = Node.child(listenerPath, "socket");
        Mapping m = values.mapping(listener, listenerPath, "socket");
        if (m == null) {
            return SocketOptions.DEFAULTS;
        }
        values.checkKeys(m, path, "send_buffer", "receive_buffer", "reuse_port");
        return new SocketOptions(socketBuffer(m, path, "send_buffer"), socketBuffer(m, path, "receive_buffer"),
                values.bool(m, path, "reuse_port", true));
    }

    /** 0 (the default, also when written) leaves the kernel's autotuning on; below 1KiB is surely a typo. */
    private int socketBuffer(Mapping socket, String path, String key) {
        Scalar s = values.scalar(socket, path, key, false, "a string");
        Long bytes = s == null ? null : values.parsed(s, Node.child(path, key), Sizes::parse, null);
        if (bytes == null || bytes == 0) {
            return 0;
        }
        if (bytes < 1024 || bytes > 64 * MIB) {
            problems.add(s.line(), Node.child(path, key), "out of range: " + s.text() + " (must be 0 or "
                    + Sizes.format(1024) + ".." + Sizes.format(64 * MIB) + ")");
            return 0;
        }
        return bytes.intValue();
    }

    private ListenerTimeouts listenerTimeouts(Mapping listener, String listenerPath) {
        String path = Node.child(listenerPath, "timeouts");
        Mapping m = values.mapping(listener, listenerPath, "timeouts");
        if (m == null) {
            return ListenerTimeouts.DEFAULTS;
        }
        values.checkKeys(m, path, "request_header", "body_idle", "keepalive_idle", "tunnel_idle", "tunnel_max");
        ListenerTimeouts d = ListenerTimeouts.DEFAULTS;
        return new ListenerTimeouts(values.duration(m, path, "request_header", d.requestHeader()),
                values.duration(m, path, "body_idle", d.bodyIdle()),
                values.duration(m, path, "keepalive_idle", d.keepaliveIdle()),
                values.duration(m, path, "tunnel_idle", d.tunnelIdle()),
                values.durationOrZero(m, path, "tunnel_max", d.tunnelMax()));
    }

    private ListenerLimits listenerLimits(Mapping listener, String listenerPath) {
        String path = Node.child(listenerPath, "limits");
        Mapping m = values.mapping(listener, listenerPath, "limits");
        if (m == null) {
            return ListenerLimits.DEFAULTS;
        }
        values.checkKeys(m, path, "request_line", "header_bytes", "headers", "max_pipeline", "body",
                "requests_per_connection");
        ListenerLimits d = ListenerLimits.DEFAULTS;
        int requestLine = values.size(m, path, "request_line", d.requestLine(), 256, MIB);
        int headerBytes = values.size(m, path, "header_bytes", d.headerBytes(), 256, MIB);
        int headers = values.integer(m, path, "headers", d.headers(), 1, 10_000);
        int maxPipeline = values.integer(m, path, "max_pipeline", d.maxPipeline(), 1, 256);
        long body = values.longSize(m, path, "body", d.body(), 0, TIB);
        int requestsPerConnection = values.integer(m, path, "requests_per_connection", d.requestsPerConnection(), 1,
                Integer.MAX_VALUE);
        if (headerBytes < requestLine) {
            // The request line counts towards header_bytes; blame whichever of the two the user wrote last.
            String key = m.entry("header_bytes") != null ? "header_bytes" : "request_line";
            problems.add(m.entry(key).value().line(), Node.child(path, key),
                    "header_bytes (" + Sizes.format(headerBytes) + ") must be at least request_line ("
                            + Sizes.format(requestLine) + ")");
        }
        return new ListenerLimits(requestLine, headerBytes, headers, maxPipeline, body, requestsPerConnection);
    }

    private AdminConfig admin(Mapping top) {
        Mapping m = values.mapping(top, "", "admin");
        if (m == null) {
            return null;
        }
        values.checkKeys(m, "admin", "address");
        return new AdminConfig(bindAddress(m, "admin"));
    }

    private BuffersConfig buffers(Mapping top) {
        Mapping m = values.mapping(top, "", "buffers");
        if (m == null) {
            return BuffersConfig.DEFAULTS;
        }
        String path = "buffers";
        values.checkKeys(m, path, "memory_budget", "exchange_memory", "spill_dir", "max_spill", "max_spill_total",
                "preallocate");
        BuffersConfig d = BuffersConfig.DEFAULTS;
        int before = values.problemCount();
        long memoryBudget = values.longSize(m, path, "memory_budget", d.memoryBudget(), MIB, 64L * GIB);
        boolean budgetAsWritten = values.problemCount() == before;
        int exchangeMemory = values.size(m, path, "exchange_memory", d.exchangeMemory(), 16 * KIB, GIB);
        if (exchangeMemory > memoryBudget && budgetAsWritten) {
            // Only a written exchange_memory can exceed a valid budget: the default (1MiB) is the smallest budget.
            problems.add(m.entry("exchange_memory").value().line(), Node.child(path, "exchange_memory"),
                    "exchange_memory (" + Sizes.format(exchangeMemory) + ") must not exceed memory_budget ("
                            + Sizes.format(memoryBudget) + ")");
        }
        Path spillDir = spillDir(m, path, d.spillDir());
        long maxSpill = values.longSize(m, path, "max_spill", d.maxSpill(), 0, TIB);
        long maxSpillTotal = values.longSize(m, path, "max_spill_total", d.maxSpillTotal(), 0, 64 * TIB);
        boolean preallocate = values.bool(m, path, "preallocate", d.preallocate());
        return new BuffersConfig(memoryBudget, exchangeMemory, spillDir, maxSpill, preallocate, maxSpillTotal);
    }

    private DeferredConfig deferred(Mapping top) {
        Mapping m = values.mapping(top, "", "deferred");
        if (m == null) {
            return DeferredConfig.DEFAULTS;
        }
        String path = "deferred";
        values.checkKeys(m, path, "journal_dir", "max_attempts", "give_up_after", "backoff", "max_journal_bytes",
                "segment_bytes");
        DeferredConfig d = DeferredConfig.DEFAULTS;
        Path dir = values.directory(m, path, "journal_dir", d.journalDir());
        int maxAttempts = values.integer(m, path, "max_attempts", d.maxAttempts(), 0, 1_000_000);
        Duration giveUpAfter = values.duration(m, path, "give_up_after", d.giveUpAfter());
        Duration initial = d.backoffInitial();
        Duration max = d.backoffMax();
        Mapping backoff = values.mapping(m, path, "backoff");
        if (backoff != null) {
            String bpath = Node.child(path, "backoff");
            values.checkKeys(backoff, bpath, "initial", "max");
            initial = values.duration(backoff, bpath, "initial", initial);
            max = values.duration(backoff, bpath, "max", max);
            if (initial.compareTo(max) > 0) {
                Node.Entry e = backoff.entry("initial");
                problems.add(e == null ? backoff.line() : e.keyLine(), Node.child(bpath, "initial"),
                        "initial (" + initial + ") must not exceed max (" + max + ")");
            }
        }
        long maxJournalBytes = values.longSize(m, path, "max_journal_bytes", d.maxJournalBytes(), MIB, TIB);
        long segmentBytes = values.longSize(m, path, "segment_bytes", d.segmentBytes(), 64 * KIB, GIB);
        return new DeferredConfig(dir, maxAttempts, giveUpAfter, initial, max, maxJournalBytes, segmentBytes);
    }

    /**
     * Taken as written: a relative directory is relative to the working directory at start-up, and whether it exists
     * or can be written is not checked, so that {@code sluice check} gives the same answer on any machine.
     */
    private Path spillDir(Mapping buffers, String path, Path defaultValue) {
        return values.directory(buffers, path, "spill_dir", defaultValue);
    }

    // ---- cross checks

    private HostPort bindAddress(Mapping m, String path) {
        HostPort address = values.address(m, path, "address", true);
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
}
