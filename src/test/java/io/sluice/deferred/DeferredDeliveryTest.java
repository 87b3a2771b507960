package io.sluice.deferred;

import com.fasterxml.jackson.databind.JsonNode;
import com.sun.net.httpserver.HttpServer;
import io.sluice.config.ConfigLoader;
import io.sluice.testing.Await;
import io.sluice.testing.IntegrationTest;
import io.sluice.testing.ProxyFixture;
import io.sluice.testing.RawHttpClient;
import io.sluice.testing.RawResponse;
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
import java.nio.file.Files;
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

    private static final String DEFERRED_ROUTE =
            "      - { match: { path_prefix: /orders }, cluster: api, deliver: deferred }\n";

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

    /**
     * A configuration: listener web with {@code listenerLines} and {@code routeLines}, cluster api of one server on
     * {@code port}, the journal in {@link #journal} with {@code deferredLines} besides.
     */
    private String config(int port, String listenerLines, String routeLines, String deferredLines) {
        return "workers: " + ProxyFixture.workers() + "\n"
                + "listeners:\n"
                + "  - name: web\n"
                + "    address: 127.0.0.1:0\n"
                + listenerLines
                + "    routes:\n"
                + routeLines
                + "clusters:\n"
                + "  - { name: api, servers: [ { address: 127.0.0.1:" + port + " } ] }\n"
                + "admin: { address: 127.0.0.1:0 }\n"
                + "deferred:\n"
                + "  journal_dir: " + journal + "\n"
                + deferredLines;
    }

    private void startWithServerDown() {
        proxy.start(ConfigLoader.parse(config(ProxyFixture.deadAddress().getPort(),
                "    timeouts: { body_idle: 300ms }\n", DEFERRED_ROUTE, ""), "sluice.yaml"));
    }

    /** A client that half-closes after its request still gets the 202 of its stored request, then the close. */
    @Test
    void aClientThatHalfClosesAfterItsRequestGetsItsAnswer() throws Exception {
        startWithServerDown();
        for (int i = 0; i < 20; i++) {
            try (RawHttpClient c = proxy.connect()) {
                c.send(RawHttpClient.request("POST", "/orders/" + i, "Host: test", "Content-Length: 5") + "order");
                c.shutdownOutput();
                RawResponse r = c.readResponse();
                assertThat(r.status()).as("request %d", i).isEqualTo(202);
                assertThat(c.closedByPeer(Duration.ofSeconds(5))).isTrue();
            }
        }
    }

    /** A body that stops coming is a 408 at body_idle; one cut by a half-close ends the connection. Nothing stored. */
    @Test
    void aBodyThatStopsComingIsNotStored() throws Exception {
        startWithServerDown();
        try (RawHttpClient c = proxy.connect()) {
            c.send(RawHttpClient.request("POST", "/orders/slow", "Host: test", "Content-Length: 100") + "only ten..");
            assertThat(c.readResponse().status()).isEqualTo(408);
            assertThat(c.closedByPeer(Duration.ofSeconds(5))).isTrue();
        }
        try (RawHttpClient c = proxy.connect()) {
            c.send(RawHttpClient.request("POST", "/orders/cut", "Host: test", "Content-Length: 100") + "only ten..");
            c.shutdownOutput();
            assertThat(c.closedByPeer(Duration.ofSeconds(5))).isTrue();
        }
        assertThat(proxy.statsNow().get("deferred").get("accepted").asLong()).isZero();
    }

    /** A deferred route that a reload adds starts the journal then: its requests are stored and delivered. */
    @Test
    void aDeferredRouteAddedByAReloadStoresAndDelivers() throws Exception {
        Map<String, String> received = new ConcurrentHashMap<>();
        server = HttpServer.create(new InetSocketAddress(java.net.InetAddress.getLoopbackAddress(), 0), 64);
        server.createContext("/", exchange -> {
            String key = exchange.getRequestHeaders().getFirst("Idempotency-Key");
            received.put(key == null ? "direct" : key, new String(exchange.getRequestBody().readAllBytes(),
                    StandardCharsets.UTF_8));
            exchange.sendResponseHeaders(200, -1);
            exchange.close();
        });
        server.start();
        int port = server.getAddress().getPort();
        String direct = "      - { match: { path_prefix: / }, cluster: api }\n";
        proxy.start(ConfigLoader.parse(config(port, "", direct, ""), "sluice.yaml"));
        assertThat(proxy.http().send(HttpRequest.newBuilder(proxy.uri("/orders/0"))
                .POST(HttpRequest.BodyPublishers.ofString("before")).build(), HttpResponse.BodyHandlers.ofString())
                .statusCode()).isEqualTo(200);
        assertThat(received).containsEntry("direct", "before");

        proxy.sluice().reload(ConfigLoader.parse(config(port, "", DEFERRED_ROUTE + direct, ""), "sluice.yaml"));
        HttpResponse<String> r = proxy.http().send(HttpRequest.newBuilder(proxy.uri("/orders/1"))
                .POST(HttpRequest.BodyPublishers.ofString("after")).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(r.statusCode()).isEqualTo(202);
        String id = r.headers().firstValue("X-Sluice-Delivery-Id").orElseThrow();
        Await.until(() -> received.containsKey(id), Duration.ofSeconds(10), () -> "not delivered: " + received);
        assertThat(received.get(id)).isEqualTo("after");
    }

    @Test
    void acceptedWhileTheServerIsDownThenAllDelivered() throws Exception {
        int port;
        try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            port = s.getLocalPort(); // free now: connections to it are refused until the server below binds it
        }
        proxy.start(ConfigLoader.parse(config(port, "", DEFERRED_ROUTE,
                "  backoff: { initial: 20ms, max: 200ms }\n"), "sluice.yaml"));

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

    private void startDeferred(int port, String more) {
        proxy.start(ConfigLoader.parse(config(port, "    limits: { body: 1KiB }\n", DEFERRED_ROUTE,
                "  backoff: { initial: 10ms, max: 20ms }\n" + more), "sluice.yaml"));
    }

    @Test
    void aRequestNeverDeliveredWithinMaxAttemptsGoesToTheDeadLetters() throws Exception {
        startDeferred(ProxyFixture.deadAddress().getPort(), "  max_attempts: 2\n");
        HttpResponse<String> r = proxy.http().send(HttpRequest.newBuilder(proxy.uri("/orders/lost"))
                .POST(HttpRequest.BodyPublishers.ofString("lost")).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(r.statusCode()).isEqualTo(202);
        String id = r.headers().firstValue("X-Sluice-Delivery-Id").orElseThrow();
        Await.until(() -> proxy.statsNow().get("deferred").get("dead_letters").asLong() == 1, Duration.ofSeconds(10),
                () -> "not dead-lettered: " + proxy.statsNow().get("deferred"));
        JsonNode stats = proxy.statsNow().get("deferred");
        assertThat(stats.get("queue_depth").asLong()).isZero();
        assertThat(stats.get("delivered").asLong()).isZero();
        assertThat(Files.readAllBytes(journal.resolve("dead-letters.log")))
                .as("the dead-letter file keeps the record").isNotEmpty();
        assertThat(new String(Files.readAllBytes(journal.resolve("dead-letters.log")),
                StandardCharsets.ISO_8859_1)).contains(id);
    }

    @Test
    void aBodyOverTheLimitIs413AndAChunkedOneIsStoredWhole() throws Exception {
        int port;
        try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            port = s.getLocalPort();
        }
        startDeferred(port, "");
        HttpResponse<String> big = proxy.http().send(HttpRequest.newBuilder(proxy.uri("/orders/big"))
                .POST(HttpRequest.BodyPublishers.ofString("x".repeat(2000))).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(big.statusCode()).isEqualTo(413);
        RawResponse chunked;
        try (RawHttpClient c = proxy.connect()) {
            c.send("POST /orders/chunked HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\n"
                    + "5\r\nhello\r\n6\r\n world\r\n0\r\n\r\n");
            chunked = c.readResponse();
        }
        assertThat(chunked.status()).isEqualTo(202);
        Map<String, String> received = new ConcurrentHashMap<>();
        server = HttpServer.create(new InetSocketAddress(java.net.InetAddress.getLoopbackAddress(), port), 8);
        server.createContext("/", exchange -> {
            received.put(exchange.getRequestHeaders().getFirst("Idempotency-Key"),
                    new String(exchange.getRequestBody().readAllBytes(), StandardCharsets.UTF_8));
            exchange.sendResponseHeaders(200, -1);
            exchange.close();
        });
        server.start();
        Await.until(() -> received.size() == 1, Duration.ofSeconds(10), () -> "not delivered");
        assertThat(received).containsEntry(chunked.header("X-Sluice-Delivery-Id"), "hello world");
        assertThat(proxy.statsNow().get("deferred").get("accepted").asLong()).isEqualTo(1);
    }

    @Test
    void aFullJournalAnswers503UntilDeliveriesFreeIt() throws Exception {
        int port;
        try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            port = s.getLocalPort();
        }
        proxy.start(ConfigLoader.parse(config(port, "    limits: { body: 256KiB }\n", DEFERRED_ROUTE,
                "  backoff: { initial: 10ms, max: 20ms }\n  max_journal_bytes: 1MiB\n  segment_bytes: 64KiB\n"),
                "sluice.yaml"));
        String body = "x".repeat(250 * 1024);
        int accepted = 0;
        int status;
        do {
            status = post("/orders/" + accepted, body);
            if (status == 202) {
                accepted++;
            }
        } while (status == 202 && accepted < 10);
        assertThat(status).as("the journal holds at most max_journal_bytes").isEqualTo(503);
        assertThat(accepted).isEqualTo(4);

        AtomicInteger received = new AtomicInteger();
        server = HttpServer.create(new InetSocketAddress(java.net.InetAddress.getLoopbackAddress(), port), 8);
        server.createContext("/", exchange -> {
            exchange.getRequestBody().readAllBytes();
            received.incrementAndGet();
            exchange.sendResponseHeaders(200, -1);
            exchange.close();
        });
        server.start();
        Await.until(() -> proxy.statsNow().get("deferred").get("journal_bytes").asLong() < 512 * 1024,
                Duration.ofSeconds(10), () -> "delivered segments not deleted: " + proxy.statsNow().get("deferred"));
        assertThat(received.get()).isGreaterThanOrEqualTo(4);
        assertThat(post("/orders/after", body)).as("room again once delivered").isEqualTo(202);
    }

    private int post(String path, String body) throws Exception {
        return proxy.http().send(HttpRequest.newBuilder(proxy.uri(path)).timeout(Duration.ofSeconds(10))
                .POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString())
                .statusCode();
    }
}
