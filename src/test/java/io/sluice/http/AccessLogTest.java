package io.sluice.http;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.sluice.config.AccessLogConfig;
import io.sluice.config.ClusterTimeouts;
import io.sluice.config.DirectResponse;
import io.sluice.config.ListenerLimits;
import io.sluice.config.RateLimit;
import io.sluice.config.RouteBuffering;
import io.sluice.config.RouteConfig;
import io.sluice.config.RouteMatch;
import io.sluice.config.Template;
import io.sluice.testing.Await;
import io.sluice.testing.IntegrationTest;
import io.sluice.testing.ProxyFixture;
import io.sluice.testing.RawHttpClient;
import io.sluice.testing.RawResponse;
import io.sluice.testing.TestOrigin;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The access log: one JSON line per exchange, its fields as the client and the origin saw the exchange, and the
 * termination code of every way it can end (docs/operations.md).
 */
@IntegrationTest
@Timeout(value = 30, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class AccessLogTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Duration WAIT = Duration.ofSeconds(5);

    @RegisterExtension
    final ProxyFixture proxy = new ProxyFixture();
    @TempDir
    Path dir;

    private Path log() {
        return dir.resolve("access.log");
    }

    private ProxyFixture.Setup setup(TestOrigin... origins) {
        return proxy.setup().cluster("web", 8, origins).accessLog(new AccessLogConfig(log(), null, 1024));
    }

    private List<String> rawLines() {
        try {
            return Files.exists(log()) ? Files.readAllLines(log(), StandardCharsets.UTF_8) : List.of();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The first {@code n} lines, parsed, once there are that many (the writer flushes when it has nothing else). */
    private List<JsonNode> lines(int n) throws IOException {
        Await.until(() -> rawLines().size() >= n, WAIT, () -> "access log lines: " + rawLines());
        List<JsonNode> parsed = new ArrayList<>();
        for (String line : rawLines().subList(0, n)) {
            parsed.add(JSON.readTree(line));
        }
        return parsed;
    }

    /** The only line whose target is {@code target}, once it is there. */
    private JsonNode line(String target) throws IOException {
        Await.until(() -> rawLines().stream().anyMatch(l -> l.contains("\"target\":\"" + target + "\"")), WAIT,
                () -> "no line for " + target + ": " + rawLines());
        JsonNode found = null;
        for (String l : rawLines()) {
            JsonNode n = JSON.readTree(l);
            if (target.equals(n.path("target").asText(null))) {
                assertThat(found).as("one line for %s", target).isNull();
                found = n;
            }
        }
        return found;
    }

    private static double ms(JsonNode n, String field) {
        return n.path(field).asDouble(-1);
    }

    @Test
    void normalRequestsOnAReusedServerConnection() throws Exception {
        TestOrigin origin = proxy.origin();
        setup(origin).start();
        String first = RawHttpClient.request("GET", "/size/10?first", "Host: t");
        String second = RawHttpClient.request("GET", "/size/2000?second", "Host: t");
        RawResponse r1;
        RawResponse r2;
        int clientPort;
        try (RawHttpClient c = proxy.connect()) {
            clientPort = c.socket().getLocalPort();
            r1 = c.send(first).readResponse();
            r2 = c.send(second).readResponse();
        }
        assertThat(r1.status()).isEqualTo(200);
        List<JsonNode> lines = lines(2);
        JsonNode a = lines.get(0);
        assertThat(a.path("time").asText()).matches("\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d\\.\\d{3}Z");
        assertThat(a.path("listener").asText()).isEqualTo(ProxyFixture.LISTENER);
        assertThat(a.path("client").asText()).isEqualTo("127.0.0.1:" + clientPort);
        assertThat(a.path("method").asText()).isEqualTo("GET");
        assertThat(a.path("target").asText()).isEqualTo("/size/10?first");
        assertThat(a.path("host").asText()).isEqualTo("t");
        assertThat(a.path("protocol").asText()).isEqualTo("HTTP/1.1");
        assertThat(a.path("status").asInt()).isEqualTo(200);
        assertThat(a.path("bytes_in").asLong()).isEqualTo(first.length());
        assertThat(a.path("bytes_out").asLong()).isEqualTo(r1.raw().length);
        assertThat(a.path("route").asText()).isEqualTo("web");
        assertThat(a.path("server").asText()).isEqualTo(origin.authority());
        assertThat(a.path("reused").asBoolean()).as("the first request opened the connection").isFalse();
        assertThat(a.path("retries").asInt()).isZero();
        assertThat(ms(a, "queue_ms")).isGreaterThanOrEqualTo(0);
        assertThat(ms(a, "connect_ms")).isGreaterThanOrEqualTo(0);
        assertThat(ms(a, "first_byte_ms")).isGreaterThanOrEqualTo(ms(a, "connect_ms"))
                .isLessThanOrEqualTo(ms(a, "total_ms"));
        assertThat(a.path("term").asText()).isEqualTo("--");

        JsonNode b = lines.get(1);
        assertThat(b.path("target").asText()).isEqualTo("/size/2000?second");
        assertThat(b.path("bytes_in").asLong()).isEqualTo(second.length());
        assertThat(b.path("bytes_out").asLong()).isEqualTo(r2.raw().length);
        assertThat(b.path("reused").asBoolean()).as("the second went on the pooled connection").isTrue();
        assertThat(ms(b, "connect_ms")).isZero();
        assertThat(b.path("term").asText()).isEqualTo("--");
        assertThat(r2.status()).isEqualTo(200);
    }

    @Test
    void answersOfSluicesOwn() throws Exception {
        TestOrigin origin = proxy.origin();
        setup(origin).route(null, "/api", "web")
                .route(new RouteConfig(new RouteMatch(null, "/limited"), "web", null, Map.of(), List.of(), null, 1,
                        RouteBuffering.NONE, RouteConfig.DEFAULT_UPGRADES, new RateLimit(1, 3600, 1), null))
                .limits(new ListenerLimits(8 * 1024, 32 * 1024, 100, 16, 100, 10_000)).start();
        assertThat(proxy.get("/nope").status()).isEqualTo(404);
        JsonNode noRoute = line("/nope");
        assertThat(noRoute.path("status").asInt()).isEqualTo(404);
        assertThat(noRoute.path("term").asText()).isEqualTo("LR");
        assertThat(noRoute.path("route").isNull()).isTrue();
        assertThat(noRoute.path("server").isNull()).isTrue();
        assertThat(noRoute.path("first_byte_ms").isNull()).isTrue();

        try (RawHttpClient c = proxy.connect()) {
            RawResponse r = c.send("POST /api/upload HTTP/1.1\r\nHost: t\r\nContent-Length: 101\r\n\r\n")
                    .readResponse();
            assertThat(r.status()).isEqualTo(413);
            JsonNode tooLarge = line("/api/upload");
            assertThat(tooLarge.path("method").asText()).isEqualTo("POST");
            assertThat(tooLarge.path("status").asInt()).isEqualTo(413);
            assertThat(tooLarge.path("bytes_out").asLong()).isEqualTo(r.raw().length);
            assertThat(tooLarge.path("term").asText()).isEqualTo("PR");
        }

        try (RawHttpClient c = proxy.connect()) {
            RawResponse r = c.send("GET /api/x\u0001y HTTP/1.1\r\nHost: t\r\n\r\n").readResponse();
            assertThat(r.status()).isEqualTo(400);
        }
        Await.until(() -> rawLines().size() >= 3, WAIT, () -> "lines: " + rawLines());
        JsonNode bad = JSON.readTree(rawLines().get(2));
        assertThat(bad.path("status").asInt()).isEqualTo(400);
        assertThat(bad.path("term").asText()).isEqualTo("PR");
        assertThat(bad.path("method").isNull()).as("a head refused unparsed").isTrue();
        assertThat(origin.requests()).isEmpty();

        assertThat(proxy.get("/limited?1").status()).isEqualTo(200);
        assertThat(proxy.get("/limited?2").status()).as("one request an hour").isEqualTo(429);
        JsonNode limited = line("/limited?2");
        assertThat(limited.path("status").asInt()).isEqualTo(429);
        assertThat(limited.path("term").asText()).isEqualTo("PR");
        assertThat(limited.path("route").asText()).as("it matched a route").isEqualTo("web");
        assertThat(limited.path("server").isNull()).isTrue();
    }

    @Test
    void directAnswersEndAsConfigured() throws Exception {
        TestOrigin origin = proxy.origin();
        DirectResponse moved = new DirectResponse(DirectResponse.Action.REDIRECT, 308,
                new Template(List.of(new Template.Part("/new", null))), null, null);
        setup(origin).route(new RouteConfig(new RouteMatch(null, "/moved"), null, null, Map.of(), List.of(), null, 1,
                RouteBuffering.NONE, RouteConfig.DEFAULT_UPGRADES, null, null, moved)).route(null, "/", "web").start();
        assertThat(proxy.get("/moved").status()).isEqualTo(308);
        JsonNode line = line("/moved");
        assertThat(line.path("status").asInt()).isEqualTo(308);
        assertThat(line.path("term").asText()).isEqualTo("L-");
        assertThat(line.path("route").asText()).isEqualTo("redirect");
        assertThat(line.path("server").isNull()).isTrue();
        assertThat(origin.accepted()).isZero();
    }

    @Test
    void serverFailures() throws Exception {
        TestOrigin origin = proxy.origin();
        setup(origin).timeouts("web", new ClusterTimeouts(Duration.ofSeconds(5), Duration.ofMillis(300))).start();
        assertThat(proxy.get("/close-no-response").status()).isEqualTo(502);
        JsonNode closed = line("/close-no-response");
        assertThat(closed.path("status").asInt()).isEqualTo(502);
        assertThat(closed.path("term").asText()).isEqualTo("SH");
        assertThat(closed.path("server").asText()).isEqualTo(origin.authority());

        assertThat(proxy.get("/hang").status()).isEqualTo(504);
        JsonNode slow = line("/hang");
        assertThat(slow.path("status").asInt()).isEqualTo(504);
        assertThat(slow.path("term").asText()).isEqualTo("sH");
        assertThat(ms(slow, "total_ms")).isGreaterThanOrEqualTo(300);

        int status = proxy.get("/close-mid-body").status();
        JsonNode cut = line("/close-mid-body");
        assertThat(cut.path("status").asInt()).isEqualTo(status);
        // the head goes through as soon as it is read: the client is cut off in the middle of the body
        assertThat(cut.path("term").asText()).isEqualTo(status == 200 ? "SD" : "SH");
    }

    @Test
    void noServer() throws Exception {
        InetSocketAddress dead = ProxyFixture.deadAddress();
        proxy.setup().cluster("web", 8, dead).accessLog(new AccessLogConfig(log(), null, 1024)).start();
        assertThat(proxy.get("/x").status()).isEqualTo(503);
        JsonNode n = line("/x");
        assertThat(n.path("status").asInt()).isEqualTo(503);
        assertThat(n.path("term").asText()).isEqualTo("SC");
        assertThat(n.path("server").asText()).isEqualTo("127.0.0.1:" + dead.getPort());
        assertThat(n.path("first_byte_ms").isNull()).isTrue();
    }

    @Test
    void clientAborts() throws Exception {
        TestOrigin origin = proxy.origin();
        setup(origin).start();
        RawHttpClient c = proxy.connect();
        c.send(RawHttpClient.request("GET", "/size/33554432", "Host: t"));
        RawHttpClient.Streaming s = c.readStreaming("GET");
        assertThat(s.head().status()).isEqualTo(200);
        s.body().readNBytes(1000);
        c.abort();
        JsonNode midResponse = line("/size/33554432");
        assertThat(midResponse.path("status").asInt()).isEqualTo(200);
        assertThat(midResponse.path("term").asText()).isEqualTo("CD");
        assertThat(midResponse.path("bytes_out").asLong()).isBetween(1000L, 33554432L);

        RawHttpClient waiting = proxy.connect();
        waiting.send(RawHttpClient.request("GET", "/delay/800/size/10", "Host: t"));
        Await.until(() -> origin.requests().stream().anyMatch(r -> r.target().startsWith("/delay/")), WAIT,
                () -> "the request did not reach the origin");
        waiting.abort();
        JsonNode beforeResponse = line("/delay/800/size/10");
        assertThat(beforeResponse.path("status").asInt()).as("nothing was sent").isZero();
        assertThat(beforeResponse.path("term").asText()).isEqualTo("CH");
        assertThat(ms(beforeResponse, "total_ms")).as("logged when the client left, not after the drain")
                .isLessThan(800);
    }

    @Test
    void templateFormat() throws Exception {
        TestOrigin origin = proxy.origin();
        proxy.setup().cluster("web", 8, origin).accessLog(new AccessLogConfig(log(),
                AccessLogConfig.parseTemplate("%method %target %status %term %server"), 1024)).start();
        assertThat(proxy.get("/size/5").status()).isEqualTo(200);
        Await.until(() -> rawLines().size() == 1, WAIT, () -> "lines: " + rawLines());
        assertThat(rawLines()).containsExactly("GET /size/5 200 -- " + origin.authority());
    }
}
