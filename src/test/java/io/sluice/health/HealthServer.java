package io.sluice.health;

import com.sun.net.httpserver.HttpServer;
import io.sluice.cluster.ServerState;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Supplier;

/**
 * A loopback HTTP server for health checks whose answer the test switches ({@link #status(int)}). It records every
 * check it answers with the state the checked server was in when the check arrived: since a server has one check in
 * flight at a time, that state is the result of all the checks before, which makes rise and fall countable.
 */
final class HealthServer implements AutoCloseable {
    /** One check answered: the status sent and the server's state when it arrived. */
    record Hit(int status, ServerState stateSeen) {
    }

    private final HttpServer http;
    private final List<Hit> hits = new CopyOnWriteArrayList<>();
    private volatile int status = 200;
    private volatile Supplier<ServerState> observe = () -> null;

    private HealthServer(HttpServer http) {
        this.http = http;
    }

    static HealthServer start() throws IOException {
        HttpServer http = HttpServer.create(new InetSocketAddress(InetAddress.getByName("127.0.0.1"), 0), 16);
        HealthServer server = new HealthServer(http);
        http.createContext("/", exchange -> {
            try (exchange) {
                int s = server.status;
                server.hits.add(new Hit(s, server.observe.get()));
                exchange.sendResponseHeaders(s, -1);
            }
        });
        http.start();
        return server;
    }

    InetSocketAddress address() {
        return new InetSocketAddress("127.0.0.1", http.getAddress().getPort());
    }

    void status(int s) {
        status = s;
    }

    /** What to record as the state seen by each check. */
    void observe(Supplier<ServerState> state) {
        observe = state;
    }

    List<Hit> hits() {
        return List.copyOf(hits);
    }

    @Override
    public void close() {
        http.stop(0);
    }
}
