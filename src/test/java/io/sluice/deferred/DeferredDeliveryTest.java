package io.sluice.deferred;

import com.fasterxml.jackson.databind.JsonNode;
import com.sun.net.httpserver.HttpServer;
import io.sluice.config.ConfigLoader;
import io.sluice.testing.Await;
import io.sluice.testing.IntegrationTest;
import io.sluice.testing.ProxyFixture;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@code deliver: deferred} end to end: with the cluster's only server down, requests are answered 202 with distinct
 * ids; once the server comes up, every one arrives with its id as {@code Idempotency-Key} and its body intact.
 */
@IntegrationTest
@Timeout(value = 60, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class DeferredDeliveryTest {
    private static final int N = 50;

    @RegisterExtension
    final ProxyFixture proxy = new ProxyFixture();

    @TempDir
    Path journal;

    private HttpServer server;

    @AfterEach
    void stopServer() {
        if (server != null) {
            server.stop(0);
        }
    }

    @Test
    void acceptedWhileTheServerIsDownThenAllDelivered() throws Exception {
        int port;
        try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            port = s.getLocalPort(); // free now: connections to it are refused until the server below binds it
        }
        proxy.start(ConfigLoader.parse("workers: " + ProxyFixture.workers() + "\n"
                + "listeners:\n"
                + "  - name: web\n"
                + "    address: 127.0.0.1:0\n"
                + "    routes:\n"
                + "      - { match: { path_prefix: /orders }, cluster: api, deliver: deferred }\n"
                + "clusters:\n"
                + "  - { name: api, servers: [ { address: 127.0.0.1:" + port + " } ] }\n"
                + "admin: { address: 127.0.0.1:0 }\n"
                + "deferred:\n"
                + "  journal_dir: " + journal + "\n"
                + "  backoff: { initial: 20ms, max: 200ms }\n", "sluice.yaml"));

        Set<String> ids = new HashSet<>();
        for (int i = 0; i < N; i++) {
            HttpResponse<String> r = proxy.http().send(HttpRequest.newBuilder(proxy.uri("/orders/" + i))
                    .timeout(Duration.ofSeconds(10)).header("X-Order", "o" + i)
                    .POST(HttpRequest.BodyPublishers.ofString("order " + i)).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertThat(r.statusCode()).isEqualTo(202);
            String id = r.headers().firstValue("X-Sluice-Delivery-Id").orElseThrow();
            assertThat(r.body()).contains(id);
            ids.add(id);
        }
        assertThat(ids).hasSize(N);
        JsonNode before = proxy.statsNow().get("deferred");
        assertThat(before.get("accepted").asLong()).isEqualTo(N);
        assertThat(before.get("delivered").asLong()).isZero();

        Map<String, String> received = new ConcurrentHashMap<>();
        AtomicInteger duplicates = new AtomicInteger();
        server = HttpServer.create(new InetSocketAddress(java.net.InetAddress.getLoopbackAddress(), port), 64);
        server.createContext("/", exchange -> {
            String key = exchange.getRequestHeaders().getFirst("Idempotency-Key");
            String body = new String(exchange.getRequestBody().readAllBytes(), StandardCharsets.UTF_8);
            String order = exchange.getRequestHeaders().getFirst("X-Order");
            if (key != null && received.put(key, exchange.getRequestURI() + " " + order + " " + body) != null) {
                duplicates.incrementAndGet();
            }
            exchange.sendResponseHeaders(200, -1);
            exchange.close();
        });
        server.start();

        Await.until(() -> received.size() == N, Duration.ofSeconds(30),
                () -> "delivered " + received.size() + " of " + N);
        assertThat(received.keySet()).isEqualTo(ids);
        for (String v : received.values()) {
            String n = v.substring("/orders/".length(), v.indexOf(' '));
            assertThat(v).isEqualTo("/orders/" + n + " o" + n + " order " + n);
        }
        Await.until(() -> proxy.statsNow().get("deferred").get("queue_depth").asLong() == 0, Duration.ofSeconds(10),
                () -> "queue not empty");
        JsonNode after = proxy.statsNow().get("deferred");
        assertThat(after.get("delivered").asLong()).isEqualTo(N + duplicates.get());
        assertThat(after.get("retries").asLong()).isPositive();
        assertThat(after.get("dead_letters").asLong()).isZero();
    }
}
