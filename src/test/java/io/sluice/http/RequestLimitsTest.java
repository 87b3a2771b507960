package io.sluice.http;

import io.sluice.config.ListenerLimits;
import io.sluice.testing.IntegrationTest;
import io.sluice.testing.ProxyFixture;
import io.sluice.testing.RawHttpClient;
import io.sluice.testing.RawResponse;
import io.sluice.testing.TestOrigin;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;

/** {@code limits.body} (413 before the server sees the request) and {@code limits.requests_per_connection}. */
@IntegrationTest
@Timeout(value = 30, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class RequestLimitsTest {
    private static final String GET = RawHttpClient.request("GET", "/a", "Host: example");

    @RegisterExtension
    final ProxyFixture proxy = new ProxyFixture();
    private TestOrigin origin;

    @BeforeEach
    void start() {
        origin = proxy.origin();
        proxy.setup().cluster("web", 8, origin)
                .limits(new ListenerLimits(8 * 1024, 32 * 1024, 100, 16, 1000, 3)).start();
    }

    @Test
    void declaredBodyOverTheLimitGets413AndNothingReachesTheServer() throws Exception {
        try (RawHttpClient c = proxy.connect()) {
            c.send("POST /upload HTTP/1.1\r\nHost: example\r\nContent-Length: 1001\r\n\r\n" + "x".repeat(1001));
            RawResponse r = c.readResponse();
            assertThat(r.status()).isEqualTo(413);
            assertThat(c.closedByPeer(Duration.ofSeconds(5))).isTrue();
        }
        assertThat(origin.requests()).isEmpty();
    }

    @Test
    void bodyAtTheLimitGoesThrough() throws Exception {
        try (RawHttpClient c = proxy.connect()) {
            c.send("POST /upload HTTP/1.1\r\nHost: example\r\nContent-Length: 1000\r\n\r\n" + "x".repeat(1000));
            assertThat(c.readResponse().status()).isEqualTo(200);
        }
        assertThat(origin.lastRequest().body()).hasSize(1000);
    }

    @Test
    void chunkedBodyOverTheLimitGets413AndTheServerConnectionIsClosed() throws Exception {
        try (RawHttpClient c = proxy.connect()) {
            c.send("POST /upload HTTP/1.1\r\nHost: example\r\nTransfer-Encoding: chunked\r\n\r\n"
                    + "1f4\r\n" + "x".repeat(500) + "\r\n");
            c.send("1f5\r\n" + "y".repeat(501) + "\r\n0\r\n\r\n");
            RawResponse r = c.readResponse();
            assertThat(r.status()).isEqualTo(413);
            assertThat(c.closedByPeer(Duration.ofSeconds(5))).isTrue();
        }
        assertThat(origin.requests()).as("the server never saw a complete request").isEmpty();
        assertThat(proxy.get("/after").status()).isEqualTo(200);
        assertThat(origin.requests()).hasSize(1);
        assertThat(origin.accepted()).as("on a fresh server connection").isEqualTo(2);
    }

    @Test
    void chunkedBodyAtTheLimitGoesThrough() throws Exception {
        try (RawHttpClient c = proxy.connect()) {
            c.send("POST /upload HTTP/1.1\r\nHost: example\r\nTransfer-Encoding: chunked\r\n\r\n"
                    + "1f4\r\n" + "x".repeat(500) + "\r\n1f4\r\n" + "y".repeat(500) + "\r\n0\r\n\r\n");
            assertThat(c.readResponse().status()).isEqualTo(200);
        }
        assertThat(origin.lastRequest().bodyLength()).isEqualTo(1000);
    }

    @Test
    void theLastRequestOfAConnectionIsAnsweredWithClose() throws Exception {
        try (RawHttpClient c = proxy.connect()) {
            assertThat(c.send(GET).readResponse().hasToken("Connection", "close")).isFalse();
            assertThat(c.send(GET).readResponse().hasToken("Connection", "close")).isFalse();
            RawResponse third = c.send(GET).readResponse();
            assertThat(third.status()).isEqualTo(200);
            assertThat(third.hasToken("Connection", "close")).isTrue();
            assertThat(c.closedByPeer(Duration.ofSeconds(5))).isTrue();
        }
        assertThat(origin.requests()).hasSize(3);
    }

    @Test
    void pipelinedRequestsBeyondTheLimitAreNotServed() throws Exception {
        try (RawHttpClient c = proxy.connect()) {
            c.send(GET + GET + GET + GET + GET);
            assertThat(c.readResponse().status()).isEqualTo(200);
            assertThat(c.readResponse().status()).isEqualTo(200);
            assertThat(c.readResponse().hasToken("Connection", "close")).isTrue();
            assertThat(c.closedByPeer(Duration.ofSeconds(5))).isTrue();
        }
        assertThat(origin.requests()).hasSize(3);
    }
}
