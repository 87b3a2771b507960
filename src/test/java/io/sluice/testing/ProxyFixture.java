package io.sluice.testing;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.sluice.Sluice;
import io.sluice.config.AccessLogConfig;
import io.sluice.config.AdminConfig;
import io.sluice.config.Balance;
import io.sluice.config.BuffersConfig;
import io.sluice.config.ClusterConfig;
import io.sluice.config.ClusterTimeouts;
import io.sluice.config.HashOn;
import io.sluice.config.HealthConfig;
import io.sluice.config.HostPort;
import io.sluice.config.ListenerConfig;
import io.sluice.config.ListenerLimits;
import io.sluice.config.ListenerTimeouts;
import io.sluice.config.OutlierConfig;
import io.sluice.config.PoolConfig;
import io.sluice.config.Protocol;
import io.sluice.config.QueueConfig;
import io.sluice.config.RetryBudget;
import io.sluice.config.RouteConfig;
import io.sluice.config.RequestTargetRules;
import io.sluice.config.RouteMatch;
import io.sluice.config.ScreenConfig;
import io.sluice.config.ServerConfig;
import io.sluice.config.SluiceConfig;
import io.sluice.config.SocketOptions;
import io.sluice.config.Transport;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.function.UnaryOperator;

/**
 * Starts Sluice in front of {@link TestOrigin}s for one test and checks the pool afterwards. Register it per test
 * instance:
 *
 * <pre>{@code
 * @RegisterExtension final ProxyFixture proxy = new ProxyFixture();
 * ...
 * TestOrigin origin = proxy.origin();
 * proxy.setup().cluster("web", 4, origin).start();
 * }</pre>
 *
 * <p>The listener is named {@value #LISTENER} on 127.0.0.1:0, the admin listener on 127.0.0.1:0; the number of
 * event loops comes from the system property {@code sluice.test.workers} (default 1). Pools default to an idle
 * timeout of 60 s so that connection counts in a test are not disturbed by idle expiry; tests of idle behaviour set
 * their own.
 *
 * <p>After each test, in this order: closes the raw clients it handed out; polls (with a deadline) until
 * {@link Sluice#outstandingLeases()} is 0 and fails the test if it is not; closes Sluice; fails the test if an origin
 * received malformed HTTP from the proxy; closes the origins.
 */
public final class ProxyFixture implements AfterEachCallback {
    /** The name of the HTTP listener the fixture configures. */
    public static final String LISTENER = "web";
    /** How long after a test leases may take to return to 0. */
    public static final Duration LEASE_DEADLINE = Duration.ofSeconds(5);
    /** Pool settings used unless a test sets its own. */
    public static final PoolConfig TEST_POOL = new PoolConfig(64, Duration.ofSeconds(60), 0);

    private static final ObjectMapper JSON = new ObjectMapper();

    private final List<TestOrigin> origins = new ArrayList<>();
    private final ConcurrentLinkedQueue<RawHttpClient> clients = new ConcurrentLinkedQueue<>();
    private volatile Sluice sluice;
    private volatile HttpClient http;

    /** Event loops for this run: system property {@code sluice.test.workers}, default 1. */
    public static int workers() {
        return Integer.getInteger("sluice.test.workers", 1);
    }

    /** Starts an origin named "origin", closed after the test. */
    public TestOrigin origin() {
        return origin("origin");
    }

    /** Starts a named origin, closed after the test. */
    public TestOrigin origin(String name) {
        TestOrigin o = TestOrigin.start(name);
        synchronized (origins) {
            origins.add(o);
        }
        return o;
    }

    /** A configuration builder; {@link Setup#start()} starts Sluice with it. */
    public Setup setup() {
        return new Setup();
    }

    /** Starts Sluice with one cluster "web" of these origins (max 256 connections each) behind route "/". */
    public Sluice start(TestOrigin... servers) {
        return setup().cluster("web", 256, servers).start();
    }

    /** Starts Sluice with a complete configuration. */
    public Sluice start(SluiceConfig config) {
        if (sluice != null) {
            throw new IllegalStateException("Sluice already started in this test");
        }
        sluice = Sluice.start(config);
        return sluice;
    }

    public Sluice sluice() {
        if (sluice == null) {
            throw new IllegalStateException("Sluice not started");
        }
        return sluice;
    }

    /** The HTTP listener's bound address. */
    public InetSocketAddress address() {
        return sluice().listenerAddress(LISTENER);
    }

    /** {@code http://127.0.0.1:PORT/path} on the HTTP listener. */
    public URI uri(String path) {
        InetSocketAddress a = address();
        return URI.create("http://127.0.0.1:" + a.getPort() + path);
    }

    /** A raw client connected to the HTTP listener, closed after the test if the test did not. */
    public RawHttpClient connect() throws IOException {
        RawHttpClient c = RawHttpClient.connect(address());
        clients.add(c);
        return c;
    }

    /** One {@code GET target} with {@code Host: test} and {@code Connection: close} on a new raw connection. */
    public RawResponse get(String target) throws IOException {
        try (RawHttpClient c = RawHttpClient.connect(address())) {
            c.send(RawHttpClient.request("GET", target, "Host: test", "Connection: close"));
            return c.readResponse();
        }
    }

    /** A JDK HTTP client (HTTP/1.1) for cases where byte-exactness does not matter. */
    public HttpClient http() {
        HttpClient h = http;
        if (h == null) {
            h = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
                    .connectTimeout(Duration.ofSeconds(5)).build();
            http = h;
        }
        return h;
    }

    /** GET through the proxy with the JDK client; the body as a string. */
    public HttpResponse<String> httpGet(String path) throws IOException, InterruptedException {
        return http().send(HttpRequest.newBuilder(uri(path)).timeout(Duration.ofSeconds(10)).GET().build(),
                HttpResponse.BodyHandlers.ofString());
    }

    /** {@code GET /stats} from the admin listener, parsed. */
    public JsonNode stats() throws IOException, InterruptedException {
        InetSocketAddress a = sluice().adminAddress();
        if (a == null) {
            throw new IllegalStateException("no admin listener");
        }
        HttpResponse<String> r = http().send(HttpRequest.newBuilder(
                        URI.create("http://127.0.0.1:" + a.getPort() + "/stats"))
                .timeout(Duration.ofSeconds(10)).GET().build(), HttpResponse.BodyHandlers.ofString());
        if (r.statusCode() != 200) {
            throw new AssertionError("GET /stats answered " + r.statusCode() + ": " + r.body());
        }
        return JSON.readTree(r.body());
    }

    /** {@code GET /stats}, for use in {@link Await} conditions: a failure to fetch it fails the test. */
    public JsonNode statsNow() {
        try {
            return stats();
        } catch (IOException | InterruptedException e) {
            throw new AssertionError("GET /stats failed", e);
        }
    }

    /** The /stats entry of one server of a cluster, or fails. */
    public static JsonNode server(JsonNode stats, String cluster, String address) {
        for (JsonNode c : stats.path("clusters")) {
            if (c.path("name").asText().equals(cluster)) {
                for (JsonNode s : c.path("servers")) {
                    if (s.path("address").asText().equals(address)) {
                        return s;
                    }
                }
            }
        }
        throw new AssertionError("no server " + address + " in cluster " + cluster + " in /stats: " + stats);
    }

    /** The /stats entry of a listener, or fails. */
    public static JsonNode listener(JsonNode stats, String name) {
        for (JsonNode l : stats.path("listeners")) {
            if (l.path("name").asText().equals(name)) {
                return l;
            }
        }
        throw new AssertionError("no listener " + name + " in /stats: " + stats);
    }

    /** Sum of {@code closes.<reason>} over every server of every cluster. */
    public static long closes(JsonNode stats, String reason) {
        long n = 0;
        for (JsonNode c : stats.path("clusters")) {
            for (JsonNode s : c.path("servers")) {
                n += s.path("closes").path(reason).asLong();
            }
        }
        return n;
    }

    /** Waits until no server connection is leased; fails after {@link #LEASE_DEADLINE}. */
    public void awaitNoLeases() {
        Sluice s = sluice();
        Await.until(() -> s.outstandingLeases() == 0, LEASE_DEADLINE,
                () -> "outstanding leases: " + s.outstandingLeases());
    }

    /** An address on 127.0.0.1 where nothing listens (bound and released just now). */
    public static InetSocketAddress deadAddress() {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getByName("127.0.0.1"))) {
            return new InetSocketAddress("127.0.0.1", s.getLocalPort());
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    public static HostPort hostPort(InetSocketAddress a) {
        return new HostPort(a.getAddress().getHostAddress(), a.getPort());
    }

    @Override
    public void afterEach(ExtensionContext context) {
        List<Throwable> errors = new ArrayList<>();
        for (RawHttpClient c; (c = clients.poll()) != null; ) {
            c.close();
        }
        Sluice s = sluice;
        if (s != null) {
            try {
                awaitNoLeases();
            } catch (Throwable t) {
                errors.add(t);
            }
            try {
                s.close();
            } catch (Throwable t) {
                errors.add(t);
            }
            sluice = null;
        }
        List<TestOrigin> all;
        synchronized (origins) {
            all = List.copyOf(origins);
            origins.clear();
        }
        for (TestOrigin o : all) {
            List<String> problems = o.protocolErrors();
            if (!problems.isEmpty()) {
                errors.add(new AssertionError("the proxy sent malformed HTTP to " + o + ": " + problems));
            }
            o.close();
        }
        http = null;
        if (!errors.isEmpty()) {
            Throwable first = errors.get(0);
            for (int i = 1; i < errors.size(); i++) {
                first.addSuppressed(errors.get(i));
            }
            if (first instanceof RuntimeException) {
                throw (RuntimeException) first;
            }
            if (first instanceof Error) {
                throw (Error) first;
            }
            throw new AssertionError(first);
        }
    }

    /** Builds the configuration of one test. */
    public final class Setup {
        private int workers = ProxyFixture.workers();
        private final Map<String, List<ServerConfig>> clusters = new LinkedHashMap<>();
        private final Map<String, PoolConfig> pools = new LinkedHashMap<>();
        private final Map<String, ClusterTimeouts> timeouts = new LinkedHashMap<>();
        private final List<RouteConfig> routes = new ArrayList<>();
        private final Map<String, UnaryOperator<ClusterConfig>> clusterChanges = new LinkedHashMap<>();
        private ListenerTimeouts listenerTimeouts = ListenerTimeouts.DEFAULTS;
        private ListenerLimits limits = ListenerLimits.DEFAULTS;
        private SocketOptions socket = SocketOptions.DEFAULTS;
        private int maxClientConnections = 10_000;
        private BuffersConfig buffers = BuffersConfig.DEFAULTS;
        private boolean acceptProxy;
        private ScreenConfig screen = ScreenConfig.NONE;
        private RequestTargetRules requestTarget = RequestTargetRules.DEFAULTS;
        private AccessLogConfig accessLog;

        private Setup() {
        }

        /** Adds a cluster of these origins, each allowing {@code maxConnections} server connections. */
        public Setup cluster(String name, int maxConnections, TestOrigin... servers) {
            InetSocketAddress[] a = new InetSocketAddress[servers.length];
            for (int i = 0; i < servers.length; i++) {
                a[i] = servers[i].address();
            }
            return cluster(name, maxConnections, a);
        }

        /** Adds a cluster of these addresses, each allowing {@code maxConnections} server connections. */
        public Setup cluster(String name, int maxConnections, InetSocketAddress... servers) {
            List<ServerConfig> list = new ArrayList<>();
            for (InetSocketAddress a : servers) {
                list.add(new ServerConfig(hostPort(a), 1, maxConnections));
            }
            clusters.put(name, list);
            return this;
        }

        public Setup pool(String cluster, PoolConfig pool) {
            pools.put(cluster, pool);
            return this;
        }

        public Setup timeouts(String cluster, ClusterTimeouts t) {
            timeouts.put(cluster, t);
            return this;
        }

        /** Adds a route (null host or prefix = any); without any, "/" goes to the first cluster. */
        public Setup route(String host, String pathPrefix, String cluster) {
            routes.add(new RouteConfig(new RouteMatch(host, pathPrefix), cluster));
            return this;
        }

        /** Adds a route with all its options. */
        public Setup route(RouteConfig route) {
            routes.add(route);
            return this;
        }

        /** Changes a cluster's config beyond what the other methods set (balance, queue, retry budget...). */
        public Setup clusterConfig(String cluster, UnaryOperator<ClusterConfig> change) {
            clusterChanges.merge(cluster, change, (a, b) -> c -> b.apply(a.apply(c)));
            return this;
        }

        /** Memory budget and spill directory of held responses. */
        public Setup buffers(BuffersConfig b) {
            buffers = b;
            return this;
        }

        public Setup listenerTimeouts(ListenerTimeouts t) {
            listenerTimeouts = t;
            return this;
        }

        public Setup limits(ListenerLimits l) {
            limits = l;
            return this;
        }

        /** Socket buffer sizes of the listener's client connections (default: kernel autotuning). */
        public Setup socket(SocketOptions options) {
            socket = options;
            return this;
        }

        public Setup maxClientConnections(int n) {
            maxClientConnections = n;
            return this;
        }

        public Setup workers(int n) {
            workers = n;
            return this;
        }

        /** Every client connection must start with a PROXY protocol header. */
        public Setup acceptProxy() {
            acceptProxy = true;
            return this;
        }

        /** Who may connect and how often. */
        public Setup screen(ScreenConfig s) {
            screen = s;
            return this;
        }

        /** Which request targets the listener accepts. */
        public Setup requestTarget(RequestTargetRules rules) {
            requestTarget = rules;
            return this;
        }

        /** Logs every exchange so. */
        public Setup accessLog(AccessLogConfig log) {
            accessLog = log;
            return this;
        }

        public SluiceConfig config() {
            if (clusters.isEmpty()) {
                throw new IllegalStateException("no cluster");
            }
            List<ClusterConfig> cs = new ArrayList<>();
            for (Map.Entry<String, List<ServerConfig>> e : clusters.entrySet()) {
                ClusterConfig c = new ClusterConfig(e.getKey(), Balance.ROUND_ROBIN, e.getValue(),
                        pools.getOrDefault(e.getKey(), TEST_POOL),
                        timeouts.getOrDefault(e.getKey(), ClusterTimeouts.DEFAULTS));
                cs.add(clusterChanges.getOrDefault(e.getKey(), UnaryOperator.identity()).apply(c));
            }
            List<RouteConfig> rs = routes.isEmpty()
                    ? List.of(new RouteConfig(new RouteMatch(null, "/"), clusters.keySet().iterator().next()))
                    : routes;
            ListenerConfig listener = new ListenerConfig(LISTENER, new HostPort("127.0.0.1", 0), Protocol.HTTP,
                    maxClientConnections, rs, null, listenerTimeouts, limits, socket, true, acceptProxy, screen,
                    requestTarget);
            return new SluiceConfig(workers, Transport.AUTO, List.of(listener), cs,
                    new AdminConfig(new HostPort("127.0.0.1", 0)), buffers, null, accessLog);
        }

        public Sluice start() {
            return ProxyFixture.this.start(config());
        }

        /** The configuration with every cluster passed through {@code edit} (e.g. {@link #withHealth}). */
        public SluiceConfig config(UnaryOperator<ClusterConfig> edit) {
            SluiceConfig c = config();
            return new SluiceConfig(c.workers(), c.transport(), c.listeners(),
                    c.clusters().stream().map(edit).toList(), c.admin(), c.buffers(), c.shutdownTimeout(), c.accessLog());
        }

        /** Starts Sluice with every cluster passed through {@code edit} (e.g. {@link #withHealth}). */
        public Sluice start(UnaryOperator<ClusterConfig> edit) {
            return ProxyFixture.this.start(config(edit));
        }
    }

    /** Starts an origin on a given port (to bring back one the test killed), closed after the test. */
    public TestOrigin origin(String name, int port) {
        TestOrigin o = TestOrigin.start(name, port);
        synchronized (origins) {
            origins.add(o);
        }
        return o;
    }

    /** {@code c} balancing with {@code balance} on {@code hashOn}. */
    public static ClusterConfig withBalance(ClusterConfig c, Balance balance, HashOn hashOn) {
        return new ClusterConfig(c.name(), balance, c.servers(), c.pool(), c.timeouts(), hashOn, c.health(),
                c.outlier(), c.slowStart(), c.queue(), c.retryBudget());
    }

    /** {@code c} with this surge queue. */
    public static ClusterConfig withQueue(ClusterConfig c, QueueConfig queue) {
        return new ClusterConfig(c.name(), c.balance(), c.servers(), c.pool(), c.timeouts(), c.hashOn(), c.health(),
                c.outlier(), c.slowStart(), queue, c.retryBudget());
    }

    /** {@code c} with this retry budget. */
    public static ClusterConfig withRetryBudget(ClusterConfig c, RetryBudget budget) {
        return new ClusterConfig(c.name(), c.balance(), c.servers(), c.pool(), c.timeouts(), c.hashOn(), c.health(),
                c.outlier(), c.slowStart(), c.queue(), budget);
    }

    /** {@code c} with these active checks ({@code null}: none) and passive checks. */
    public static ClusterConfig withHealth(ClusterConfig c, HealthConfig health, OutlierConfig outlier) {
        return new ClusterConfig(c.name(), c.balance(), c.servers(), c.pool(), c.timeouts(), c.hashOn(), health,
                outlier, c.slowStart(), c.queue(), c.retryBudget());
    }

    /** A request to the admin listener with the JDK client ({@code POST} with an empty body). */
    public HttpResponse<String> admin(String method, String path) throws IOException, InterruptedException {
        InetSocketAddress a = sluice().adminAddress();
        if (a == null) {
            throw new IllegalStateException("no admin listener");
        }
        return http().send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + a.getPort() + path))
                        .timeout(Duration.ofSeconds(10))
                        .method(method, HttpRequest.BodyPublishers.noBody()).build(),
                HttpResponse.BodyHandlers.ofString());
    }
}
