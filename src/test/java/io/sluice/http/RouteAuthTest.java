package io.sluice.http;

import io.sluice.config.AuthConfig;
import io.sluice.config.RateLimit;
import io.sluice.config.RouteConfig;
import io.sluice.config.RouteMatch;
import io.sluice.route.RouteAuth;
import io.sluice.testing.IntegrationTest;
import io.sluice.testing.ProxyFixture;
import io.sluice.testing.RawHttpClient;
import io.sluice.testing.RawResponse;
import io.sluice.testing.TestOrigin;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Route authorization (bearer tokens and Basic credentials, stored hashed) and route rate limits, over loopback: a
 * refused request never reaches the server, and the credential field reaches it only when the route says so.
 */
@IntegrationTest
@Timeout(value = 30, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class RouteAuthTest {
    private static final String TOKEN = "s3cr3t-token-0123456789";
    private static final String PASSWORD = "correct horse battery staple";

    @RegisterExtension
    final ProxyFixture proxy = new ProxyFixture();
    private TestOrigin origin;

    private static String hash(String secret) {
        return HexFormat.of().formatHex(RouteAuth.hash(secret.getBytes(StandardCharsets.UTF_8)));
    }

    private static String basic(String user, String password) {
        return "Authorization: Basic " + Base64.getEncoder().encodeToString((user + ":" + password)
                .getBytes(StandardCharsets.UTF_8));
    }

    private static RouteConfig route(String prefix, AuthConfig auth, RateLimit rate) {
        return new RouteConfig(new RouteMatch(null, prefix), "web", null, Map.of(), List.of(), null, 1, null, null,
                rate, auth);
    }

    @BeforeEach
    void start() {
        origin = proxy.origin();
        proxy.setup().cluster("web", 8, origin)
                .route(route("/bearer", new AuthConfig("api", List.of(hash("other"), hash(TOKEN)), Map.of(), false),
                        null))
                .route(route("/basic", new AuthConfig("staff", List.of(), Map.of("alice", hash(PASSWORD)), false),
                        null))
                .route(route("/forwarded", new AuthConfig("api", List.of(hash(TOKEN)), Map.of(), true), null))
                .route(route("/limited", null, new RateLimit(2, 60, 2)))
                .route(route("/both", new AuthConfig("api", List.of(hash(TOKEN)), Map.of(), false),
                        new RateLimit(2, 60, 2)))
                .route(route("/", null, null))
                .start();
    }

    private RawResponse get(RawHttpClient c, String target, String... fields) throws Exception {
        String[] all = new String[fields.length + 1];
        all[0] = "Host: example";
        System.arraycopy(fields, 0, all, 1, fields.length);
        return c.send(RawHttpClient.request("GET", target, all)).readResponse();
    }

    @Test
    void bearerTokenAcceptedAndNotForwarded() throws Exception {
        try (RawHttpClient c = proxy.connect()) {
            assertThat(get(c, "/bearer/x", "Authorization: Bearer " + TOKEN).status()).isEqualTo(200);
            assertThat(get(c, "/bearer/y", "Authorization: bearer   " + TOKEN).status()).as("scheme in any case")
                    .isEqualTo(200);
        }
        assertThat(origin.requests()).hasSize(2).allSatisfy(r -> assertThat(r.header("Authorization")).isNull());
    }

    @Test
    void missingOrWrongBearerTokenGets401WithChallengeAndKeepsTheConnection() throws Exception {
        try (RawHttpClient c = proxy.connect()) {
            RawResponse none = get(c, "/bearer/x");
            assertThat(none.status()).isEqualTo(401);
            assertThat(none.header("WWW-Authenticate")).isEqualTo("Bearer realm=\"api\"");
            RawResponse wrong = get(c, "/bearer/x", "Authorization: Bearer " + TOKEN + "x");
            assertThat(wrong.status()).isEqualTo(401);
            assertThat(wrong.header("WWW-Authenticate")).isEqualTo("Bearer realm=\"api\", error=\"invalid_token\"");
            assertThat(get(c, "/bearer/x", "Authorization: Basic " + TOKEN).status()).as("other scheme")
                    .isEqualTo(401);
            assertThat(get(c, "/bearer/x", "Authorization: Bearer " + TOKEN, "Authorization: Bearer " + TOKEN)
                    .status()).as("two credentials").isEqualTo(401);
            assertThat(get(c, "/bearer/x", "Authorization: Bearer").status()).isEqualTo(401);
            assertThat(get(c, "/open").status()).as("same connection, open route").isEqualTo(200);
        }
        assertThat(origin.requests()).hasSize(1);
    }

    @Test
    void basicCredentials() throws Exception {
        try (RawHttpClient c = proxy.connect()) {
            assertThat(get(c, "/basic", basic("alice", PASSWORD)).status()).isEqualTo(200);
            RawResponse wrong = get(c, "/basic", basic("alice", PASSWORD + "!"));
            assertThat(wrong.status()).isEqualTo(401);
            assertThat(wrong.header("WWW-Authenticate")).isEqualTo("Basic realm=\"staff\", charset=\"UTF-8\"");
            assertThat(get(c, "/basic", basic("mallory", PASSWORD)).status()).isEqualTo(401);
            assertThat(get(c, "/basic", "Authorization: Basic !!notbase64!!").status()).isEqualTo(401);
            assertThat(get(c, "/basic", "Authorization: Basic " + Base64.getEncoder().encodeToString(
                    "alice".getBytes(StandardCharsets.UTF_8))).status()).as("no colon").isEqualTo(401);
        }
        assertThat(origin.requests()).hasSize(1);
        assertThat(origin.requests().get(0).header("Authorization")).isNull();
    }

    @Test
    void credentialsForwardedWhenTheRouteSaysSo() throws Exception {
        try (RawHttpClient c = proxy.connect()) {
            assertThat(get(c, "/forwarded", "Authorization: Bearer " + TOKEN).status()).isEqualTo(200);
        }
        assertThat(origin.lastRequest().header("Authorization")).isEqualTo("Bearer " + TOKEN);
    }

    @Test
    void refusedRequestWithABodyClosesTheConnectionAndSendsNothing() throws Exception {
        try (RawHttpClient c = proxy.connect()) {
            String smuggled = "GET /smuggled HTTP/1.1\r\nHost: example\r\n\r\n";
            c.send("POST /bearer HTTP/1.1\r\nHost: example\r\nContent-Length: " + smuggled.length() + "\r\n\r\n"
                    + smuggled);
            RawResponse r = c.readResponse();
            assertThat(r.status()).isEqualTo(401);
            assertThat(r.hasToken("Connection", "close")).isTrue();
            assertThat(c.closedByPeer(Duration.ofSeconds(5))).isTrue();
        }
        assertThat(origin.requests()).isEmpty();
    }

    @Test
    void requestsWithoutCredentialsDoNotUseUpTheRouteRate() throws Exception {
        try (RawHttpClient c = proxy.connect()) {
            for (int i = 0; i < 5; i++) {
                assertThat(get(c, "/both").status()).isEqualTo(401);
            }
            assertThat(get(c, "/both", "Authorization: Bearer " + TOKEN).status()).isEqualTo(200);
            assertThat(get(c, "/both", "Authorization: Bearer " + TOKEN).status()).isEqualTo(200);
            assertThat(get(c, "/both", "Authorization: Bearer " + TOKEN).status()).isEqualTo(429);
        }
        assertThat(origin.requests("/both")).hasSize(2);
    }

    @Test
    void routeRateLimitIsSharedByAllClients() throws Exception {
        try (RawHttpClient a = proxy.connect(); RawHttpClient b = proxy.connect()) {
            assertThat(get(a, "/limited").status()).isEqualTo(200);
            assertThat(get(b, "/limited").status()).isEqualTo(200);
            RawResponse limited = get(a, "/limited");
            assertThat(limited.status()).isEqualTo(429);
            assertThat(Long.parseLong(limited.header("Retry-After"))).isBetween(1L, 30L);
            assertThat(get(b, "/limited").status()).isEqualTo(429);
            assertThat(get(b, "/other").status()).as("other routes are not limited").isEqualTo(200);
        }
        assertThat(origin.requests("/limited")).hasSize(2);
    }
}
