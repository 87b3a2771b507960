package io.sluice.http;

import io.sluice.testing.IntegrationTest;
import io.sluice.testing.ProxyFixture;
import io.sluice.testing.RawHttpClient;
import io.sluice.testing.RawResponse;
import io.sluice.testing.TestOrigin;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Routes match host (case-insensitive, port ignored) and path prefix (byte for byte), first match wins, and a
 * request no route matches gets a 404 on a connection that stays usable. One client connection may be routed to
 * several clusters in turn.
 */
@IntegrationTest
@Timeout(value = 30, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class RoutingTest {
    @RegisterExtension
    final ProxyFixture proxy = new ProxyFixture();
    private TestOrigin api;
    private TestOrigin web;
    private TestOrigin statics;
    private RawHttpClient client;

    @BeforeEach
    void start() throws Exception {
        api = proxy.origin("api");
        web = proxy.origin("web");
        statics = proxy.origin("static");
        proxy.setup()
                .cluster("api", 8, api)
                .cluster("web", 8, web)
                .cluster("static", 8, statics)
                .route("api.example.com", "/v1", "api")
                .route(null, "/v1", "web")
                .route("static.example.com", null, "static")
                .route(null, "/web", "web")
                .start();
        client = proxy.connect();
    }

    private RawResponse get(String host, String target) throws Exception {
        client.send(RawHttpClient.request("GET", target, "Host: " + host));
        return client.readResponse();
    }

    @Test
    void hostMatchIsCaseInsensitiveAndIgnoresThePort() throws Exception {
        RawResponse r = get("API.Example.COM:8443", "/v1/users");
        assertThat(r.status()).isEqualTo(200);
        assertThat(r.header("X-Origin")).isEqualTo("api");
        assertThat(api.lastRequest().headers("Host")).containsExactly("API.Example.COM:8443");
    }

    @Test
    void firstMatchWins() throws Exception {
        assertThat(get("api.example.com", "/v1/a").header("X-Origin")).isEqualTo("api");
        assertThat(get("other.example.com", "/v1/a").header("X-Origin")).isEqualTo("web");
        assertThat(get("static.example.com", "/v1/a").header("X-Origin")).isEqualTo("web");
        assertThat(get("static.example.com", "/img/logo.png").header("X-Origin")).isEqualTo("static");
        assertThat(get("api.example.com", "/web/page").header("X-Origin")).isEqualTo("web");
        assertThat(api.requests()).hasSize(1);
        assertThat(statics.requests()).hasSize(1);
        assertThat(web.requests()).hasSize(3);
    }

    @Test
    void noMatchIs404AndTheConnectionStaysOpen() throws Exception {
        RawResponse r = get("api.example.com", "/v2/users");
        assertThat(r.status()).isEqualTo(404);
        assertThat(r.header("Content-Length")).isNotNull();
        assertThat(r.body()).isNotEmpty().hasSizeLessThan(1024);
        assertThat(r.hasToken("Connection", "close")).isFalse();
        RawResponse pathIsCaseSensitive = get("other.example.com", "/V1/users");
        assertThat(pathIsCaseSensitive.status()).isEqualTo(404);
        RawResponse after = get("x", "/web/after");
        assertThat(after.status()).isEqualTo(200);
        assertThat(after.header("X-Target")).isEqualTo("/web/after");
        assertThat(api.requests()).isEmpty();
    }
}
