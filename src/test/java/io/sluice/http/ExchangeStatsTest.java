package io.sluice.http;

import com.fasterxml.jackson.databind.JsonNode;
import io.sluice.config.ListenerLimits;
import io.sluice.config.ListenerTimeouts;
import io.sluice.listener.ClientCloseReason;
import io.sluice.telemetry.LatencyHistogram;
import io.sluice.testing.Await;
import io.sluice.testing.IntegrationTest;
import io.sluice.testing.ProxyFixture;
import io.sluice.testing.RawHttpClient;
import io.sluice.testing.RawResponse;
import io.sluice.testing.TestOrigin;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * What /stats counts per exchange and per client connection: responses by status class, client bytes, exchange
 * durations per listener and per server, requests per route, and every client connection's close by its reason.
 */
@IntegrationTest
@Timeout(value = 30, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class ExchangeStatsTest {
    private static final Duration WAIT = Duration.ofSeconds(5);
    private static final Duration SHORT = Duration.ofMillis(500);

    @RegisterExtension
    final ProxyFixture proxy = new ProxyFixture();

    private JsonNode listener() {
        return ProxyFixture.listener(proxy.statsNow(), ProxyFixture.LISTENER);
    }

    private static long sum(JsonNode array) {
        long n = 0;
        for (JsonNode x : array) {
            n += x.asLong();
        }
        return n;
    }

    @Test
    void responsesBytesLatencyAndRoutes() throws Exception {
        TestOrigin origin = proxy.origin();
        proxy.setup().cluster("web", 8, origin).route(null, "/size", "web").route(null, "/status", "web").start();
        List<String> targets = List.of("/size/10", "/size/100", "/size/1000", "/status/404", "/status/503", "/nope");
        long sent = 0;
        long received = 0;
        try (RawHttpClient c = proxy.connect()) {
            for (String target : targets) {
                String request = RawHttpClient.request("GET", target, "Host: t");
                sent += request.length();
                RawResponse r = c.send(request).readResponse();
                received += r.raw().length;
            }
        }
        Await.until(() -> sum(listener().path("latency").path("counts")) == targets.size(), WAIT,
                () -> "exchanges counted: " + listener());
        JsonNode l = listener();
        assertThat(l.path("responses").toString()).isEqualTo("{\"1xx\":0,\"2xx\":3,\"3xx\":0,\"4xx\":2,\"5xx\":1}");
        assertThat(l.path("bytes_in").asLong()).isEqualTo(sent);
        assertThat(l.path("bytes_out").asLong()).isEqualTo(received);
        JsonNode latency = l.path("latency");
        assertThat(latency.path("le_ms")).hasSize(13);
        for (int i = 0; i < 13; i++) {
            assertThat(latency.path("le_ms").get(i).asDouble()).isEqualTo(LatencyHistogram.BOUNDS_MS[i]);
        }
        assertThat(latency.path("counts")).hasSize(14);
        assertThat(latency.path("sum_ms").asDouble()).isPositive();
        JsonNode routes = l.path("routes");
        assertThat(routes).hasSize(2);
        assertThat(routes.get(0).path("match").asText()).isEqualTo("path_prefix=/size");
        assertThat(routes.get(0).path("cluster").asText()).isEqualTo("web");
        assertThat(routes.get(0).path("requests").asLong()).isEqualTo(3);
        assertThat(routes.get(1).path("match").asText()).isEqualTo("path_prefix=/status");
        assertThat(routes.get(1).path("requests").asLong()).isEqualTo(2);

        JsonNode server = ProxyFixture.server(proxy.statsNow(), "web", origin.authority());
        assertThat(sum(server.path("latency").path("counts"))).as("the 404 of Sluice's went to no server")
                .isEqualTo(5);
        JsonNode accessLog = proxy.statsNow().path("access_log");
        assertThat(accessLog.toString()).isEqualTo("{\"enabled\":false,\"written\":0,\"dropped\":0}");
    }

    @Test
    void clientClosesByReason() throws Exception {
        TestOrigin origin = proxy.origin();
        proxy.setup().cluster("web", 8, origin)
                .listenerTimeouts(new ListenerTimeouts(SHORT, Duration.ofSeconds(30), SHORT))
                .limits(new ListenerLimits(8 * 1024, 32 * 1024, 100, 16, 1L << 30, 2)).start();
        Map<String, Long> expected = new TreeMap<>();
        for (ClientCloseReason reason : ClientCloseReason.values()) {
            expected.put(reason.key(), 0L);
        }

        try (RawHttpClient c = proxy.connect()) {
            assertThat(c.send(RawHttpClient.request("GET", "/size/1", "Host: t")).readResponse().status())
                    .isEqualTo(200);
            assertThat(c.closedByPeer(WAIT)).as("closed after keepalive_idle").isTrue();
        }
        expected.merge("idle_timeout", 1L, Long::sum);

        try (RawHttpClient c = proxy.connect()) {
            assertThat(c.closedByPeer(WAIT)).as("nothing sent within request_header").isTrue();
        }
        try (RawHttpClient c = proxy.connect()) {
            assertThat(c.send("GET /size/1 HTTP/1.1\r\n").readResponse().status()).isEqualTo(408);
        }
        expected.merge("request_timeout", 2L, Long::sum);

        try (RawHttpClient c = proxy.connect()) {
            c.send(RawHttpClient.request("GET", "/size/1", "Host: t")).readResponse();
            RawResponse last = c.send(RawHttpClient.request("GET", "/size/1", "Host: t")).readResponse();
            assertThat(last.hasToken("Connection", "close")).as("requests_per_connection: 2").isTrue();
            assertThat(c.closedByPeer(WAIT)).isTrue();
        }
        expected.merge("max_requests", 1L, Long::sum);

        try (RawHttpClient c = proxy.connect()) {
            c.send(RawHttpClient.request("GET", "/size/1", "Host: t", "Connection: close")).readResponse();
            assertThat(c.closedByPeer(WAIT)).isTrue();
        }
        try (RawHttpClient c = proxy.connect()) {
            c.send(RawHttpClient.request("GET", "/size/1", "Host: t")).readResponse();
        } // closed by the client between requests
        expected.merge("client_close", 2L, Long::sum);

        try (RawHttpClient c = proxy.connect()) {
            c.send("POST /sink HTTP/1.1\r\nHost: t\r\nContent-Length: 100\r\n\r\nonly part of it");
            c.shutdownOutput();
            assertThat(c.closedByPeer(WAIT)).isTrue();
        }
        expected.merge("client_abort", 1L, Long::sum);

        try (RawHttpClient c = proxy.connect()) {
            c.send(RawHttpClient.request("GET", "/size/1", "Host: t")).readResponse();
            c.abort(); // SO_LINGER 0: a reset
        }
        expected.merge("reset", 1L, Long::sum);

        try (RawHttpClient c = proxy.connect()) {
            assertThat(c.send("GET /a\u0001b HTTP/1.1\r\nHost: t\r\n\r\n").readResponse().status()).isEqualTo(400);
        }
        expected.merge("protocol_error", 1L, Long::sum);

        try (RawHttpClient c = proxy.connect()) {
            RawResponse r = c.send("GET /close-delimited/10 HTTP/1.0\r\nConnection: keep-alive\r\n\r\n").readResponse();
            assertThat(r.status()).isEqualTo(200);
            assertThat(c.closedByPeer(WAIT)).as("an HTTP/1.0 client: the body ends at the close").isTrue();
        }
        expected.merge("server_close", 1L, Long::sum);

        try (RawHttpClient c = proxy.connect()) {
            c.send(RawHttpClient.request("GET", "/close-mid-body", "Host: t")).readResponse();
            assertThat(c.closedByPeer(WAIT)).isTrue();
        }
        expected.merge("server_error", 1L, Long::sum);

        Await.until(() -> closes().equals(expected), WAIT,
                () -> "closes: " + closes() + ", expected " + expected);
        assertThat(listener().path("connections").asLong()).isZero();
    }

    private Map<String, Long> closes() {
        Map<String, Long> closes = new TreeMap<>();
        listener().path("closes").fields().forEachRemaining(e -> closes.put(e.getKey(), e.getValue().asLong()));
        return closes;
    }

    @Test
    void exchangesOfSeveralClientsAreEachCountedOnce() throws Exception {
        TestOrigin origin = proxy.origin();
        proxy.setup().cluster("web", 8, origin).start();
        List<Thread> clients = new ArrayList<>();
        for (int t = 0; t < 4; t++) {
            Thread thread = new Thread(() -> {
                for (int i = 0; i < 10; i++) {
                    try {
                        assertThat(proxy.get("/size/10").status()).isEqualTo(200);
                    } catch (Exception e) {
                        throw new AssertionError(e);
                    }
                }
            });
            thread.start();
            clients.add(thread);
        }
        for (Thread thread : clients) {
            thread.join();
        }
        Await.until(() -> listener().path("responses").path("2xx").asLong() == 40, WAIT,
                () -> "responses: " + listener().path("responses"));
        assertThat(sum(listener().path("latency").path("counts"))).isEqualTo(40);
        Await.until(() -> listener().path("closes").path("client_close").asLong() == 40, WAIT,
                () -> "closes: " + listener().path("closes"));
    }
}
