package io.sluice.demo;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;

import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The in-process servers {@code sluice demo} puts behind the proxy: small HTTP servers on loopback that answer
 * every path with a short text naming themselves, {@code /size/N} with N bytes, and {@code /static/...} marked
 * cacheable for a minute (the demo's cached route).
 */
public final class DemoBackends implements AutoCloseable {
    private static final int MAX_SIZE = 16 * 1024 * 1024;

    private final List<HttpServer> servers = new ArrayList<>();
    private final ExecutorService executor;
    private final AtomicInteger connections = new AtomicInteger();

    private DemoBackends(int count) throws IOException {
        executor = Executors.newFixedThreadPool(8, r -> {
            Thread t = new Thread(r, "demo-backend");
            t.setDaemon(true);
            return t;
        });
        for (int i = 1; i <= count; i++) {
            HttpServer server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 128);
            String name = "backend-" + i;
            server.createContext("/", exchange -> answer(exchange, name));
            server.setExecutor(executor);
            server.start();
            servers.add(server);
        }
    }

    public static DemoBackends start(int count) throws IOException {
        // the JDK server writes head and body separately; without TCP_NODELAY, Nagle's algorithm holds the body
        // for the peer's delayed ACK (40 ms) on every keep-alive request after the first
        System.setProperty("sun.net.httpserver.nodelay", "true");
        return new DemoBackends(count);
    }

    public List<InetSocketAddress> addresses() {
        List<InetSocketAddress> addresses = new ArrayList<>();
        servers.forEach(s -> addresses.add(s.getAddress()));
        return addresses;
    }

    private static void answer(HttpExchange exchange, String name) throws IOException {
        try (exchange) {
            exchange.getRequestBody().transferTo(OutputStream.nullOutputStream());
            String path = exchange.getRequestURI().getPath();
            byte[] body;
            if (path.startsWith("/size/")) {
                int n = Math.min(MAX_SIZE, Integer.parseInt(path.substring(6)));
                body = new byte[n];
                for (int i = 0; i < n; i++) {
                    body[i] = (byte) ('a' + i % 26);
                }
            } else {
                body = ("hello from " + name + " (" + exchange.getRequestMethod() + " " + path + ")\n")
                        .getBytes(StandardCharsets.UTF_8);
            }
            exchange.getResponseHeaders().set("Content-Type", "text/plain");
            if (path.startsWith("/static/")) {
                exchange.getResponseHeaders().set("Cache-Control", "max-age=60"); // the demo's cached route
            }
            exchange.sendResponseHeaders(200, body.length);
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(body);
            }
        } catch (NumberFormatException e) {
            exchange.sendResponseHeaders(400, -1);
        }
    }

    @Override
    public void close() {
        servers.forEach(s -> s.stop(0));
        executor.shutdownNow();
    }
}
