package io.sluice.http;

import com.fasterxml.jackson.databind.JsonNode;
import io.sluice.Sluice;
import io.sluice.config.ConfigLoader;
import io.sluice.testing.Await;
import io.sluice.testing.IntegrationTest;
import io.sluice.testing.ProxyFixture;
import io.sluice.testing.RawHttpClient;
import io.sluice.testing.RawResponse;
import io.sluice.testing.TestOrigin;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Routes that answer themselves ({@code respond}, {@code redirect}) and the listener's {@code monitor_uri}: the
 * answers byte for byte over raw sockets, no server connection ever made for them, and the connection staying good
 * for a proxied request after them.
 */
@IntegrationTest
@Timeout(value = 30, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class DirectResponseTest {
    private static final List<Integer> REDIRECTS = List.of(301, 302, 303, 307, 308);
    private static final Map<Integer, String> REASONS = Map.of(301, "Moved Permanently", 302, "Found", 303,
            "See Other", 307, "Temporary Redirect", 308, "Permanent Redirect");
    /** sha256("test"), as {@code sluice hash-secret} writes it. */
    private static final String TEST_TOKEN_HASH =
            "sha256:9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08";

    @RegisterExtension
    final ProxyFixture proxy = new ProxyFixture();

    private String config(TestOrigin origin, String shutdownTimeout) {
        StringBuilder statusRoutes = new StringBuilder();
        for (int status : REDIRECTS) {
            statusRoutes.append("      - { match: { path_exact: /s").append(status).append(" }, redirect: { to: /t, status: ")
                    .append(status).append(" } }\n");
        }
        return "workers: " + ProxyFixture.workers() + "\n"
                + "shutdown_timeout: " + shutdownTimeout + "\n"
                + "listeners:\n"
                + "  - name: web\n"
                + "    address: 127.0.0.1:0\n"
                + "    monitor_uri: /sluice-health\n"
                + "    routes:\n"
                + "      - match: { path_prefix: /old/ }\n"
                + "        redirect: { to: \"https://{host}/new/{path_after_prefix}{query}\", status: 301 }\n"
                + "      - match: { path_prefix: /all/ }\n"
                + "        redirect: { to: \"/x;h={host};p={path};r={path_after_prefix};q={query};t={target};m={method}\" }\n"
                + statusRoutes
                + "      - match: { path_exact: /robots.txt }\n"
                + "        respond: { status: 200, body: \"User-agent: *\\nDisallow: /\\n\", headers: { Content-Type: text/plain, X-Asked: \"{method} {path}\" } }\n"
                + "      - match: { path_exact: /secret }\n"
                + "        respond: { body: \"hidden\\n\" }\n"
                + "        auth: { realm: r, bearer: [ \"" + TEST_TOKEN_HASH + "\" ] }\n"
                + "      - match: { path_exact: /limited }\n"
                + "        respond: { status: 418, body: \"{target}\" }\n"
                + "        rate_limit: { rate: 1/h, burst: 1 }\n"
                + "      - match: { path_prefix: / }\n"
                + "        cluster: o\n"
                + "clusters:\n"
                + "  - { name: o, servers: [ { address: " + origin.authority() + " } ] }\n"
                + "admin: { address: 127.0.0.1:0 }\n";
    }

    private TestOrigin start() {
        TestOrigin origin = proxy.origin("o");
        proxy.start(ConfigLoader.parse(config(origin, "10s"), "test.yaml"));
        return origin;
    }

    @Test
    void aRedirectFillsEveryVariableFromTheRequestAsReceived() throws Exception {
        TestOrigin origin = start();
        try (RawHttpClient c = proxy.connect()) {
            c.send("GET /old/a/b?x=1&y=%20 HTTP/1.1\r\nHost: WWW.Example.COM:8080\r\n\r\n");
            RawResponse moved = c.readResponse();
            assertThat(moved.status()).isEqualTo(301);
            assertThat(moved.reason()).isEqualTo("Moved Permanently");
            assertThat(moved.header("Location")).isEqualTo("https://www.example.com/new/a/b?x=1&y=%20");
            assertThat(moved.header("Content-Length")).isEqualTo("0");
            assertThat(moved.header("Connection")).isNull();

            c.send("POST /all/p/q?k=v HTTP/1.1\r\nHost: h.example\r\nContent-Length: 0\r\n\r\n");
            RawResponse found = c.readResponse();
            assertThat(found.status()).as("the default status").isEqualTo(302);
            assertThat(found.header("Location"))
                    .isEqualTo("/x;h=h.example;p=/all/p/q;r=p/q;q=?k=v;t=/all/p/q?k=v;m=POST");

            c.send("GET http://Abs.Example:81/all/z HTTP/1.1\r\nHost: other\r\n\r\n");
            assertThat(c.readResponse().header("Location")).as("absolute-form: its authority, no query")
                    .isEqualTo("/x;h=abs.example;p=/all/z;r=z;q=;t=http://Abs.Example:81/all/z;m=GET");
        }
        assertThat(origin.accepted()).as("no server connection").isZero();
    }

    @Test
    void everyRedirectStatusIsAnsweredWithItsReason() throws Exception {
        TestOrigin origin = start();
        try (RawHttpClient c = proxy.connect()) {
            for (int status : REDIRECTS) {
                c.send(RawHttpClient.request("GET", "/s" + status, "Host: t"));
                RawResponse r = c.readResponse();
                assertThat(r.status()).isEqualTo(status);
                assertThat(r.reason()).isEqualTo(REASONS.get(status));
                assertThat(r.header("Location")).isEqualTo("/t");
                assertThat(r.body()).isEmpty();
            }
        }
        assertThat(origin.accepted()).isZero();
    }

    @Test
    void aControlCharacterCannotReachTheLocationField() throws Exception {
        TestOrigin origin = start();
        try (RawHttpClient c = proxy.connect()) {
            c.send("GET /old/a\rSet-Cookie:x HTTP/1.1\r\nHost: t\r\n\r\n");
            RawResponse r = c.readResponse();
            assertThat(r.status()).as("the parser refuses it before any route").isEqualTo(400);
            assertThat(r.hasHeader("Set-Cookie")).isFalse();
        }
        assertThat(origin.accepted()).isZero();
    }

    @Test
    void aResponseKeepsTheConnectionForTheNextRequestWhichGoesToTheServer() throws Exception {
        TestOrigin origin = start();
        try (RawHttpClient c = proxy.connect()) {
            c.send(RawHttpClient.request("GET", "/robots.txt", "Host: t"));
            RawResponse get = c.readResponse();
            assertThat(new String(get.raw(), StandardCharsets.ISO_8859_1)).isEqualTo("HTTP/1.1 200 OK\r\n"
                    + "Content-Type: text/plain\r\n"
                    + "X-Asked: GET /robots.txt\r\n"
                    + "Content-Length: 26\r\n"
                    + "\r\n"
                    + "User-agent: *\nDisallow: /\n");

            c.send(RawHttpClient.request("HEAD", "/robots.txt", "Host: t"));
            RawResponse head = c.readResponse("HEAD");
            assertThat(head.header("Content-Length")).isEqualTo("26");
            assertThat(head.header("X-Asked")).isEqualTo("HEAD /robots.txt");
            assertThat(head.body()).isEmpty();
            assertThat(origin.accepted()).isZero();

            c.send(RawHttpClient.request("GET", "/proxied", "Host: t"));
            RawResponse proxied = c.readResponse();
            assertThat(proxied.status()).isEqualTo(200);
            assertThat(origin.requests()).extracting(TestOrigin.Request::target).containsExactly("/proxied");
        }
    }

    @Test
    void aRequestWithABodyIsAnsweredAndTheConnectionClosedWithoutLeakingIntoAnotherRequest() throws Exception {
        TestOrigin origin = start();
        try (RawHttpClient c = proxy.connect()) {
            // a body that looks like a request: if it were read as one, the origin would get it
            String smuggled = "GET /smuggled HTTP/1.1\r\nHost: t\r\n\r\n";
            c.send("POST /robots.txt HTTP/1.1\r\nHost: t\r\nContent-Length: " + smuggled.length() + "\r\n\r\n"
                    + smuggled + "GET /next HTTP/1.1\r\nHost: t\r\n\r\n");
            RawResponse r = c.readResponse();
            assertThat(r.status()).isEqualTo(200);
            assertThat(r.header("Connection")).isEqualTo("close");
            assertThat(c.closedByPeer(Duration.ofSeconds(5))).isTrue();
        }
        assertThat(origin.accepted()).isZero();
    }

    @Test
    void authAndRateLimitApplyBeforeTheAnswer() throws Exception {
        TestOrigin origin = start();
        try (RawHttpClient c = proxy.connect()) {
            c.send(RawHttpClient.request("GET", "/secret", "Host: t"));
            RawResponse refused = c.readResponse();
            assertThat(refused.status()).isEqualTo(401);
            assertThat(refused.header("WWW-Authenticate")).contains("realm=\"r\"");

            c.send(RawHttpClient.request("GET", "/secret", "Host: t", "Authorization: Bearer test"));
            RawResponse allowed = c.readResponse();
            assertThat(allowed.status()).isEqualTo(200);
            assertThat(allowed.bodyText()).isEqualTo("hidden\n");

            c.send(RawHttpClient.request("GET", "/limited?n=1", "Host: t"));
            RawResponse first = c.readResponse();
            assertThat(first.status()).isEqualTo(418);
            assertThat(first.reason()).isEqualTo("I'm a teapot");
            assertThat(first.bodyText()).as("the body gets the raw target").isEqualTo("/limited?n=1");
            c.send(RawHttpClient.request("GET", "/limited", "Host: t"));
            assertThat(c.readResponse().status()).isEqualTo(429);
        }
        assertThat(origin.accepted()).isZero();
    }

    @Test
    void statsCountTheRoutesAndTheirAnswers() throws Exception {
        TestOrigin origin = start();
        try (RawHttpClient c = proxy.connect()) {
            for (String target : List.of("/robots.txt", "/robots.txt", "/s307", "/sluice-health")) {
                c.send(RawHttpClient.request("GET", target, "Host: t"));
                c.readResponse();
            }
        }
        JsonNode web = ProxyFixture.listener(proxy.stats(), "web");
        assertThat(web.path("responses").path("2xx").asLong()).isEqualTo(3);
        assertThat(web.path("responses").path("3xx").asLong()).isEqualTo(1);
        JsonNode robots = route(web, "path_exact=/robots.txt");
        assertThat(robots.path("requests").asLong()).isEqualTo(2);
        assertThat(robots.path("cluster").asText()).isEmpty();
        assertThat(robots.path("action").asText()).isEqualTo("respond");
        assertThat(route(web, "path_exact=/s307").path("action").asText()).isEqualTo("redirect");
        assertThat(route(web, "path_prefix=/").path("action").asText()).isEqualTo("proxy");
        assertThat(route(web, "path_prefix=/").path("requests").asLong()).as("the monitor is not routed").isZero();
        assertThat(origin.accepted()).isZero();
    }

    private static JsonNode route(JsonNode listener, String match) {
        for (JsonNode r : listener.path("routes")) {
            if (r.path("match").asText().equals(match)) {
                return r;
            }
        }
        throw new AssertionError("no route " + match + " in " + listener);
    }

    @Test
    void theMonitorUriAnswersOkWithoutRouting() throws Exception {
        TestOrigin origin = start();
        try (RawHttpClient c = proxy.connect()) {
            c.send(RawHttpClient.request("GET", "/sluice-health", "Host: t"));
            RawResponse ok = c.readResponse();
            assertThat(ok.status()).isEqualTo(200);
            assertThat(ok.bodyText()).isEqualTo("ok\n");
            c.send(RawHttpClient.request("HEAD", "/sluice-health?probe=1", "Host: t"));
            RawResponse head = c.readResponse("HEAD");
            assertThat(head.status()).isEqualTo(200);
            assertThat(head.body()).isEmpty();
            c.send(RawHttpClient.request("GET", "/sluice-health/more", "Host: t"));
            assertThat(c.readResponse().status()).as("another path is routed").isEqualTo(200);
        }
        assertThat(origin.requests()).extracting(TestOrigin.Request::target).containsExactly("/sluice-health/more");
    }

    @Test
    void theMonitorUriAnswers503WhileTheListenerDrains() throws Exception {
        TestOrigin origin = TestOrigin.start("o");
        try {
            Sluice sluice = Sluice.start(ConfigLoader.parse(config(origin, "10s"), "test.yaml"));
            InetSocketAddress web = sluice.listenerAddress("web");
            try (RawHttpClient slow = RawHttpClient.connect(web); RawHttpClient balancer = RawHttpClient.connect(web)) {
                balancer.send(RawHttpClient.request("GET", "/sluice-health", "Host: t"));
                assertThat(balancer.readResponse().status()).as("accepted, idle, kept alive").isEqualTo(200);
                // an exchange in flight holds the shutdown open while the balancer asks again
                slow.send(RawHttpClient.request("GET", "/delay/1500/slow", "Host: t"));
                origin.awaitRequests(1, Duration.ofSeconds(5));
                CompletableFuture<Boolean> drained = CompletableFuture.supplyAsync(sluice::shutdownGracefully);
                Await.refused(web); // stopped accepting: the listener drains

                balancer.send(RawHttpClient.request("GET", "/sluice-health", "Host: t"));
                RawResponse draining = balancer.readResponse();
                assertThat(draining.status()).isEqualTo(503);
                assertThat(draining.header("Connection")).isEqualTo("close");
                assertThat(balancer.closedByPeer(Duration.ofSeconds(5))).isTrue();

                assertThat(slow.readResponse().status()).isEqualTo(200);
                assertThat(drained.get(10, TimeUnit.SECONDS)).isTrue();
            }
        } finally {
            origin.close();
        }
    }
}
