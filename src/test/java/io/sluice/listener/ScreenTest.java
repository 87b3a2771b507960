package io.sluice.listener;

import com.fasterxml.jackson.databind.JsonNode;
import io.sluice.config.Cidr;
import io.sluice.config.RateLimit;
import io.sluice.config.ScreenConfig;
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
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A listener's screen over loopback: address blocks, per-client connection limits and rates, and the per-client
 * request rate answered 429. A refused connection is closed before any byte of it is read; the server never sees it.
 */
@IntegrationTest
@Timeout(value = 30, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class ScreenTest {
    private static final String GET = RawHttpClient.request("GET", "/a", "Host: example");
    private static final Duration CLOSE_DEADLINE = Duration.ofSeconds(5);

    @RegisterExtension
    final ProxyFixture proxy = new ProxyFixture();

    private static ScreenConfig screen(List<String> allow, List<String> deny, int perClient, RateLimit connectRate,
                                       RateLimit requestRate) {
        return new ScreenConfig(allow.stream().map(Cidr::parse).toList(), deny.stream().map(Cidr::parse).toList(),
                perClient, connectRate, requestRate, ScreenConfig.DEFAULT_TRACKED_CLIENTS);
    }

    private TestOrigin start(ScreenConfig screen) {
        TestOrigin origin = proxy.origin();
        proxy.setup().cluster("web", 8, origin).screen(screen).start();
        return origin;
    }

    private JsonNode listenerStats() throws Exception {
        return ProxyFixture.listener(proxy.stats(), ProxyFixture.LISTENER);
    }

    @Test
    void deniedBlockIsClosedWithoutAWordAndCounted() throws Exception {
        TestOrigin origin = start(screen(List.of(), List.of("10.0.0.0/8", "127.0.0.0/8"), 0, null, null));
        try (RawHttpClient c = proxy.connect()) {
            c.send(GET);
            assertThat(c.readUntilClosed(CLOSE_DEADLINE)).isEmpty();
        }
        assertThat(origin.requests()).isEmpty();
        JsonNode stats = listenerStats();
        assertThat(stats.get("denied").asLong()).isEqualTo(1);
        assertThat(stats.get("accepted").asLong()).isZero();
    }

    @Test
    void onlyAllowedBlocksAreServed() throws Exception {
        TestOrigin origin = start(screen(List.of("192.0.2.0/24", "2001:db8::/32"), List.of(), 0, null, null));
        try (RawHttpClient c = proxy.connect()) {
            c.send(GET);
            assertThat(c.readUntilClosed(CLOSE_DEADLINE)).isEmpty();
        }
        assertThat(origin.requests()).isEmpty();
        assertThat(listenerStats().get("denied").asLong()).isEqualTo(1);
    }

    @Test
    void allowedClientIsServed() throws Exception {
        start(screen(List.of("127.0.0.0/8"), List.of("127.0.0.2/32"), 0, null, null));
        assertThat(proxy.get("/a").status()).isEqualTo(200);
        assertThat(listenerStats().get("denied").asLong()).isZero();
    }

    @Test
    void denyWinsOverAllow() throws Exception {
        TestOrigin origin = start(screen(List.of("127.0.0.0/8"), List.of("127.0.0.1/32"), 0, null, null));
        try (RawHttpClient c = proxy.connect()) {
            c.send(GET);
            assertThat(c.readUntilClosed(CLOSE_DEADLINE)).isEmpty();
        }
        assertThat(origin.requests()).isEmpty();
        assertThat(listenerStats().get("denied").asLong()).isEqualTo(1);
    }

    @Test
    void connectionsPerClientAreLimitedAndFreedOnClose() throws Exception {
        start(screen(List.of(), List.of(), 2, null, null));
        RawHttpClient first = proxy.connect();
        RawHttpClient second = proxy.connect();
        assertThat(first.send(GET).readResponse().status()).isEqualTo(200);
        assertThat(second.send(GET).readResponse().status()).isEqualTo(200);
        try (RawHttpClient third = proxy.connect()) {
            third.send(GET);
            assertThat(third.readUntilClosed(CLOSE_DEADLINE)).isEmpty();
        }
        assertThat(listenerStats().get("client_limited").asLong()).isEqualTo(1);
        first.close();
        awaitConnections(1);
        try (RawHttpClient again = proxy.connect()) {
            assertThat(again.send(GET).readResponse().status()).isEqualTo(200);
        }
        second.close();
    }

    @Test
    void newConnectionsPerClientAreRateLimited() throws Exception {
        start(screen(List.of(), List.of(), 0, new RateLimit(3, 60, 3), null));
        for (int i = 0; i < 3; i++) {
            try (RawHttpClient c = proxy.connect()) {
                assertThat(c.send(GET).readResponse().status()).isEqualTo(200);
            }
        }
        try (RawHttpClient c = proxy.connect()) {
            c.send(GET);
            assertThat(c.readUntilClosed(CLOSE_DEADLINE)).isEmpty();
        }
        assertThat(listenerStats().get("client_limited").asLong()).isEqualTo(1);
    }

    @Test
    void requestRateOverflowGets429WithRetryAfterAndKeepsTheConnection() throws Exception {
        TestOrigin origin = start(screen(List.of(), List.of(), 0, null, new RateLimit(2, 60, 2)));
        try (RawHttpClient c = proxy.connect()) {
            assertThat(c.send(GET).readResponse().status()).isEqualTo(200);
            assertThat(c.send(GET).readResponse().status()).isEqualTo(200);
            RawResponse limited = c.send(GET).readResponse();
            assertThat(limited.status()).isEqualTo(429);
            // a token comes back every 30 s
            assertThat(Long.parseLong(limited.header("Retry-After"))).isBetween(1L, 30L);
            assertThat(c.send(GET).readResponse().status()).isEqualTo(429);
        }
        try (RawHttpClient other = proxy.connect()) {
            assertThat(other.send(GET).readResponse().status()).as("the same client on another connection")
                    .isEqualTo(429);
        }
        assertThat(origin.requests()).hasSize(2);
        assertThat(listenerStats().get("rate_limited").asLong()).isEqualTo(3);
    }

    @Test
    void pipelinedRequestsAreRateLimitedOneByOne() throws Exception {
        TestOrigin origin = start(screen(List.of(), List.of(), 0, null, new RateLimit(2, 60, 2)));
        try (RawHttpClient c = proxy.connect()) {
            c.send(GET + GET + GET + GET);
            assertThat(c.readResponse().status()).isEqualTo(200);
            assertThat(c.readResponse().status()).isEqualTo(200);
            assertThat(c.readResponse().status()).isEqualTo(429);
            assertThat(c.readResponse().status()).isEqualTo(429);
        }
        assertThat(origin.requests()).hasSize(2);
    }

    @Test
    void aLimitedRequestWithABodyIsAnsweredAndTheConnectionClosed() throws Exception {
        TestOrigin origin = start(screen(List.of(), List.of(), 0, null, new RateLimit(1, 60, 1)));
        try (RawHttpClient c = proxy.connect()) {
            assertThat(c.send(GET).readResponse().status()).isEqualTo(200);
            c.send("POST /a HTTP/1.1\r\nHost: example\r\nContent-Length: 5\r\n\r\nhello");
            RawResponse limited = c.readResponse();
            assertThat(limited.status()).isEqualTo(429);
            assertThat(limited.hasToken("Connection", "close")).isTrue();
            assertThat(c.closedByPeer(CLOSE_DEADLINE)).isTrue();
        }
        assertThat(origin.requests()).hasSize(1);
    }

    @Test
    void proxiedClientIsScreenedByTheAddressInItsHeader() throws Exception {
        TestOrigin origin = proxy.origin();
        proxy.setup().cluster("web", 8, origin).acceptProxy()
                .screen(screen(List.of(), List.of("192.0.2.0/24"), 0, null, null)).start();
        try (RawHttpClient denied = proxy.connect()) {
            denied.send("PROXY TCP4 192.0.2.44 192.0.2.1 51000 80\r\n" + GET);
            assertThat(denied.readUntilClosed(CLOSE_DEADLINE)).isEmpty();
        }
        try (RawHttpClient allowed = proxy.connect()) {
            allowed.send("PROXY TCP4 198.51.100.7 192.0.2.1 51000 80\r\n" + GET);
            assertThat(allowed.readResponse().status()).isEqualTo(200);
        }
        assertThat(origin.requests()).hasSize(1);
        assertThat(origin.requests().get(0).header("X-Forwarded-For")).isEqualTo("198.51.100.7");
        assertThat(listenerStats().get("denied").asLong()).isEqualTo(1);
        awaitConnections(0);
    }

    private void awaitConnections(int n) {
        Await.until(() -> ProxyFixture.listener(proxy.statsNow(), ProxyFixture.LISTENER).get("connections").asInt()
                == n, Duration.ofSeconds(5), () -> "listener connections: " + proxy.statsNow());
    }
}
