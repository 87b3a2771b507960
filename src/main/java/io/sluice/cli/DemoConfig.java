package io.sluice.cli;

import io.sluice.config.AdminConfig;
import io.sluice.config.Balance;
import io.sluice.config.ClusterConfig;
import io.sluice.config.ClusterTimeouts;
import io.sluice.config.HostPort;
import io.sluice.config.ListenerConfig;
import io.sluice.config.ListenerLimits;
import io.sluice.config.ListenerTimeouts;
import io.sluice.config.PoolConfig;
import io.sluice.config.RouteCache;
import io.sluice.config.Protocol;
import io.sluice.config.RouteConfig;
import io.sluice.config.RouteMatch;
import io.sluice.config.ServerConfig;
import io.sluice.config.SluiceConfig;
import io.sluice.config.Transport;

import java.net.InetSocketAddress;
import java.util.List;

/** The configuration {@code sluice demo} runs, and what it tells the user to try. */
final class DemoConfig {
    /** Server connections allowed per demo backend: the number /stats shows connects staying at. */
    static final int SERVER_CONNECTIONS = 8;

    private DemoConfig() {
    }

    static SluiceConfig of(List<InetSocketAddress> backends, int port, int adminPort) {
        List<ServerConfig> servers = backends.stream()
                .map(a -> new ServerConfig(new HostPort("127.0.0.1", a.getPort()), 1, SERVER_CONNECTIONS))
                .toList();
        ClusterConfig cluster = new ClusterConfig("demo", Balance.ROUND_ROBIN, servers,
                new PoolConfig(SERVER_CONNECTIONS, PoolConfig.DEFAULTS.idleTimeout(), 0), ClusterTimeouts.DEFAULTS);
        ListenerConfig listener = new ListenerConfig("web", new HostPort("127.0.0.1", port), Protocol.HTTP, 10_000,
                List.of(staticRoute(), new RouteConfig(new RouteMatch(null, "/"), "demo")), null,
                ListenerTimeouts.DEFAULTS,
                ListenerLimits.DEFAULTS);
        return new SluiceConfig(Runtime.getRuntime().availableProcessors(), Transport.AUTO, List.of(listener),
                List.of(cluster), new AdminConfig(new HostPort("127.0.0.1", adminPort)));
    }

    /** {@code /static/}: to the demo backends (which mark it cacheable for a minute), through a cache. */
    private static RouteConfig staticRoute() {
        return new RouteConfig(new RouteMatch(null, "/static/"), "demo", null, null, null, null,
                RouteConfig.DEFAULT_RETRIES, null, null, null, null, null, null, RouteCache.DEFAULTS);
    }

    static String instructions(List<InetSocketAddress> backends, int port, int adminPort) {
        String proxy = "http://127.0.0.1:" + port;
        String stats = "http://127.0.0.1:" + adminPort + "/stats";
        return String.join("\n",
                "Sluice demo running.",
                "  demo backends:  " + backends,
                "  proxy:          " + proxy + "/",
                "  dashboard:      http://127.0.0.1:" + adminPort + "/   # live, in a browser",
                "  admin stats:    " + stats,
                "  metrics:        http://127.0.0.1:" + adminPort + "/metrics   # Prometheus",
                "",
                "Try:",
                "  curl -i " + proxy + "/hello",
                "  curl -i " + proxy + "/static/logo   # twice: the second is answered by the cache (Cache-Status: "
                        + "sluice; hit)",
                "  ab -n 20000 -c 50 " + proxy + "/        # a new client connection per request",
                "  curl -s " + stats + "   # server 'connects' stay at most " + SERVER_CONNECTIONS
                        + " per backend, whatever the number of clients",
                "",
                "Stop with Ctrl-C.");
    }
}
