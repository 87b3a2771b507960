package io.sluice;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.sluice.cluster.Cluster;
import io.sluice.config.ConfigLoader;
import io.sluice.config.SluiceConfig;
import io.sluice.testing.Await;
import io.sluice.testing.IntegrationTest;
import io.sluice.testing.ProxyFixture;
import io.sluice.testing.RawHttpClient;
import io.sluice.testing.RawResponse;
import io.sluice.testing.TestOrigin;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.lang.ref.WeakReference;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * What a reload must not do to what started before it: exchanges that reach their cluster late (a buffered body, a
 * place in the surge queue) are served by it, what the reload replaced is let go once nothing uses it, a server
 * carried over to the new cluster is judged by the new cluster's health settings, and a reload during a graceful
 * shutdown does not undo the drain.
 */
@IntegrationTest
@Timeout(value = 60, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class ReloadInFlightTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Duration WAIT = Duration.ofSeconds(10);

    private final List<AutoCloseable> closing = new ArrayList<>();
    private final HttpClient admin = HttpClient.newHttpClient();
    private Sluice sluice;

    @AfterEach
    void closeAll() throws Exception {
        if (sluice != null) {
            sluice.close();
        }
        for (AutoCloseable c : closing) {
            c.close();
        }
    }

    private TestOrigin origin(String name) {
        TestOrigin o = TestOrigin.start(name);
        closing.add(o);
        return o;
    }

    private static SluiceConfig parse(String... lines) {
        return ConfigLoader.parse(String.join("\n", lines) + "\n", "test.yaml");
    }

    private JsonNode stats() throws Exception {
        return JSON.readTree(admin.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:"
                + sluice.adminAddress().getPort() + "/stats")).build(), HttpResponse.BodyHandlers.ofString()).body());
    }

    private InetSocketAddress web() {
        return sluice.listenerAddress("web");
    }

    private Cluster cluster(String name) {
        for (Cluster c : sluice.clusters()) {
            if (c.name().equals(name)) {
                return c;
            }
        }
        throw new AssertionError("no cluster " + name);
    }

    private static String clusterLine(String name, TestOrigin o, String extra) {
        return "  - { name: " + name + ", servers: [ { address: " + o.authority() + " } ]" + extra + " }";
    }

    @Test
    void aBufferedRequestWhoseClusterARemovedReloadForgotIsStillServedByIt() throws Exception {
        TestOrigin a = origin("a");
        TestOrigin b = origin("b");
        String head = String.join("\n",
                "workers: " + ProxyFixture.workers(),
                "listeners:",
                "  - name: web",
                "    address: 127.0.0.1:0");
        String tail = "admin: { address: 127.0.0.1:0 }";
        sluice = Sluice.start(parse(head,
                "    routes: [ { match: { path_prefix: / }, cluster: a, buffer_request: true } ]",
                "clusters:", clusterLine("a", a, ""), clusterLine("b", b, ""), tail));
        try (RawHttpClient c = RawHttpClient.connect(web())) {
            c.send("POST /echo HTTP/1.1\r\nHost: t\r\nContent-Length: 10\r\n\r\n12345");
            Await.until(() -> sluice.listenerStats().get("web").requests() == 1, WAIT, () -> "head read");
            sluice.reload(parse(head, "    routes: [ { match: { path_prefix: / }, cluster: b } ]",
                    "clusters:", clusterLine("b", b, ""), tail));
            c.send("67890");
            RawResponse r = c.readResponse();
            assertThat(r.status()).isEqualTo(200);
            assertThat(r.header("X-Origin")).as("the cluster it started with").isEqualTo("a");
            assertThat(r.bodyText()).isEqualTo("1234567890");
        }
    }

    @Test
    void aRequestQueuedOnAReplacedClusterGetsTheConnectionItsCarriedOverServerReleases() throws Exception {
        TestOrigin a = origin("a");
        String head = String.join("\n",
                "workers: " + ProxyFixture.workers(),
                "listeners:",
                "  - name: web",
                "    address: 127.0.0.1:0",
                "    routes: [ { match: { path_prefix: / }, cluster: a } ]",
                "clusters:",
                "  - name: a",
                "    servers: [ { address: " + a.authority() + ", max_connections: 1 } ]",
                "    pool: { idle_timeout: 60s }",
                "    queue: { max: 10, timeout: 20s }");
        String tail = "admin: { address: 127.0.0.1:0 }";
        sluice = Sluice.start(parse(head, tail));
        try (RawHttpClient first = RawHttpClient.connect(web());
             RawHttpClient queued = RawHttpClient.connect(web()).timeout(Duration.ofSeconds(30))) {
            first.send("GET /delay/1000/first HTTP/1.1\r\nHost: t\r\n\r\n");
            a.awaitRequests(1, WAIT);
            queued.send("GET /queued HTTP/1.1\r\nHost: t\r\n\r\n");
            Await.until(() -> cluster("a").surgeQueue().size() == 1, WAIT, () -> "queued");
            // the cluster changes, its server does not: the server and its pools go over to the new cluster
            sluice.reload(parse(head, "    balance: least_request", tail));
            assertThat(first.readResponse().status()).isEqualTo(200);
            long released = System.nanoTime();
            RawResponse r = queued.readResponse();
            assertThat(r.status()).as("served by the connection the first request released").isEqualTo(200);
            assertThat(Duration.ofNanos(System.nanoTime() - released)).isLessThan(Duration.ofSeconds(3));
        }
    }

    @Test
    void aClusterAReloadReplacedIsLetGoOnceNothingUsesIt() throws Exception {
        TestOrigin a = origin("a");
        TestOrigin b = origin("b");
        String head = String.join("\n",
                "workers: " + ProxyFixture.workers(),
                "listeners:",
                "  - name: web",
                "    address: 127.0.0.1:0");
        String clusters = String.join("\n", "clusters:", clusterLine("a", a, ""), clusterLine("b", b, ""));
        sluice = Sluice.start(parse(head, "    routes: [ { match: { path_prefix: / }, cluster: a } ]", clusters));
        try (RawHttpClient c = RawHttpClient.connect(web())) {
            c.send("GET /x HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n");
            assertThat(c.readResponse().status()).isEqualTo(200);
        }
        WeakReference<Cluster> first = new WeakReference<>(cluster("a"));
        // the listener keeps its socket and takes new routes, twice; cluster a changes each time
        sluice.reload(parse(head, "    routes: [ { match: { path_prefix: / }, cluster: b } ]",
                "clusters:", clusterLine("a", a, ", balance: random"), clusterLine("b", b, "")));
        sluice.reload(parse(head, "    routes: [ { match: { path_prefix: / }, cluster: a } ]",
                "clusters:", clusterLine("a", a, ", balance: least_request"), clusterLine("b", b, "")));
        try (RawHttpClient c = RawHttpClient.connect(web())) {
            c.send("GET /y HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n");
            assertThat(c.readResponse().header("X-Origin")).isEqualTo("a");
        }
        Await.until(() -> {
            System.gc();
            return first.get() == null;
        }, WAIT, () -> "the cluster of the first configuration is still referenced");
    }

    @Test
    void aServerDownWhoseNewClusterHasNoHealthCheckIsUpAgain() throws Exception {
        TestOrigin a = origin("a");
        String head = String.join("\n",
                "workers: " + ProxyFixture.workers(),
                "listeners:",
                "  - name: web",
                "    address: 127.0.0.1:0",
                "    routes: [ { match: { path_prefix: / }, cluster: a } ]",
                "clusters:",
                "  - name: a",
                "    servers: [ { address: " + a.authority() + " } ]");
        String tail = "admin: { address: 127.0.0.1:0 }";
        sluice = Sluice.start(parse(head,
                "    health: { http_path: /status/500, interval: 100ms, timeout: 100ms, fall: 1 }", tail));
        Await.until(() -> "down".equals(state()), WAIT, () -> "the failing check takes the server down");
        sluice.reload(parse(head, tail));
        Await.until(() -> "up".equals(state()), WAIT, () -> "no check is left to keep it down, state " + state());
        try (RawHttpClient c = RawHttpClient.connect(web())) {
            c.send("GET /x HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n");
            assertThat(c.readResponse().status()).isEqualTo(200);
        }
    }

    private String state() {
        try {
            return ProxyFixture.server(stats(), "a", sluice.config().clusters().get(0).servers().get(0).address()
                    .toString()).path("state").asText();
        } catch (Exception e) {
            throw new AssertionError(e);
        }
    }

    @Test
    void aReloadDuringAGracefulShutdownDoesNotUndoTheDrain() throws Exception {
        TestOrigin a = origin("a");
        String head = String.join("\n",
                "workers: " + ProxyFixture.workers(),
                "shutdown_timeout: 20s",
                "listeners:",
                "  - name: web",
                "    address: 127.0.0.1:0",
                "    timeouts: { keepalive_idle: 30s }");
        String tail = String.join("\n", "clusters:", clusterLine("a", a, ""));
        sluice = Sluice.start(parse(head, "    routes: [ { match: { path_prefix: / }, cluster: a } ]", tail));
        InetSocketAddress web = web();
        try (RawHttpClient idle = RawHttpClient.connect(web)) {
            idle.send("GET /first HTTP/1.1\r\nHost: t\r\n\r\n");
            assertThat(idle.readResponse().header("Connection")).isNull();
            CompletableFuture<Boolean> drained = CompletableFuture.supplyAsync(sluice::shutdownGracefully);
            Await.refused(web);
            try {
                // SIGHUP or --watch while SIGTERM drains
                sluice.reload(parse(head, "    routes: [ { match: { path_prefix: /v2 }, cluster: a } ]", tail));
            } catch (IllegalStateException refused) {
                // refusing it is fine too
            }
            idle.send("GET /second HTTP/1.1\r\nHost: t\r\n\r\n");
            RawResponse r = idle.readResponse();
            assertThat(r.header("Connection")).as("the listener still drains").isEqualTo("close");
            assertThat(drained.get(10, TimeUnit.SECONDS)).as("drained before shutdown_timeout").isTrue();
        }
    }
}
