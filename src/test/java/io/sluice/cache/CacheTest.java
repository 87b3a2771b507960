package io.sluice.cache;

import com.fasterxml.jackson.databind.JsonNode;
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

import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The route cache over real sockets: what is stored and served (Cache-Control, Expires, Vary, Set-Cookie, sizes),
 * revalidation with ETag and Last-Modified, the client's own conditions, HEAD, invalidation, request collapsing
 * under a stampede, a server that cuts a response, and the disk tier. The origin counts what reaches it.
 */
@IntegrationTest
@Timeout(value = 60, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class CacheTest {
    @RegisterExtension
    final ProxyFixture proxy = new ProxyFixture();

    @TempDir
    Path disk;

    private CachingOrigin origin;

    @AfterEach
    void stopOrigin() {
        if (origin != null) {
            origin.close();
        }
    }

    private void start() throws IOException {
        origin = new CachingOrigin();
        proxy.start(ConfigLoader.parse("workers: " + ProxyFixture.workers() + "\n"
                + "listeners:\n"
                + "  - name: web\n"
                + "    address: 127.0.0.1:0\n"
                + "    routes:\n"
                + "      - match: { path_prefix: /tier/ }\n"
                + "        cluster: o\n"
                + "        cache: { max_memory: 1MiB, max_object: 200KiB, disk_dir: \"" + disk + "\", disk_max: 64MiB }\n"
                + "      - match: { path_prefix: /nocache/ }\n"
                + "        cluster: o\n"
                + "      - match: { path_prefix: / }\n"
                + "        cluster: o\n"
                + "        cache: { max_object: 64KiB, lock_timeout: 20s }\n"
                + "clusters:\n"
                + "  - { name: o, servers: [ { address: " + origin.authority() + " } ] }\n"
                + "admin: { address: 127.0.0.1:0 }\n"
                + "access_log: { path: \"" + disk.resolve("access.log") + "\" }\n", "test.yaml"));
    }

    private static String q(String value) {
        return URLEncoder.encode(value, StandardCharsets.UTF_8);
    }

    private HttpResponse<String> get(String target, String... headers) throws IOException, InterruptedException {
        HttpRequest.Builder b = HttpRequest.newBuilder(proxy.uri(target)).timeout(Duration.ofSeconds(20));
        for (int i = 0; i < headers.length; i += 2) {
            b.header(headers[i], headers[i + 1]);
        }
        return proxy.http().send(b.GET().build(), HttpResponse.BodyHandlers.ofString());
    }

    /** /stats of the route that matched last: the catch-all route's cache, or the disk-tier route's. */
    private JsonNode cacheStats(int route) {
        return ProxyFixture.listener(proxy.statsNow(), "web").path("routes").get(route).path("cache");
    }

    @Test
    void aRepeatedWorkloadIsServedFromTheCache() throws Exception {
        start();
        for (int round = 0; round < 10; round++) {
            for (int url = 0; url < 20; url++) {
                HttpResponse<String> r = get("/page/" + url + "?cc=" + q("max-age=300"));
                assertThat(r.statusCode()).isEqualTo(200);
                assertThat(r.body()).isEqualTo("/page/" + url + " #1\n");
                String status = r.headers().firstValue("Cache-Status").orElseThrow();
                if (round == 0) {
                    assertThat(status).startsWith("sluice; fwd=miss; fwd-status=200; stored");
                } else {
                    assertThat(status).matches("sluice; hit; ttl=(300|299)");
                    assertThat(r.headers().firstValue("Age")).isPresent();
                    assertThat(r.headers().firstValue("X-Version")).hasValue("1");
                }
            }
        }
        assertThat(origin.requests()).isEqualTo(20);
        JsonNode c = cacheStats(2);
        assertThat(c.path("hits").asLong()).isEqualTo(180);
        assertThat(c.path("misses").asLong()).isEqualTo(20);
        assertThat(c.path("hit_ratio").asDouble()).isEqualTo(0.9);
        assertThat(c.path("stored").asLong()).isEqualTo(20);
        assertThat(c.path("memory_entries").asLong()).isEqualTo(20);
        assertThat(c.path("memory_bytes").asLong()).isPositive();
        Path log = disk.resolve("access.log");
        Await.until(() -> lines(log).size() == 200, Duration.ofSeconds(10), () -> "access log: " + lines(log).size());
        List<String> misses = lines(log).stream().filter(l -> l.contains("\"cache\":\"miss\"")).toList();
        assertThat(misses).hasSize(20).allMatch(l -> l.contains("\"server\":\"" + origin.authority() + "\""));
        assertThat(lines(log).stream().filter(l -> l.contains("\"cache\":\"hit\""))).hasSize(180)
                .allMatch(l -> l.contains("\"server\":null") && l.contains("\"term\":\"--\""));
    }

    private static List<String> lines(Path file) {
        try {
            return Files.exists(file) ? Files.readAllLines(file) : List.of();
        } catch (IOException e) {
            throw new AssertionError(e);
        }
    }

    @Test
    void whatMustNotBeStoredIsNot() throws Exception {
        start();
        List<String> targets = List.of("/a?cc=" + q("no-store, max-age=300"), "/b?cc=" + q("private, max-age=300"),
                "/c?cc=" + q("max-age=300") + "&cookie=1", "/d", "/e?expires=past", "/f?cc=" + q("max-age=300")
                        + "&status=500", "/g?cc=" + q("max-age=300") + "&vary=*",
                "/h?cc=" + q("max-age=300") + "&size=70000", "/i?cc=" + q("no-cache"));
        for (String target : targets) {
            for (int i = 1; i <= 3; i++) {
                HttpResponse<String> r = get(target);
                assertThat(r.headers().firstValue("X-Version")).as(target).hasValue(Integer.toString(i));
                assertThat(r.headers().firstValue("Cache-Status").orElseThrow()).as(target)
                        .startsWith("sluice; fwd=miss").contains("detail=");
            }
            assertThat(origin.requests(target)).as(target).isEqualTo(3);
        }
        assertThat(cacheStats(2).path("stored").asLong()).isZero();
        // without the route's cache, nothing is said about caching
        assertThat(get("/nocache/x?cc=" + q("max-age=60")).headers().firstValue("Cache-Status")).isEmpty();
    }

    @Test
    void expiresAndSMaxAgeGiveFreshness() throws Exception {
        start();
        String expires = "/x?cc=" + q("max-age=0, s-maxage=300");
        get(expires);
        assertThat(get(expires).headers().firstValue("Cache-Status").orElseThrow()).startsWith("sluice; hit");
        assertThat(origin.requests(expires)).isEqualTo(1);
    }

    @Test
    void variantsAreKeptApartByVary() throws Exception {
        start();
        String target = "/v?cc=" + q("max-age=300") + "&vary=Accept-Language";
        for (int i = 0; i < 3; i++) {
            assertThat(get(target, "Accept-Language", "en").body()).isEqualTo("/v #1 Accept-Language=en\n");
            assertThat(get(target, "Accept-Language", "fr").body()).isEqualTo("/v #2 Accept-Language=fr\n");
            assertThat(get(target).body()).isEqualTo("/v #3 Accept-Language=none\n");
        }
        assertThat(origin.requests(target)).isEqualTo(3);
        assertThat(get(target, "Accept-Language", "de").headers().firstValue("Cache-Status").orElseThrow())
                .startsWith("sluice; fwd=vary-miss");
    }

    @Test
    void aStaleResponseIsRevalidatedAndA304RefreshesIt() throws Exception {
        start();
        String etag = "/r?cc=" + q("no-cache") + "&etag=" + q("\"v1\"");
        HttpResponse<String> first = get(etag);
        assertThat(first.body()).isEqualTo("/r #1\n");
        assertThat(first.headers().firstValue("Cache-Status").orElseThrow()).contains("stored");
        HttpResponse<String> second = get(etag);
        assertThat(second.statusCode()).isEqualTo(200);
        assertThat(second.body()).isEqualTo("/r #1\n"); // the stored body, confirmed by the server's 304
        assertThat(second.headers().firstValue("X-Version")).hasValue("2"); // fields refreshed from the 304
        assertThat(second.headers().firstValue("Cache-Status").orElseThrow())
                .isEqualTo("sluice; fwd=stale; fwd-status=304; ttl=0");
        assertThat(origin.conditions()).containsExactly("-", "\"v1\"");

        String lastModified = "/l?cc=" + q("max-age=0") + "&lm=1";
        get(lastModified);
        assertThat(get(lastModified).body()).isEqualTo("/l #1\n");
        assertThat(origin.conditions()).endsWith(CachingOrigin.LAST_MODIFIED);
        JsonNode c = cacheStats(2);
        assertThat(c.path("revalidations").asLong()).isEqualTo(2);
        assertThat(c.path("revalidated").asLong()).isEqualTo(2);
    }

    @Test
    void theClientsOwnConditionsAreAnsweredFromTheCache() throws Exception {
        start();
        String target = "/c?cc=" + q("max-age=300") + "&etag=" + q("\"abc\"") + "&lm=1";
        try (RawHttpClient c = proxy.connect()) {
            c.send(RawHttpClient.request("GET", target, "Host: test"));
            assertThat(c.readResponse().header("Cache-Status")).contains("stored");
            c.send(RawHttpClient.request("GET", target, "Host: test", "If-None-Match: W/\"abc\""));
            RawResponse notModified = c.readResponse();
            assertThat(notModified.status()).isEqualTo(304);
            assertThat(notModified.body()).isEmpty();
            assertThat(notModified.header("ETag")).isEqualTo("\"abc\"");
            assertThat(notModified.hasHeader("Content-Type")).isFalse();
            c.send(RawHttpClient.request("GET", target, "Host: test", "If-Modified-Since: "
                    + CachingOrigin.LAST_MODIFIED));
            assertThat(c.readResponse().status()).isEqualTo(304);
            c.send(RawHttpClient.request("GET", target, "Host: test", "If-None-Match: \"other\""));
            RawResponse full = c.readResponse();
            assertThat(full.status()).isEqualTo(200);
            assertThat(full.bodyText()).isEqualTo("/c #1\n");
        }
        assertThat(origin.requests(target)).isEqualTo(1);
    }

    @Test
    void headIsAnsweredFromAStoredGetAndAHeadMissIsNotStored() throws Exception {
        start();
        String target = "/h?cc=" + q("max-age=300");
        try (RawHttpClient c = proxy.connect()) {
            c.send(RawHttpClient.request("HEAD", target, "Host: test"));
            RawResponse miss = c.readResponse("HEAD");
            assertThat(miss.header("Cache-Status")).startsWith("sluice; fwd=method");
            c.send(RawHttpClient.request("GET", target, "Host: test"));
            assertThat(c.readResponse().bodyText()).isEqualTo("/h #2\n");
            c.send(RawHttpClient.request("HEAD", target, "Host: test"));
            RawResponse hit = c.readResponse("HEAD");
            assertThat(hit.status()).isEqualTo(200);
            assertThat(hit.header("Content-Length")).isEqualTo("6");
            assertThat(hit.body()).isEmpty();
            assertThat(hit.header("Cache-Status")).startsWith("sluice; hit");
            // the connection is still in step: the next answer is the next request's
            c.send(RawHttpClient.request("GET", target, "Host: test"));
            assertThat(c.readResponse().bodyText()).isEqualTo("/h #2\n");
        }
        assertThat(origin.requests(target)).isEqualTo(2);
    }

    @Test
    void anUpgradeTheRouteDoesNotAllowDoesNotKeepARequestFromTheCache() throws Exception {
        start();
        String target = "/u?cc=" + q("max-age=300");
        try (RawHttpClient c = proxy.connect()) {
            for (int i = 0; i < 2; i++) {
                // what the JDK client sends when it tries HTTP/2 over plain HTTP
                c.send(RawHttpClient.request("GET", target, "Host: test", "Connection: Upgrade, HTTP2-Settings",
                        "Upgrade: h2c", "HTTP2-Settings: AAMAAABkAAQBAAAAAAIAAAAA"));
                RawResponse r = c.readResponse();
                assertThat(r.status()).isEqualTo(200);
                assertThat(r.header("Cache-Status")).startsWith(i == 0 ? "sluice; fwd=miss" : "sluice; hit");
            }
        }
        assertThat(origin.requests(target)).isEqualTo(1);
    }

    @Test
    void theClientCanAskForAFreshAnswerOrOnlyAStoredOne() throws Exception {
        start();
        String target = "/n?cc=" + q("max-age=300");
        assertThat(get(target, "Cache-Control", "only-if-cached").statusCode()).isEqualTo(504);
        get(target);
        assertThat(get(target, "Cache-Control", "only-if-cached").body()).isEqualTo("/n #1\n");
        assertThat(get(target, "Cache-Control", "no-cache").body()).isEqualTo("/n #2\n");
        assertThat(get(target, "Pragma", "no-cache").body()).isEqualTo("/n #3\n");
        assertThat(get(target, "Cache-Control", "max-age=0").body()).isEqualTo("/n #4\n");
        assertThat(get(target).body()).isEqualTo("/n #4\n"); // each refresh was stored
        assertThat(get(target, "Cache-Control", "no-store").body()).isEqualTo("/n #4\n");
    }

    @Test
    void anUnsafeRequestInvalidatesTheUrl() throws Exception {
        start();
        String target = "/p?cc=" + q("max-age=300");
        get(target);
        assertThat(get(target).body()).isEqualTo("/p #1\n");
        HttpResponse<String> post = proxy.http().send(HttpRequest.newBuilder(proxy.uri(target))
                .POST(HttpRequest.BodyPublishers.ofString("change")).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(post.statusCode()).isEqualTo(200);
        assertThat(get(target).body()).isEqualTo("/p #3\n");
        assertThat(cacheStats(2).path("invalidations").asLong()).isEqualTo(1);
    }

    @Test
    void aChunkedResponseIsStoredWhole() throws Exception {
        start();
        String target = "/k?cc=" + q("max-age=300") + "&chunked=1&size=20000";
        try (RawHttpClient c = proxy.connect()) {
            c.send(RawHttpClient.request("GET", target, "Host: test"));
            RawResponse miss = c.readResponse();
            assertThat(miss.header("Transfer-Encoding")).isEqualTo("chunked");
            assertThat(miss.body()).hasSize(20000);
            c.send(RawHttpClient.request("GET", target, "Host: test"));
            RawResponse hit = c.readResponse();
            assertThat(hit.headText()).startsWith("HTTP/1.1 200 OK\r\n");
            assertThat(hit.header("Content-Length")).isEqualTo("20000");
            assertThat(hit.hasHeader("Transfer-Encoding")).isFalse();
            assertThat(hit.body()).hasSize(20000);
        }
        assertThat(origin.requests(target)).isEqualTo(1);
    }

    @Test
    void aStampedeOfMissesSendsOneRequestToTheServer() throws Exception {
        start();
        String target = "/slow?cc=" + q("max-age=300");
        int clients = 500;
        List<CompletableFuture<HttpResponse<String>>> answers = new ArrayList<>();
        for (int i = 0; i < clients; i++) {
            answers.add(proxy.http().sendAsync(HttpRequest.newBuilder(proxy.uri(target))
                    .timeout(Duration.ofSeconds(40)).build(), HttpResponse.BodyHandlers.ofString()));
        }
        // every request but the one at the server is parked: only then does the server answer
        Await.until(() -> cacheStats(2).path("collapsed").asLong() == clients - 1, Duration.ofSeconds(30),
                () -> "collapsed: " + cacheStats(2));
        assertThat(origin.requests(target)).isEqualTo(1);
        origin.release();
        Set<String> bodies = new HashSet<>();
        int collapsedHits = 0;
        for (CompletableFuture<HttpResponse<String>> a : answers) {
            HttpResponse<String> r = a.join();
            assertThat(r.statusCode()).isEqualTo(200);
            bodies.add(r.body());
            if (r.headers().firstValue("Cache-Status").orElseThrow().contains("collapsed")) {
                collapsedHits++;
            }
        }
        assertThat(bodies).containsExactly("/slow #1\n");
        assertThat(collapsedHits).isEqualTo(clients - 1);
        assertThat(origin.requests(target)).isEqualTo(1);
    }

    @Test
    void aResponseCutShortIsNotStoredAndTheClientGetsA502() throws Exception {
        start();
        String target = "/cut?cc=" + q("max-age=300") + "&size=10000";
        for (int i = 0; i < 2; i++) {
            try (RawHttpClient c = proxy.connect()) {
                c.send(RawHttpClient.request("GET", target, "Host: test"));
                // a response being stored is held until complete: cut short, it is replaced by Sluice's 502
                assertThat(c.readResponse().status()).isEqualTo(502);
            }
        }
        assertThat(origin.requests(target)).isEqualTo(2);
        assertThat(cacheStats(2).path("stored").asLong()).isZero();
        assertThat(cacheStats(2).path("not_stored").asLong()).isEqualTo(2);
    }

    @Test
    void memoryPushesResponsesToDiskAndTheyAreServedFromThere() throws Exception {
        start();
        int urls = 12; // 12 x 150 KiB: more than the 1 MiB of memory
        for (int i = 0; i < urls; i++) {
            assertThat(get("/tier/" + i + "?cc=" + q("max-age=300") + "&size=153600").body()).hasSize(153600);
        }
        Await.until(() -> cacheStats(0).path("disk_writes").asLong() > 0, Duration.ofSeconds(10),
                () -> "nothing written to disk: " + cacheStats(0));
        for (int i = 0; i < urls; i++) {
            HttpResponse<String> r = get("/tier/" + i + "?cc=" + q("max-age=300") + "&size=153600");
            assertThat(r.body()).hasSize(153600);
        }
        for (int i = 0; i < urls; i++) {
            assertThat(origin.requests("/tier/" + i + "?cc=" + q("max-age=300") + "&size=153600"))
                    .as("url %d", i).isLessThanOrEqualTo(2);
        }
        JsonNode c = cacheStats(0);
        assertThat(c.path("disk_hits").asLong()).isPositive();
        assertThat(c.path("memory_bytes").asLong()).isLessThanOrEqualTo(1 << 20);
        assertThat(c.path("disk_bytes").asLong()).isPositive();
    }
}
