package io.sluice.admin;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.sluice.ReloadReport;
import io.sluice.Sluice;
import io.sluice.cluster.Cluster;
import io.sluice.cluster.Server;
import io.sluice.config.ConfigException;
import io.sluice.log.Log;

import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;

/**
 * The admin listener. It runs on its own small thread pool (the JDK's HTTP server), away from the event loops,
 * so a slow admin client can never delay proxied traffic.
 *
 * <ul>
 *   <li>{@code GET /}: the live dashboard, see {@link Dashboard}.</li>
 *   <li>{@code GET /stats}: see {@link Stats}.</li>
 *   <li>{@code GET /metrics}: the same counters for Prometheus, see {@link Metrics}.</li>
 *   <li>{@code POST /servers/{cluster}/{address}/drain|disable|enable}, the address as written in the config
 *       (an IPv6 one percent-encoded: {@code %5B::1%5D:9001}): 200 with the server's /stats entry and its cluster's
 *       name, {@code state} being the new state; 404 for an unknown cluster, server or action; 405 for another
 *       method. {@code drain} and {@code disable} both stop new requests to the server at once, on every event loop,
 *       and let the requests in flight on it finish; pooled idle connections stay until their idle timeout.
 *       {@code enable} puts it back (with the cluster's slow start); health checks go on meanwhile, so an enabled
 *       server is up or down at once as its checks say.</li>
 *   <li>{@code POST /reload}: reads the configuration file again and applies it ({@link Sluice#reload}); 200 with
 *       {@code changes} and {@code need_restart}; 400 with every {@code problems} line for an invalid file, 409 with
 *       {@code error} when it cannot be applied (a listener cannot bind, or Sluice runs without a file). The
 *       configuration in force stays unless the answer is 200.</li>
 * </ul>
 */
public final class AdminServer implements AutoCloseable {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String SERVERS = "/servers/";

    private final HttpServer server;
    private final ExecutorService executor;

    private AdminServer(HttpServer server, ExecutorService executor) {
        this.server = server;
        this.executor = executor;
    }

    public static AdminServer start(InetSocketAddress address, Sluice sluice) throws IOException {
        HttpServer server = HttpServer.create(address, 64);
        ExecutorService executor = Executors.newFixedThreadPool(2, r -> {
            Thread t = new Thread(r, "sluice-admin");
            t.setDaemon(true);
            return t;
        });
        server.setExecutor(executor);
        server.createContext("/", exchange -> handle(exchange, sluice));
        server.start();
        return new AdminServer(server, executor);
    }

    private static void handle(HttpExchange exchange, Sluice sluice) throws IOException {
        try (exchange) {
            String path = exchange.getRequestURI().getPath();
            if (path.startsWith(SERVERS)) {
                serverAction(exchange, sluice, path.substring(SERVERS.length()));
            } else if ("/reload".equals(path)) {
                reload(exchange, sluice);
            } else if (!"GET".equals(exchange.getRequestMethod())) {
                exchange.getResponseHeaders().set("Allow", "GET");
                send(exchange, 405, "text/plain", "method not allowed\n");
            } else if ("/stats".equals(path)) {
                send(exchange, 200, "application/json", JSON.writeValueAsString(Stats.of(sluice)));
            } else if ("/metrics".equals(path)) {
                send(exchange, 200, PrometheusText.CONTENT_TYPE, Metrics.render(sluice));
            } else if ("/".equals(path)) {
                // the page polls /stats every second: a cached copy could only ever be stale
                exchange.getResponseHeaders().set("Cache-Control", "no-store");
                send(exchange, 200, "text/html; charset=utf-8", Dashboard.PAGE);
            } else {
                send(exchange, 404, "text/plain", "not found\n");
            }
        }
    }

    private static void reload(HttpExchange exchange, Sluice sluice) throws IOException {
        if (!"POST".equals(exchange.getRequestMethod())) {
            exchange.getResponseHeaders().set("Allow", "POST");
            send(exchange, 405, "text/plain", "method not allowed: use POST\n");
            return;
        }
        Map<String, Object> body = new LinkedHashMap<>();
        int status;
        try {
            ReloadReport report = sluice.reloadFromSource();
            body.put("changes", report.changes());
            body.put("need_restart", report.needRestart());
            status = 200;
        } catch (ConfigException e) {
            Log.event("reload (admin) rejected, the configuration in force stays: " + e.getMessage());
            body.put("error", "invalid configuration: nothing changed");
            body.put("problems", e.problems().stream().map(Object::toString).toList());
            status = 400;
        } catch (IllegalStateException e) {
            Log.event("reload (admin) failed, the configuration in force stays: " + e.getMessage());
            body.put("error", e.getMessage());
            status = 409;
        }
        send(exchange, status, "application/json", JSON.writeValueAsString(body));
    }

    /** {@code rest}: {@code {cluster}/{address}/{action}} (the address has no '/', the cluster name may). */
    private static void serverAction(HttpExchange exchange, Sluice sluice, String rest) throws IOException {
        int actionAt = rest.lastIndexOf('/');
        int addressAt = actionAt <= 0 ? -1 : rest.lastIndexOf('/', actionAt - 1);
        Server.AdminState target = actionAt < 0 ? null : switch (rest.substring(actionAt + 1)) {
            case "drain" -> Server.AdminState.DRAINING;
            case "disable" -> Server.AdminState.DISABLED;
            case "enable" -> Server.AdminState.ENABLED;
            default -> null;
        };
        if (target == null || addressAt <= 0) {
            send(exchange, 404, "text/plain",
                    "not found: expected /servers/{cluster}/{address}/drain|disable|enable\n");
            return;
        }
        String clusterName = rest.substring(0, addressAt);
        String address = rest.substring(addressAt + 1, actionAt);
        Cluster cluster = cluster(sluice, clusterName);
        Server server = cluster == null ? null : server(cluster, address);
        if (server == null) {
            send(exchange, 404, "text/plain", (cluster == null ? "no cluster " + clusterName
                    : "no server " + address + " in cluster " + clusterName) + "\n");
            return;
        }
        if (!"POST".equals(exchange.getRequestMethod())) {
            exchange.getResponseHeaders().set("Allow", "POST");
            send(exchange, 405, "text/plain", "method not allowed: use POST\n");
            return;
        }
        Server.AdminState before = server.setAdminState(target);
        if (before != target) {
            Log.event("server " + clusterName + "/" + address + " " + switch (target) {
                case DRAINING -> "draining";
                case DISABLED -> "disabled";
                case ENABLED -> "enabled, now " + server.state().key();
            } + " (admin)");
        }
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("cluster", clusterName);
        body.putAll(Stats.server(server, sluice.health()));
        send(exchange, 200, "application/json", JSON.writeValueAsString(body));
    }

    private static Cluster cluster(Sluice sluice, String name) {
        for (Cluster cluster : sluice.clusters()) {
            if (cluster.name().equals(name)) {
                return cluster;
            }
        }
        return null;
    }

    /** The server whose address is written {@code address} in the config. */
    private static Server server(Cluster cluster, String address) {
        for (Server server : cluster.servers()) {
            if (server.config().address().toString().equals(address)) {
                return server;
            }
        }
        return null;
    }

    private static void send(HttpExchange exchange, int status, String type, String body) throws IOException {
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        exchange.getResponseHeaders().set("Content-Type", type);
        exchange.sendResponseHeaders(status, bytes.length);
        try (OutputStream out = exchange.getResponseBody()) {
            out.write(bytes);
        }
    }

    public InetSocketAddress address() {
        return server.getAddress();
    }

    @Override
    public void close() {
        server.stop(0);
        executor.shutdownNow();
        try {
            executor.awaitTermination(2, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
