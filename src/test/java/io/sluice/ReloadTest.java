package io.sluice;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.sluice.config.ConfigLoader;
import io.sluice.testing.Await;
import io.sluice.testing.IntegrationTest;
import io.sluice.testing.ProxyFixture;
import io.sluice.testing.RawHttpClient;
import io.sluice.testing.RawResponse;
import io.sluice.testing.SteadyLoad;
import io.sluice.testing.TestOrigin;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.net.ConnectException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * Reloads (the file read again, as SIGHUP and {@code POST /reload} do) swap the configuration under load without a
 * failed request: new routes take effect, unchanged clusters keep their pools, in-flight exchanges finish on the
 * configuration they started with, removed listeners drain, and an invalid file changes nothing.
 */
@IntegrationTest
@Timeout(value = 60, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class ReloadTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path dir;

    private final List<AutoCloseable> closing = new ArrayList<>();
    private Path file;
    private Sluice sluice;
    private final HttpClient admin = HttpClient.newHttpClient();

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

    /** A configuration: clusters {@code a} and {@code b}, one server each, and listener {@code web} routing by prefix. */
    private static String config(String webRoutes, TestOrigin a, TestOrigin b, String extra) {
        return String.join("\n",
                "workers: " + ProxyFixture.workers(),
                "listeners:",
                "  - name: web",
                "    address: 127.0.0.1:0",
                "    timeouts: { keepalive_idle: 30s }",
                "    routes:",
                webRoutes,
                extra,
                "clusters:",
                "  - name: a",
                "    servers: [ { address: " + a.authority() + ", max_connections: 64 } ]",
                "    pool: { max_idle: 64, idle_timeout: 60s }",
                "  - name: b",
                "    servers: [ { address: " + b.authority() + ", max_connections: 64 } ]",
                "    pool: { max_idle: 64, idle_timeout: 60s }",
                "admin: { address: 127.0.0.1:0 }",
                "");
    }

    private static String route(String prefix, String cluster) {
        return "      - { match: { path_prefix: " + prefix + " }, cluster: " + cluster + " }";
    }

    private void start(String yaml) throws IOException {
        file = dir.resolve("sluice.yaml");
        Files.writeString(file, yaml);
        sluice = Sluice.start(ConfigLoader.load(file), () -> ConfigLoader.load(file));
    }

    /** Writes {@code yaml} and asks the admin listener to reload it, as an operator would. */
    private HttpResponse<String> reload(String yaml) throws Exception {
        Files.writeString(file, yaml);
        return admin.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + sluice.adminAddress().getPort()
                + "/reload")).POST(HttpRequest.BodyPublishers.noBody()).build(), HttpResponse.BodyHandlers.ofString());
    }

    private JsonNode stats() throws Exception {
        return JSON.readTree(admin.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:"
                + sluice.adminAddress().getPort() + "/stats")).build(), HttpResponse.BodyHandlers.ofString()).body());
    }

    private InetSocketAddress web() {
        return sluice.listenerAddress("web");
    }

    private RawResponse get(InetSocketAddress at, String target) throws IOException {
        try (RawHttpClient c = RawHttpClient.connect(at)) {
            c.send("GET " + target + " HTTP/1.1\r\nHost: t\r\n\r\n");
            return c.readResponse();
        }
    }

    @Test
    void routesChangeUnderSteadyLoadWithoutAFailedRequestAndPoolsSurvive() throws Exception {
        TestOrigin a = origin("a");
        TestOrigin b = origin("b");
        start(config(route("/", "a"), a, b, ""));
        try (SteadyLoad load = SteadyLoad.start(web(), "/x", 6, 2)) {
            load.awaitMore(500, Duration.ofSeconds(20));
            long connectsBefore = ProxyFixture.server(stats(), "a", a.authority()).path("connects").asLong();
            long requestsBefore = load.succeeded();
            for (int i = 0; i < 6; i++) {
                String routes = i % 2 == 0 ? route("/x", "b") + "\n" + route("/", "a") : route("/", "a");
                HttpResponse<String> r = reload(config(routes, a, b, ""));
                assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
                load.awaitMore(300, Duration.ofSeconds(20));
            }
            HttpResponse<String> last = reload(config(route("/x", "b") + "\n" + route("/", "a"), a, b, ""));
            assertThat(JSON.readTree(last.body()).path("changes").toString()).contains("listener changed: web");
            long answeredByB = load.answeredBy("b");
            load.awaitMore(500, Duration.ofSeconds(20));
            load.stop();
            assertThat(load.failed()).as(load.failureReport()).isZero();
            assertThat(load.answeredBy("b")).as("the new route took effect").isGreaterThan(answeredByB);
            JsonNode serverA = ProxyFixture.server(stats(), "a", a.authority());
            long requestsDuring = load.succeeded() - requestsBefore;
            // cluster a never changed: its pool went on serving, a new connection only for a rebalance or a surge
            assertThat(serverA.path("closes").path("reload").asLong()).isZero();
            assertThat(serverA.path("connects").asLong() - connectsBefore)
                    .as("connections opened to a during %d requests and 7 reloads", requestsDuring)
                    .isLessThanOrEqualTo(8);
        }
    }

    /** Cluster {@code a} of these servers behind listener {@code web}, with the given pool idle timeout. */
    private static String oneCluster(String idleTimeout, TestOrigin... servers) {
        StringBuilder list = new StringBuilder();
        for (TestOrigin o : servers) {
            list.append("      - { address: ").append(o.authority()).append(", max_connections: 64 }\n");
        }
        return String.join("\n",
                "workers: " + ProxyFixture.workers(),
                "listeners:",
                "  - name: web",
                "    address: 127.0.0.1:0",
                "    routes:",
                route("/", "a"),
                "clusters:",
                "  - name: a",
                "    pool: { max_idle: 64, idle_timeout: " + idleTimeout + " }",
                "    servers:",
                list.toString(),
                "admin: { address: 127.0.0.1:0 }",
                "");
    }

    @Test
    void aServerAddedToAClusterLeavesThePoolsOfTheOthersAndAPoolChangeRebuildsThem() throws Exception {
        TestOrigin a = origin("a");
        TestOrigin added = origin("added");
        start(oneCluster("60s", a));
        try (SteadyLoad load = SteadyLoad.start(web(), "/x", 6, 0)) {
            load.awaitMore(300, Duration.ofSeconds(20));
            long connectsBefore = ProxyFixture.server(stats(), "a", a.authority()).path("connects").asLong();
            int acceptedBefore = a.accepted();

            HttpResponse<String> r = reload(oneCluster("60s", a, added));
            assertThat(r.body()).contains("cluster changed: a");
            Await.until(() -> load.answeredBy("added") > 100, Duration.ofSeconds(10), load::failureReport);
            JsonNode kept = ProxyFixture.server(stats(), "a", a.authority());
            assertThat(kept.path("closes").path("reload").asLong()).as("the pool of a survived").isZero();
            assertThat(kept.path("connects").asLong() - connectsBefore).isLessThanOrEqualTo(6);
            assertThat(kept.path("requests").asLong()).as("its counters go on").isGreaterThan(300);

            // the pool's settings changed: every server's pool starts over
            assertThat(reload(oneCluster("30s", a, added)).body()).contains("cluster changed: a");
            load.awaitMore(300, Duration.ofSeconds(20));
            load.stop();
            assertThat(load.failed()).as(load.failureReport()).isZero();
            assertThat(a.accepted()).as("new connections to a").isGreaterThan(acceptedBefore);
            assertThat(ProxyFixture.server(stats(), "a", a.authority()).path("requests").asLong())
                    .as("a new server object, counting from 0").isLessThan(kept.path("requests").asLong());
        }
    }

    @Test
    void anExchangeInFlightFinishesOnTheClusterItStartedWith() throws Exception {
        TestOrigin a = origin("a");
        TestOrigin b = origin("b");
        start(config(route("/", "a"), a, b, ""));
        CompletableFuture<RawResponse> slow = CompletableFuture.supplyAsync(() -> {
            try {
                return get(web(), "/delay/1500/slow");
            } catch (IOException e) {
                throw new RuntimeException(e);
            }
        });
        a.awaitRequests(1, Duration.ofSeconds(5));
        // cluster a removed: the route goes to b from now on
        String withoutA = config(route("/", "b"), a, b, "").replaceAll("(?s)  - name: a\n.*?(?=  - name: b)", "");
        HttpResponse<String> r = reload(withoutA);
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        assertThat(r.body()).contains("cluster removed: a");
        assertThat(get(web(), "/next").header("X-Origin")).isEqualTo("b");
        RawResponse answer = slow.get();
        assertThat(answer.status()).isEqualTo(200);
        assertThat(answer.header("X-Origin")).isEqualTo("a");
        // the retired pool keeps no idle connection: a sees its connection closed
        Await.until(() -> a.openConnections() == 0, Duration.ofSeconds(5), () -> "a still has connections open");
    }

    @Test
    void anInvalidFileIsRejectedWithItsProblemsAndChangesNothing() throws Exception {
        TestOrigin a = origin("a");
        TestOrigin b = origin("b");
        start(config(route("/", "a"), a, b, ""));
        HttpResponse<String> r = reload(config(route("/", "nowhere"), a, b, ""));
        assertThat(r.statusCode()).isEqualTo(400);
        JsonNode body = JSON.readTree(r.body());
        assertThat(body.path("problems").toString()).contains(":7:").contains("unknown cluster");
        assertThat(get(web(), "/still").header("X-Origin")).isEqualTo("a");
        assertThat(stats().path("reloads").toString())
                .isEqualTo("{\"ok\":0,\"failed\":1,\"last_successful\":false}");
        assertThat(reload(config(route("/", "b"), a, b, "")).statusCode()).isEqualTo(200);
        assertThat(stats().path("reloads").toString())
                .isEqualTo("{\"ok\":1,\"failed\":1,\"last_successful\":true}");
    }

    @Test
    void aListenerThatCannotBindRejectsTheWholeReload() throws Exception {
        TestOrigin a = origin("a");
        TestOrigin b = origin("b");
        start(config(route("/", "a"), a, b, ""));
        try (java.net.ServerSocket taken = new java.net.ServerSocket(0, 1,
                java.net.InetAddress.getByName("127.0.0.1"))) {
            String extra = "  - name: api\n    address: 127.0.0.1:" + taken.getLocalPort()
                    + "\n    socket: { reuse_port: false }\n    routes:\n" + route("/", "b");
            HttpResponse<String> r = reload(config(route("/", "b"), a, b, extra));
            assertThat(r.statusCode()).as(r.body()).isEqualTo(409);
            assertThat(r.body()).contains("cannot bind");
        }
        assertThat(get(web(), "/still").header("X-Origin")).as("the old routes stay").isEqualTo("a");
    }

    @Test
    void aRemovedListenerStopsAcceptingAndDrainsAndANewOneServes() throws Exception {
        TestOrigin a = origin("a");
        TestOrigin b = origin("b");
        String old = "  - name: old\n    address: 127.0.0.1:0\n    routes:\n" + route("/", "a");
        start(config(route("/", "a"), a, b, old));
        InetSocketAddress oldAddress = sluice.listenerAddress("old");
        RawHttpClient kept = RawHttpClient.connect(oldAddress);
        closing.add(kept);
        kept.send("GET /delay/800/first HTTP/1.1\r\nHost: t\r\n\r\n");
        a.awaitRequests(1, Duration.ofSeconds(5));
        String api = "  - name: api\n    address: 127.0.0.1:0\n    routes:\n" + route("/", "b");
        HttpResponse<String> r = reload(config(route("/", "a"), a, b, api));
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        assertThat(r.body()).contains("listener removed: old").contains("listener added: api");
        RawResponse first = kept.readResponse();
        assertThat(first.status()).isEqualTo(200);
        assertThat(first.header("Connection")).as("a draining listener closes after the answer").isEqualTo("close");
        assertThatThrownBy(() -> new Socket(oldAddress.getAddress(), oldAddress.getPort()).close())
                .isInstanceOf(ConnectException.class);
        assertThat(get(sluice.listenerAddress("api"), "/new").header("X-Origin")).isEqualTo("b");
    }

    @Test
    void aReloadOpensTheAccessLogAgainForLogRotation() throws Exception {
        TestOrigin a = origin("a");
        TestOrigin b = origin("b");
        Path log = dir.resolve("access.log");
        String withLog = config(route("/", "a"), a, b, "") + "access_log: { path: " + log + " }\n";
        start(withLog);
        assertThat(get(web(), "/before").status()).isEqualTo(200);
        Await.until(() -> lines(log) == 1, Duration.ofSeconds(5), () -> "the first line was not written");
        Path rotated = dir.resolve("access.log.1");
        Files.move(log, rotated); // what logrotate does before it sends SIGHUP
        assertThat(reload(withLog).statusCode()).isEqualTo(200);
        Await.until(() -> Files.exists(log), Duration.ofSeconds(5), () -> "the log was not opened again");
        assertThat(get(web(), "/after").status()).isEqualTo(200);
        Await.until(() -> lines(log) == 1, Duration.ofSeconds(5), () -> "the new file did not get the next line");
        assertThat(Files.readString(log)).contains("/after");
        assertThat(Files.readString(rotated)).contains("/before").doesNotContain("/after");
    }

    private static long lines(Path file) {
        try {
            return Files.exists(file) ? Files.readAllLines(file).size() : 0;
        } catch (IOException e) {
            throw new AssertionError(e);
        }
    }

    @Test
    void aRouteAReloadLeavesAsItWasKeepsItsCountersAndItsRateBucket() throws Exception {
        TestOrigin a = origin("a");
        TestOrigin b = origin("b");
        String limited = "      - { match: { path_prefix: / }, cluster: a, rate_limit: 3/m }";
        start(config(limited, a, b, ""));
        for (int i = 0; i < 3; i++) {
            assertThat(get(web(), "/ok").status()).isEqualTo(200);
        }
        assertThat(get(web(), "/over").status()).isEqualTo(429);
        HttpResponse<String> r = reload(config(route("/other", "b") + "\n" + limited, a, b, ""));
        assertThat(r.body()).contains("listener changed: web");
        assertThat(get(web(), "/still-over").status()).as("the bucket was not refilled by the reload").isEqualTo(429);
        assertThat(get(web(), "/other/x").status()).isEqualTo(200);
        JsonNode routes = ProxyFixture.listener(stats(), "web").path("routes");
        assertThat(routes.get(1).path("requests").asLong()).as("the counter went on").isEqualTo(5);
        assertThat(routes.get(0).path("requests").asLong()).isEqualTo(1);
    }

    @Test
    void topLevelKeysThatNeedARestartAreReportedAndKept() throws Exception {
        TestOrigin a = origin("a");
        TestOrigin b = origin("b");
        start(config(route("/", "a"), a, b, ""));
        int workers = ProxyFixture.workers() + 1;
        HttpResponse<String> r = reload(config(route("/", "a"), a, b, "")
                .replaceFirst("workers: \\d+", "workers: " + workers));
        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(JSON.readTree(r.body()).path("need_restart").toString()).contains("workers");
        assertThat(JSON.readTree(r.body()).path("changes").size()).isZero();
        assertThat(get(web(), "/same").status()).isEqualTo(200);
    }
}
