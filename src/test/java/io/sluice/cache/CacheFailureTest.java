package io.sluice.cache;

import com.fasterxml.jackson.databind.JsonNode;
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
import org.junit.jupiter.api.extension.RegisterExtension;

import java.io.IOException;
import java.net.URLEncoder;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The cache when things go wrong: a server that sends garbage, a fetch that fails while others wait for it, clients
 * that leave while parked, a fetch slower than lock_timeout; and a reload keeping (or not) what is stored.
 */
@IntegrationTest
@Timeout(value = 60, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class CacheFailureTest {
    private static final String FRESH = "?cc=" + URLEncoder.encode("max-age=300", StandardCharsets.UTF_8);

    @RegisterExtension
    final ProxyFixture proxy = new ProxyFixture();

    private CachingOrigin origin;
    private TestOrigin garbage;

    @AfterEach
    void stopOrigin() {
        if (origin != null) {
            origin.close();
        }
    }

    private String config(String catchAllCache) {
        return "workers: " + ProxyFixture.workers() + "\n"
                + "listeners:\n"
                + "  - name: web\n"
                + "    address: 127.0.0.1:0\n"
                + "    routes:\n"
                + "      - { match: { path_prefix: /garbage }, cluster: g, cache: {} }\n"
                // a wait that only the fetch's end can finish: the test would time out on the lock
                + "      - { match: { path_prefix: /slow/locked }, cluster: o, cache: { lock_timeout: 1h } }\n"
                + "      - { match: { path_prefix: /slow/quick }, cluster: o, cache: { lock_timeout: 200ms } }\n"
                + "      - { match: { path_prefix: / }, cluster: o, cache: " + catchAllCache + " }\n"
                + "clusters:\n"
                + "  - { name: o, servers: [ { address: " + origin.authority() + " } ] }\n"
                + "  - { name: g, servers: [ { address: " + garbage.authority() + " } ] }\n"
                + "admin: { address: 127.0.0.1:0 }\n";
    }

    private String start() throws IOException {
        origin = new CachingOrigin();
        garbage = proxy.origin("g");
        String yaml = config("{}");
        proxy.start(ConfigLoader.parse(yaml, "test.yaml"));
        return yaml;
    }

    private JsonNode cacheStats(int route) {
        return ProxyFixture.listener(proxy.statsNow(), "web").path("routes").get(route).path("cache");
    }

    private List<CompletableFuture<HttpResponse<String>>> sendMany(String target, int n) {
        List<CompletableFuture<HttpResponse<String>>> answers = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            answers.add(proxy.http().sendAsync(HttpRequest.newBuilder(proxy.uri(target))
                    .timeout(Duration.ofSeconds(40)).build(), HttpResponse.BodyHandlers.ofString()));
        }
        return answers;
    }

    @Test
    void garbageFromTheServerIsA502AndNothingIsStored() throws Exception {
        start();
        for (int i = 0; i < 2; i++) {
            try (RawHttpClient c = proxy.connect()) {
                c.send(RawHttpClient.request("GET", "/garbage-close", "Host: test"));
                assertThat(c.readResponse().status()).isEqualTo(502);
            }
        }
        assertThat(garbage.requests()).hasSize(2);
        assertThat(cacheStats(0).path("stored").asLong()).isZero();
        // the cached route still works on a kept connection
        try (RawHttpClient c = proxy.connect()) {
            for (int i = 0; i < 2; i++) {
                c.send(RawHttpClient.request("GET", "/garbage-ok", "Host: test"));
                assertThat(c.readResponse().status()).isEqualTo(200);
            }
        }
    }

    @Test
    void whenTheFetchOthersWaitForFailsTheyAreWokenAndGoToTheServer() throws Exception {
        start();
        String target = "/slow/locked" + FRESH + "&status=500";
        int clients = 20;
        List<CompletableFuture<HttpResponse<String>>> answers = sendMany(target, clients);
        Await.until(() -> cacheStats(1).path("collapsed").asLong() == clients - 1, Duration.ofSeconds(20),
                () -> "collapsed: " + cacheStats(1));
        origin.release();
        for (CompletableFuture<HttpResponse<String>> a : answers) {
            HttpResponse<String> r = a.join();
            assertThat(r.statusCode()).isEqualTo(500);
            assertThat(r.headers().firstValue("Cache-Status").orElseThrow()).contains("detail=status");
        }
        // a 500 is not stored: each waiter asked the server itself, at once rather than after lock_timeout
        assertThat(origin.requests(target)).isEqualTo(clients);
    }

    private RawHttpClient sendRaw(String target) throws IOException {
        RawHttpClient c = proxy.connect();
        c.send(RawHttpClient.request("GET", target, "Host: 127.0.0.1:" + proxy.address().getPort()));
        return c;
    }

    @Test
    void clientsThatLeaveWhileParkedDoNotDisturbTheOthers() throws Exception {
        start();
        String target = "/slow/locked/leave" + FRESH;
        List<CompletableFuture<HttpResponse<String>>> staying = sendMany(target, 1);
        Await.until(() -> origin.requests(target) == 1, Duration.ofSeconds(10), () -> "no fetch");
        staying.addAll(sendMany(target, 2));
        List<RawHttpClient> leaving = new ArrayList<>();
        for (int i = 0; i < 4; i++) {
            leaving.add(sendRaw(target));
        }
        Await.until(() -> cacheStats(1).path("collapsed").asLong() == 6, Duration.ofSeconds(20),
                () -> "collapsed: " + cacheStats(1));
        leaving.get(0).abort();
        leaving.get(1).abort();
        leaving.get(2).close();
        leaving.get(3).shutdownOutput(); // a half-close: its request is still answered
        Await.until(() -> ProxyFixture.listener(proxy.statsNow(), "web").path("connections").asLong() <= 5,
                Duration.ofSeconds(10), () -> "connections: " + proxy.statsNow());
        origin.release();
        for (CompletableFuture<HttpResponse<String>> a : staying) {
            assertThat(a.join().body()).isEqualTo("/slow/locked/leave #1\n");
        }
        RawResponse halfClosed = leaving.get(3).readResponse();
        assertThat(halfClosed.bodyText()).isEqualTo("/slow/locked/leave #1\n");
        assertThat(leaving.get(3).closedByPeer(Duration.ofSeconds(5))).isTrue();
        leaving.get(3).close();
        assertThat(origin.requests(target)).isEqualTo(1);
    }

    @Test
    void whenTheFetchingClientLeavesAnotherFetchIsCollapsedOnto() throws Exception {
        start();
        String target = "/slow/locked/leader" + FRESH;
        RawHttpClient leader = sendRaw(target);
        Await.until(() -> origin.requests(target) == 1, Duration.ofSeconds(10), () -> "no fetch");
        List<CompletableFuture<HttpResponse<String>>> waiting = sendMany(target, 5);
        Await.until(() -> cacheStats(1).path("collapsed").asLong() == 5, Duration.ofSeconds(20),
                () -> "collapsed: " + cacheStats(1));
        leader.abort();
        // one of the waiters fetches again, the others wait for it
        Await.until(() -> origin.requests(target) == 2, Duration.ofSeconds(10), () -> "no second fetch");
        Await.until(() -> cacheStats(1).path("collapsed").asLong() == 9, Duration.ofSeconds(20),
                () -> "collapsed: " + cacheStats(1));
        origin.release();
        for (CompletableFuture<HttpResponse<String>> a : waiting) {
            assertThat(a.join().body()).isEqualTo("/slow/locked/leader #2\n");
        }
        assertThat(origin.requests(target)).isEqualTo(2);
    }

    @Test
    void aFetchSlowerThanLockTimeoutLetsTheWaitersGoToTheServer() throws Exception {
        start();
        String target = "/slow/quick" + FRESH;
        List<CompletableFuture<HttpResponse<String>>> answers = sendMany(target, 2);
        Await.until(() -> origin.requests(target) == 2, Duration.ofSeconds(10),
                () -> "requests: " + origin.requests(target));
        origin.release();
        for (CompletableFuture<HttpResponse<String>> a : answers) {
            assertThat(a.join().statusCode()).isEqualTo(200);
        }
        assertThat(cacheStats(2).path("collapsed").asLong()).isEqualTo(1);
    }

    @Test
    void aReloadKeepsTheCacheOfAnUnchangedRouteAndEmptiesAChangedOne() throws Exception {
        String yaml = start();
        String target = "/kept" + FRESH;
        proxy.httpGet(target);
        proxy.sluice().reload(ConfigLoader.parse(yaml, "test.yaml"));
        assertThat(proxy.httpGet(target).headers().firstValue("Cache-Status").orElseThrow()).startsWith("sluice; hit");
        SluiceConfig changed = ConfigLoader.parse(yaml.replace("cache: {} }", "cache: { max_object: 2MiB } }"),
                "test.yaml");
        proxy.sluice().reload(changed);
        assertThat(proxy.httpGet(target).headers().firstValue("Cache-Status").orElseThrow())
                .startsWith("sluice; fwd=miss");
        assertThat(origin.requests(target)).isEqualTo(2);
    }
}
